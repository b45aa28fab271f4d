// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateControlPlaneConfig", func() {
	DescribeTable("validates",
		func(mutate func(*metal.ControlPlaneConfig), matchers ...types.GomegaMatcher) {
			cfg := validControlPlaneConfig()
			if mutate != nil {
				mutate(cfg)
			}
			expectErrors(validation.ValidateControlPlaneConfig(cfg, nil), matchers)
		},

		Entry("a complete config", nil),
		Entry("an empty config", func(cfg *metal.ControlPlaneConfig) { *cfg = metal.ControlPlaneConfig{} }),

		// network access type
		Entry("network access baseline", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessBaseline) }),
		Entry("network access forbidden", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessForbidden) }),
		Entry("an unknown network access type", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessType("open")) },
			notSupported("networkAccessType")),
		Entry("an empty network access type", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessType("")) },
			notSupported("networkAccessType")),

		// cloud-controller-manager
		Entry("an empty cloud-controller-manager config", func(cfg *metal.ControlPlaneConfig) {
			cfg.CloudControllerManager = &metal.CloudControllerManagerConfig{}
		}),
		Entry("an empty feature gate name", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.FeatureGates[""] = true },
			invalid("cloudControllerManager.featureGates[]")),
		Entry("a feature gate name with a dash", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.FeatureGates["Service-LB"] = true },
			invalid("cloudControllerManager.featureGates[Service-LB]")),
		Entry("an empty default external network", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.DefaultExternalNetwork = new("") },
			required("cloudControllerManager.defaultExternalNetwork")),

		// storage
		Entry("no default StorageClass of the extension", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass.ClassName = "" }),
		Entry("an invalid StorageClass name", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass.ClassName = "Ontap_Gold" },
			invalid("customDefaultStorageClass.className")),
		Entry("csi-lvm as default with csi-lvm on", func(cfg *metal.ControlPlaneConfig) {
			cfg.FeatureGates.CSILVM = new(true)
			cfg.CustomDefaultStorageClass.ClassName = metal.CSILVMStorageClassName
		}),
		Entry("the csi-lvm default with csi-lvm unset", func(cfg *metal.ControlPlaneConfig) {
			cfg.FeatureGates.CSILVM, cfg.CustomDefaultStorageClass = nil, nil
		}),
		Entry("the csi-lvm default with csi-lvm off", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass = nil },
			required("customDefaultStorageClass")),
		Entry("csi-lvm named as default with csi-lvm off", func(cfg *metal.ControlPlaneConfig) {
			cfg.CustomDefaultStorageClass.ClassName = metal.CSILVMStorageClassName
		}, invalid("customDefaultStorageClass.className")),
	)
})

var _ = Describe("ValidateControlPlaneConfigAgainstInfrastructure", func() {
	DescribeTable("validates",
		func(mutate func(*metal.ControlPlaneConfig), partitionID string, matchers ...types.GomegaMatcher) {
			cfg, infra := validControlPlaneConfig(), validInfrastructureConfig()
			if mutate != nil {
				mutate(cfg)
			}
			infra.PartitionID = partitionID
			expectErrors(validation.ValidateControlPlaneConfigAgainstInfrastructure(cfg, infra, validCloudProfileConfig(), nil), matchers)
		},

		Entry("restricted in a partition with network isolation", nil, "fra-equ01"),
		Entry("restricted in a partition that inherits network isolation", nil, "fra-equ02"),
		Entry("restricted in a partition without network isolation", nil, "ham-test01",
			forbidden("networkAccessType")),
		Entry("forbidden in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = new(metal.NetworkAccessForbidden)
		}, "ham-test01", forbidden("networkAccessType")),
		Entry("baseline in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = new(metal.NetworkAccessBaseline)
		}, "ham-test01"),
		Entry("no network access type in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = nil
		}, "ham-test01"),
		Entry("a partition the profile does not offer (reported by the infrastructure validation)", nil, "muc-01"),
		Entry("a default external network that is not a firewall network", func(cfg *metal.ControlPlaneConfig) {
			cfg.CloudControllerManager.DefaultExternalNetwork = new("underlay")
		}, "fra-equ01", notSupported("cloudControllerManager.defaultExternalNetwork")),
		Entry("no default external network", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager = nil }, "fra-equ01"),
	)
})

var _ = Describe("ValidateNetworkAccessForIPFamilies", func() {
	// ipv4Isolation and ipv6Isolation are network isolations that serve only one IP family.
	ipv4Isolation := func(ni *metal.NetworkIsolation) {
		ni.AllowedNetworks.Egress = []string{"10.1.0.0/24"}
		ni.DNSServers = []string{"10.1.0.1"}
		ni.RegistryMirrors[0].IP = "10.1.0.3"
	}
	dualStackIsolation := func(ni *metal.NetworkIsolation) {
		v6 := ni.RegistryMirrors[0]
		v6.IP = "2001:db8:2::5000"
		ni.RegistryMirrors = append(ni.RegistryMirrors, v6)
	}
	ipv6Isolation := func(ni *metal.NetworkIsolation) {
		ni.AllowedNetworks.Egress = []string{"2001:db8:2::/48"}
		ni.DNSServers = []string{"2001:db8:2::53"}
		ni.RegistryMirrors[0].IP = "2001:db8:2::5000"
	}

	DescribeTable("validates",
		func(accessType *metal.NetworkAccessType, families []gardencorev1beta1.IPFamily, editIsolation func(*metal.NetworkIsolation), partitionID string, matchers ...types.GomegaMatcher) {
			cfg, infra, cpc := validControlPlaneConfig(), validInfrastructureConfig(), validCloudProfileConfig()
			cfg.NetworkAccessType = accessType
			infra.PartitionID = partitionID
			if editIsolation != nil {
				editIsolation(cpc.MetalControlPlanes["prod"].Partitions["fra-equ01"].NetworkIsolation)
			}
			expectErrors(validation.ValidateNetworkAccessForIPFamilies(cfg, infra, cpc, families, field.NewPath("controlPlaneConfig")), matchers)
		},

		// baseline never needs isolation settings
		Entry("baseline, IPv4", new(metal.NetworkAccessBaseline), ipv4Only, ipv6Isolation, "fra-equ01"),
		Entry("baseline, IPv6", new(metal.NetworkAccessBaseline), ipv6Only, ipv4Isolation, "fra-equ01"),
		Entry("baseline, dual-stack", new(metal.NetworkAccessBaseline), dualStack, ipv4Isolation, "fra-equ01"),
		Entry("no access type (baseline)", nil, ipv6Only, ipv4Isolation, "fra-equ01"),

		// restricted and forbidden need isolation settings for the shoot's families
		Entry("restricted, IPv4, dual-stack isolation", new(metal.NetworkAccessRestricted), ipv4Only, dualStackIsolation, "fra-equ01"),
		Entry("restricted, IPv6, dual-stack isolation", new(metal.NetworkAccessRestricted), ipv6Only, dualStackIsolation, "fra-equ01"),
		Entry("restricted, dual-stack, dual-stack isolation", new(metal.NetworkAccessRestricted), dualStack, dualStackIsolation, "fra-equ01"),
		Entry("restricted, no families (IPv4), IPv4 isolation", new(metal.NetworkAccessRestricted), nil, ipv4Isolation, "fra-equ01"),
		Entry("forbidden, IPv4, dual-stack isolation", new(metal.NetworkAccessForbidden), ipv4Only, dualStackIsolation, "fra-equ01"),
		Entry("forbidden, IPv6, dual-stack isolation", new(metal.NetworkAccessForbidden), ipv6Only, dualStackIsolation, "fra-equ01"),
		Entry("forbidden, dual-stack, dual-stack isolation", new(metal.NetworkAccessForbidden), dualStack, dualStackIsolation, "fra-equ01"),
		Entry("forbidden, IPv4, IPv4 isolation", new(metal.NetworkAccessForbidden), ipv4Only, ipv4Isolation, "fra-equ01"),
		Entry("forbidden, IPv6, IPv6 isolation", new(metal.NetworkAccessForbidden), ipv6Only, ipv6Isolation, "fra-equ01"),
		Entry("restricted, IPv6, IPv4 isolation", new(metal.NetworkAccessRestricted), ipv6Only, ipv4Isolation, "fra-equ01",
			forbidden("controlPlaneConfig.networkAccessType"), forbidden("controlPlaneConfig.networkAccessType"), forbidden("controlPlaneConfig.networkAccessType")),
		Entry("forbidden, IPv4, IPv6 isolation", new(metal.NetworkAccessForbidden), ipv4Only, ipv6Isolation, "fra-equ01",
			forbidden("controlPlaneConfig.networkAccessType"), forbidden("controlPlaneConfig.networkAccessType"), forbidden("controlPlaneConfig.networkAccessType")),
		Entry("forbidden, dual-stack, IPv4 isolation: no IPv6 egress", new(metal.NetworkAccessForbidden), dualStack, ipv4Isolation, "fra-equ01",
			forbidden("controlPlaneConfig.networkAccessType")),
		Entry("restricted, dual-stack, IPv6 isolation: no IPv4 egress", new(metal.NetworkAccessRestricted), dualStack, ipv6Isolation, "fra-equ01",
			forbidden("controlPlaneConfig.networkAccessType")),
		Entry("restricted, IPv4, no DNS server of the family", new(metal.NetworkAccessRestricted), ipv4Only, func(ni *metal.NetworkIsolation) {
			ni.DNSServers = []string{"2001:db8:2::53"}
		}, "fra-equ01", forbidden("controlPlaneConfig.networkAccessType")),
		Entry("restricted, IPv6, no registry mirror of the family", new(metal.NetworkAccessRestricted), ipv6Only, func(ni *metal.NetworkIsolation) {
			ni.RegistryMirrors[0].IP = "10.1.0.3"
		}, "fra-equ01", forbidden("controlPlaneConfig.networkAccessType")),

		// what other functions report
		Entry("restricted in a partition without isolation (ValidateControlPlaneConfigAgainstInfrastructure)", new(metal.NetworkAccessRestricted), ipv6Only, nil, "ham-test01"),
		Entry("restricted in a partition the profile does not offer", new(metal.NetworkAccessRestricted), ipv6Only, nil, "muc-01"),
		Entry("restricted in a partition that inherits isolation, IPv4", new(metal.NetworkAccessRestricted), ipv4Only, nil, "fra-equ02"),
	)
})
