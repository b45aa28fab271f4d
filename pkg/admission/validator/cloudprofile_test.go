// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"context"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

var _ = Describe("CloudProfile validator", func() {
	const (
		pc        = "spec.providerConfig"
		prod      = pc + ".metalControlPlanes[prod]"
		isolation = prod + ".networkIsolation"
	)

	editConfig := func(edit func(doc map[string]any)) func(*gardencorev1beta1.CloudProfile) {
		return func(cp *gardencorev1beta1.CloudProfile) { fx.Edit(cp.Spec.ProviderConfig, edit) }
	}
	editProd := func(edit func(prod map[string]any)) func(*gardencorev1beta1.CloudProfile) {
		return editConfig(func(doc map[string]any) { edit(fx.Object(fx.Object(doc, "metalControlPlanes"), "prod")) })
	}
	editIsolation := func(edit func(isolation map[string]any)) func(*gardencorev1beta1.CloudProfile) {
		return editProd(func(prod map[string]any) { edit(fx.Object(prod, "networkIsolation")) })
	}

	DescribeTable("validates",
		func(edit func(*gardencorev1beta1.CloudProfile), matchers ...types.GomegaMatcher) {
			cp := fx.CloudProfile()
			if edit != nil {
				edit(cp)
			}
			expectFieldErrors(validator.NewCloudProfileValidator().Validate(context.Background(), internal(cp, &core.CloudProfile{}), nil), matchers...)
		},
		Entry("a valid profile", nil),
		Entry("a profile of another provider", func(cp *gardencorev1beta1.CloudProfile) {
			cp.Spec.Type = "aws"
			cp.Spec.ProviderConfig = nil
		}),
		Entry("no providerConfig", func(cp *gardencorev1beta1.CloudProfile) { cp.Spec.ProviderConfig = nil }, required(pc)),
		Entry("an unknown field", editProd(func(prod map[string]any) { prod["endpoints"] = []any{"x"} }),
			withDetail(field.ErrorTypeInvalid, pc, `unknown field "metalControlPlanes.prod.endpoints"`)),
		Entry("a providerConfig that is no CloudProfileConfig", func(cp *gardencorev1beta1.CloudProfile) {
			cp.Spec.ProviderConfig = &runtime.RawExtension{Raw: []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"WorkerConfig"}`)}
		}, withDetail(field.ErrorTypeInvalid, pc, "decoding CloudProfileConfig")),

		// partitions are zones
		Entry("a partition that is no zone", func(cp *gardencorev1beta1.CloudProfile) { cp.Spec.Regions[0].Zones = cp.Spec.Regions[0].Zones[:1] },
			invalid(prod+".partitions[fra-equ02]")),
		Entry("a zone that is no partition", func(cp *gardencorev1beta1.CloudProfile) {
			cp.Spec.Regions[1].Zones = append(cp.Spec.Regions[1].Zones, gardencorev1beta1.AvailabilityZone{Name: "ham-test02"})
		}, invalid("spec.regions[1].zones[1].name")),
		Entry("a partition offered by two control planes", editConfig(func(doc map[string]any) {
			fx.Object(fx.Object(fx.Object(doc, "metalControlPlanes"), "test"), "partitions")["fra-equ01"] = map[string]any{"firewallTypes": []any{"c1-large-x86"}}
		}), duplicate(pc+".metalControlPlanes[test].partitions[fra-equ01]")),

		// firewall-controller versions unique and classified
		Entry("a repeated firewall-controller version", editProd(func(prod map[string]any) {
			versions := prod["firewallControllerVersions"].([]any)
			prod["firewallControllerVersions"] = append(versions, versions[0])
		}), duplicate(prod+".firewallControllerVersions[2].version")),
		Entry("an unknown classification", editProd(func(prod map[string]any) {
			prod["firewallControllerVersions"].([]any)[1].(map[string]any)["classification"] = "beta"
		}), notSupported(prod+".firewallControllerVersions[1].classification")),
		Entry("no supported firewall-controller version", editProd(func(prod map[string]any) {
			prod["firewallControllerVersions"].([]any)[0].(map[string]any)["classification"] = "deprecated"
		}), required(prod+".firewallControllerVersions")),

		// network isolation complete
		Entry("no DNS server", editIsolation(func(i map[string]any) { delete(i, "dnsServers") }), required(isolation+".dnsServers")),
		Entry("four DNS servers", editIsolation(func(i map[string]any) {
			i["dnsServers"] = []any{"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"}
		}), tooMany(isolation+".dnsServers")),
		Entry("no NTP server", editIsolation(func(i map[string]any) { delete(i, "ntpServers") }), required(isolation+".ntpServers")),
		Entry("no registry mirror", editIsolation(func(i map[string]any) { delete(i, "registryMirrors") }), required(isolation+".registryMirrors")),
		Entry("no egress networks", editIsolation(func(i map[string]any) { delete(i, "allowedNetworks") }), required(isolation+".allowedNetworks.egress")),
		Entry("an IPv6 DNS server without IPv6 egress network", editIsolation(func(i map[string]any) {
			i["allowedNetworks"] = map[string]any{"egress": []any{"10.1.0.0/24"}}
		}), invalid(isolation+".dnsServers[1]"), invalid(isolation+".registryMirrors[1].ip")),
		Entry("an egress CIDR with host bits", editIsolation(func(i map[string]any) {
			i["allowedNetworks"] = map[string]any{"egress": []any{"10.1.0.1/24", "2001:db8:2::/48"}}
		}), invalid(isolation+".allowedNetworks.egress[0]")),
	)

	DescribeTable("NamespacedCloudProfiles",
		func(providerConfig *runtime.RawExtension, matchers ...types.GomegaMatcher) {
			profile := &gardencorev1beta1.NamespacedCloudProfile{
				ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: fx.Namespace},
				Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
					Parent:         gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "metal"},
					MachineTypes:   []gardencorev1beta1.MachineType{{Name: "c2-custom-x86"}},
					ProviderConfig: providerConfig,
				},
			}
			err := validator.NewNamespacedCloudProfileValidator().Validate(context.Background(), internal(profile, &core.NamespacedCloudProfile{}), nil)
			expectFieldErrors(err, matchers...)
		},
		Entry("without providerConfig", nil),
		Entry("with providerConfig", fx.CloudProfile().Spec.ProviderConfig, forbidden("spec.providerConfig")),
	)

	It("passes profiles that are being deleted", func() {
		cp := fx.CloudProfile()
		cp.Spec.ProviderConfig = nil
		cp.DeletionTimestamp = &metav1.Time{}
		Expect(validator.NewCloudProfileValidator().Validate(context.Background(), internal(cp, &core.CloudProfile{}), nil)).To(Succeed())
	})
})
