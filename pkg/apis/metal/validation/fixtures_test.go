// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// fieldErr matches a *field.Error by type and field path.
func fieldErr(t field.ErrorType, path string) types.GomegaMatcher {
	return PointTo(MatchFields(IgnoreExtras, Fields{
		"Type":  Equal(t),
		"Field": Equal(path),
	}))
}

// expectErrors asserts that errs holds exactly the matched errors, or none when no matcher is given.
func expectErrors(errs field.ErrorList, matchers []types.GomegaMatcher) {
	GinkgoHelper()
	if len(matchers) == 0 {
		Expect(errs).To(BeEmpty())
		return
	}
	Expect(errs).To(ConsistOf(matchers))
}

func required(path string) types.GomegaMatcher { return fieldErr(field.ErrorTypeRequired, path) }
func invalid(path string) types.GomegaMatcher  { return fieldErr(field.ErrorTypeInvalid, path) }
func notSupported(path string) types.GomegaMatcher {
	return fieldErr(field.ErrorTypeNotSupported, path)
}
func duplicate(path string) types.GomegaMatcher { return fieldErr(field.ErrorTypeDuplicate, path) }
func forbidden(path string) types.GomegaMatcher { return fieldErr(field.ErrorTypeForbidden, path) }
func tooMany(path string) types.GomegaMatcher   { return fieldErr(field.ErrorTypeTooMany, path) }

func validNetworkIsolation() *metal.NetworkIsolation {
	return &metal.NetworkIsolation{
		AllowedNetworks: metal.AllowedNetworks{
			Ingress: []string{"10.0.0.0/8", "2001:db8:1::/48"},
			Egress:  []string{"100.64.0.0/10", "10.1.0.0/24", "2001:db8:2::/48"},
		},
		DNSServers: []string{"10.1.0.1", "2001:db8:2::53"},
		NTPServers: []string{"10.1.0.2", "ntp.example.com", "ntp2.example.com"},
		RegistryMirrors: []metal.RegistryMirror{{
			Name:     "partition mirror",
			Endpoint: "https://registry.example.com",
			IP:       "10.1.0.3",
			Port:     443,
			MirrorOf: []string{"docker.io", "ghcr.io", "registry.k8s.io", "quay.io:443", "10.1.0.4:5000"},
		}},
	}
}

// validCloudProfileConfig has two control planes: "prod" with everything set, including a partition fra-equ02
// that inherits the control plane's settings, and a minimal "test".
func validCloudProfileConfig() *metal.CloudProfileConfig {
	return &metal.CloudProfileConfig{
		MetalControlPlanes: map[string]metal.MetalControlPlane{
			"prod": {
				Endpoint: "https://metal-api.example.com/metal",
				Partitions: map[string]metal.Partition{
					"fra-equ01": {
						FirewallTypes:    []string{"c1-large-x86", "n1-medium-x86"},
						FirewallImages:   []string{"firewall-ubuntu-3.0"},
						NetworkIsolation: validNetworkIsolation(),
						NodeNetworkDefaults: &metal.NodeNetworkDefaults{
							PrivateSuperNetworks: []string{"tenant-super-a", "tenant-super-b"},
							PrefixLengths:        &metal.NodePrefixLengths{IPv4: new(int32(22)), IPv6: new(int32(64))},
						},
					},
					"fra-equ02": {
						FirewallTypes: []string{"c1-large-x86"},
					},
				},
				FirewallImages: []string{"firewall-ubuntu-3.0", "firewall-ubuntu-2.0"},
				FirewallControllerVersions: []metal.FirewallControllerVersion{
					{Version: "v2.3.4", URL: "https://images.example.com/firewall-controller/v2.3.4/firewall-controller", Classification: new(metal.ClassificationSupported)},
					{Version: "v2.4.0-rc.1", URL: "https://images.example.com/firewall-controller/v2.4.0-rc.1/firewall-controller", Classification: new(metal.ClassificationPreview)},
					{Version: "v2.0.0", URL: "https://images.example.com/firewall-controller/v2.0.0/firewall-controller", Classification: new(metal.ClassificationDeprecated)},
					{Version: "v2.2.0", URL: "https://images.example.com/firewall-controller/v2.2.0/firewall-controller"},
				},
				NftablesExporter: &metal.NftablesExporter{Version: "v0.2.7", URL: "https://images.example.com/nftables-exporter/v0.2.7/nftables-exporter.tar.gz"},
				NetworkIsolation: validNetworkIsolation(),
			},
			"test": {
				Endpoint: "http://metal-api.test.example.com:8080",
				Partitions: map[string]metal.Partition{
					"ham-test01": {FirewallTypes: []string{"c1-large-x86"}},
				},
			},
		},
	}
}

const (
	ipv4 = gardencorev1beta1.IPFamilyIPv4
	ipv6 = gardencorev1beta1.IPFamilyIPv6
)

var (
	dualStack = []gardencorev1beta1.IPFamily{ipv4, ipv6}
	ipv4Only  = []gardencorev1beta1.IPFamily{ipv4}
	ipv6Only  = []gardencorev1beta1.IPFamily{ipv6}
)

func validInfrastructureConfig() *metal.InfrastructureConfig {
	return &metal.InfrastructureConfig{
		PartitionID: "fra-equ01",
		ProjectID:   "8e2a7ad5-0d2e-4f1c-9a43-6fd1d0b2a3c4",
		Firewall: metal.Firewall{
			Size:     "c1-large-x86",
			Image:    "firewall-ubuntu-3.0",
			Networks: []string{"internet", "dmz", "storage"},
			RateLimits: []metal.RateLimit{
				{NetworkID: "internet", RateLimit: 1000},
				{NetworkID: "dmz", RateLimit: 500},
			},
			EgressRules: []metal.EgressRule{
				{NetworkID: "internet", IPs: []string{"203.0.113.10", "2001:db8:ffff::10"}},
				{NetworkID: "dmz", IPs: []string{"198.51.100.7"}},
			},
			LogAcceptedConnections: true,
			ControllerVersion:      "v2.3.4",
			AutoUpdateMachineImage: true,
			HealthTimeout:          &metav1.Duration{Duration: 20 * time.Minute},
			CreateTimeout:          &metav1.Duration{Duration: 10 * time.Minute},
		},
		NodeNetwork: &metal.NodeNetwork{
			PrefixLengths:   &metal.NodePrefixLengths{IPv4: new(int32(24)), IPv6: new(int32(64))},
			ParentNetworkID: new("tenant-super-b"),
		},
	}
}

func validControlPlaneConfig() *metal.ControlPlaneConfig {
	return &metal.ControlPlaneConfig{
		CloudControllerManager: &metal.CloudControllerManagerConfig{
			FeatureGates:           map[string]bool{"CloudControllerManagerWebhook": true, "ServiceLBNodePortControl": false},
			DefaultExternalNetwork: new("internet"),
		},
		NetworkAccessType:         new(metal.NetworkAccessRestricted),
		CustomDefaultStorageClass: &metal.CustomDefaultStorageClass{ClassName: "ontap-gold"},
		FeatureGates:              metal.ControlPlaneFeatures{CSILVM: new(false)},
	}
}

func validWorkerConfig() *metal.WorkerConfig {
	return &metal.WorkerConfig{
		AdditionalNetworks: []string{"storage", "backup"},
		Tags:               map[string]string{"example.com/team": "platform", "cost-center": "4711"},
	}
}
