// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package helper_test

import (
	"os"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

// decodeFunc unifies the typed decoders for tables.
type decodeFunc func(*runtime.RawExtension) (runtime.Object, error)

func wrap[T runtime.Object](f func(*runtime.RawExtension) (T, error)) decodeFunc {
	return func(raw *runtime.RawExtension) (runtime.Object, error) { return f(raw) }
}

var (
	decodeInfrastructureConfig     = wrap(helper.InfrastructureConfigFromRawExtension)
	decodeControlPlaneConfig       = wrap(helper.ControlPlaneConfigFromRawExtension)
	decodeWorkerConfig             = wrap(helper.WorkerConfigFromRawExtension)
	decodeCloudProfileConfig       = wrap(helper.CloudProfileConfigFromRawExtension)
	decodeCloudProfileConfigStrict = wrap(helper.CloudProfileConfigFromRawExtensionStrict)
	decodeInfrastructureStatus     = wrap(helper.InfrastructureStatusFromRaw)
	decodeWorkerStatus             = wrap(helper.WorkerStatusFromRaw)
)

// rawFromYAML turns YAML into the JSON a RawExtension holds on the wire.
func rawFromYAML(doc string) *runtime.RawExtension {
	GinkgoHelper()
	data, err := yaml.YAMLToJSON([]byte(doc))
	Expect(err).NotTo(HaveOccurred())
	return &runtime.RawExtension{Raw: data}
}

func rawFromFixture(name string) *runtime.RawExtension {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	Expect(err).NotTo(HaveOccurred())
	return rawFromYAML(string(data))
}

var _ = Describe("Decoding providerConfigs", func() {
	DescribeTable("decodes a fixture into the defaulted internal version",
		func(decode decodeFunc, fixture string, expected runtime.Object) {
			obj, err := decode(rawFromFixture(fixture))
			Expect(err).NotTo(HaveOccurred())
			Expect(obj).To(Equal(expected))
		},
		Entry("InfrastructureConfig", decodeInfrastructureConfig, "infrastructureconfig.yaml", &metal.InfrastructureConfig{
			PartitionID: "fra-equ01",
			ProjectID:   "8e2a7ad5-0d2e-4f1c-9a43-6fd1d0b2a3c4",
			Firewall: metal.Firewall{
				Size:                   "c1-large-x86",
				Image:                  "firewall-ubuntu-3.0",
				Networks:               []string{"internet", "dmz"},
				RateLimits:             []metal.RateLimit{{NetworkID: "internet", RateLimit: 1000}},
				EgressRules:            []metal.EgressRule{{NetworkID: "internet", IPs: []string{"203.0.113.10", "2001:db8:ffff::10"}}},
				LogAcceptedConnections: true,
				ControllerVersion:      metal.FirewallControllerVersionAuto,
				AutoUpdateMachineImage: true,
				HealthTimeout:          &metav1.Duration{Duration: 20 * time.Minute},
				CreateTimeout:          &metav1.Duration{Duration: 10 * time.Minute},
			},
			NodeNetwork: &metal.NodeNetwork{
				PrefixLengths:   &metal.NodePrefixLengths{IPv4: new(int32(24)), IPv6: new(int32(64))},
				ParentNetworkID: new("tenant-super-b"),
			},
		}),
		Entry("ControlPlaneConfig", decodeControlPlaneConfig, "controlplaneconfig.yaml", &metal.ControlPlaneConfig{
			CloudControllerManager: &metal.CloudControllerManagerConfig{
				FeatureGates:           map[string]bool{"CloudControllerManagerWebhook": true},
				DefaultExternalNetwork: new("internet"),
			},
			NetworkAccessType:         new(metal.NetworkAccessBaseline),
			CustomDefaultStorageClass: &metal.CustomDefaultStorageClass{ClassName: "ontap-gold"},
			FeatureGates:              metal.ControlPlaneFeatures{CSILVM: new(false)},
		}),
		Entry("WorkerConfig", decodeWorkerConfig, "workerconfig.yaml", &metal.WorkerConfig{
			AdditionalNetworks: []string{"storage"},
			Tags:               map[string]string{"example.com/team": "platform"},
		}),
		Entry("CloudProfileConfig (lenient)", decodeCloudProfileConfig, "cloudprofileconfig.yaml", expectedCloudProfileConfig()),
		Entry("CloudProfileConfig (strict)", decodeCloudProfileConfigStrict, "cloudprofileconfig.yaml", expectedCloudProfileConfig()),
		Entry("InfrastructureStatus", decodeInfrastructureStatus, "infrastructurestatus.yaml", &metal.InfrastructureStatus{
			NodeNetwork: &metal.NodeNetworkStatus{
				ID:                   "6d3c1c3e-4f0f-4f47-9d1e-0f3e0e9f0a11",
				Prefixes:             []string{"10.130.4.0/24", "2001:db8:130:4::/64"},
				AllocatedByExtension: true,
			},
			EgressIPs: []string{"203.0.113.10", "2001:db8:ffff::10"},
		}),
		Entry("WorkerStatus", decodeWorkerStatus, "workerstatus.yaml", &metal.WorkerStatus{
			MachineImages: []metal.MachineImage{{Name: "ubuntu", Version: "24.04", Image: "ubuntu-24.04"}},
		}),
	)

	DescribeTable("rejects unknown fields when strict, naming the field and what was decoded",
		func(decode decodeFunc, doc, kind, unknownField string) {
			_, err := decode(rawFromYAML(doc))
			Expect(err).To(MatchError(And(
				ContainSubstring("decoding "+kind),
				ContainSubstring(`unknown field "`+unknownField+`"`),
			)))
		},
		Entry("InfrastructureConfig, top level", decodeInfrastructureConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: InfrastructureConfig
partitionID: fra-equ01
partition: fra-equ01
`, "InfrastructureConfig", "partition"),
		Entry("InfrastructureConfig, nested", decodeInfrastructureConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: InfrastructureConfig
firewall:
  size: c1-large-x86
  acceptlog: true
`, "InfrastructureConfig", "firewall.acceptlog"),
		Entry("ControlPlaneConfig", decodeControlPlaneConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: ControlPlaneConfig
featureGates:
  restrictEgress: true
`, "ControlPlaneConfig", "featureGates.restrictEgress"),
		Entry("WorkerConfig", decodeWorkerConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: WorkerConfig
networks:
- storage
`, "WorkerConfig", "networks"),
		Entry("CloudProfileConfig", decodeCloudProfileConfigStrict, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: CloudProfileConfig
metalControlPlanes:
  prod:
    endpoint: https://metal-api.example.com
    iamconfig: {}
`, "CloudProfileConfig", "metalControlPlanes.prod.iamconfig"),
	)

	DescribeTable("ignores unknown fields when lenient",
		func(decode decodeFunc, doc string, expected runtime.Object) {
			obj, err := decode(rawFromYAML(doc))
			Expect(err).NotTo(HaveOccurred())
			Expect(obj).To(Equal(expected))
		},
		Entry("CloudProfileConfig", decodeCloudProfileConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: CloudProfileConfig
metalControlPlanes:
  prod:
    endpoint: https://metal-api.example.com
    iamconfig: {}
`, &metal.CloudProfileConfig{MetalControlPlanes: map[string]metal.MetalControlPlane{"prod": {Endpoint: "https://metal-api.example.com"}}}),
		Entry("InfrastructureStatus", decodeInfrastructureStatus, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: InfrastructureStatus
egressIPs: [203.0.113.10]
firewall:
  machineID: abc
`, &metal.InfrastructureStatus{EgressIPs: []string{"203.0.113.10"}}),
		Entry("WorkerStatus", decodeWorkerStatus, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: WorkerStatus
machineImages:
- name: ubuntu
  version: "24.04"
  image: ubuntu-24.04
  capabilities: {}
`, &metal.WorkerStatus{MachineImages: []metal.MachineImage{{Name: "ubuntu", Version: "24.04", Image: "ubuntu-24.04"}}}),
	)

	DescribeTable("handles a missing providerConfig",
		func(decode decodeFunc, raw *runtime.RawExtension, expected runtime.Object, errText string) {
			obj, err := decode(raw)
			if errText != "" {
				Expect(err).To(MatchError(ContainSubstring(errText)))
				return
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(obj).To(Equal(expected))
		},
		Entry("InfrastructureConfig: nil is an error", decodeInfrastructureConfig, nil, nil, "decoding InfrastructureConfig: no providerConfig given"),
		Entry("InfrastructureConfig: empty is an error", decodeInfrastructureConfig, &runtime.RawExtension{}, nil, "decoding InfrastructureConfig: no providerConfig given"),
		Entry("CloudProfileConfig: nil is an error", decodeCloudProfileConfig, nil, nil, "decoding CloudProfileConfig: no providerConfig given"),
		Entry("CloudProfileConfig (strict): nil is an error", decodeCloudProfileConfigStrict, nil, nil, "decoding CloudProfileConfig: no providerConfig given"),
		Entry("ControlPlaneConfig: nil is the defaulted empty config", decodeControlPlaneConfig, nil, &metal.ControlPlaneConfig{
			NetworkAccessType: new(metal.NetworkAccessBaseline),
			FeatureGates:      metal.ControlPlaneFeatures{CSILVM: new(true)},
		}, ""),
		Entry("WorkerConfig: nil is the empty config", decodeWorkerConfig, nil, &metal.WorkerConfig{}, ""),
		Entry("InfrastructureStatus: nil is the empty status", decodeInfrastructureStatus, nil, &metal.InfrastructureStatus{}, ""),
		Entry("InfrastructureStatus: empty is the empty status", decodeInfrastructureStatus, &runtime.RawExtension{}, &metal.InfrastructureStatus{}, ""),
		Entry("WorkerStatus: nil is the empty status", decodeWorkerStatus, nil, &metal.WorkerStatus{}, ""),
	)

	DescribeTable("rejects documents of the wrong shape",
		func(decode decodeFunc, doc, errText string) {
			_, err := decode(rawFromYAML(doc))
			Expect(err).To(MatchError(ContainSubstring(errText)))
		},
		Entry("without kind", decodeInfrastructureConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
partitionID: fra-equ01
`, "decoding InfrastructureConfig: Object 'Kind' is missing"),
		Entry("without apiVersion", decodeInfrastructureConfig, `
kind: InfrastructureConfig
partitionID: fra-equ01
`, "decoding InfrastructureConfig: Object 'apiVersion' is missing"),
		Entry("without apiVersion and kind, even when lenient", decodeCloudProfileConfig, `
metalControlPlanes: {}
`, "decoding CloudProfileConfig: Object 'Kind' is missing"),
		Entry("of another kind", decodeInfrastructureConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: WorkerConfig
`, "decoding InfrastructureConfig: the document is a WorkerConfig"),
		Entry("of another group", decodeInfrastructureConfig, `
apiVersion: v1
kind: ConfigMap
`, "decoding InfrastructureConfig: no kind \"ConfigMap\" is registered"),

		Entry("of an unknown version", decodeWorkerConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v9
kind: WorkerConfig
`, "no kind \"WorkerConfig\" is registered for version"),
		Entry("with a value of the wrong type", decodeInfrastructureConfig, `
apiVersion: metal.provider.extensions.gardener.cloud/v1alpha1
kind: InfrastructureConfig
firewall:
  networks: internet
`, "decoding InfrastructureConfig"),
	)

	It("rejects a repeated field when strict", func() {
		// Raw JSON: a conversion from YAML would drop the repetition.
		_, err := helper.InfrastructureConfigFromRawExtension(&runtime.RawExtension{Raw: []byte(`{
			"apiVersion": "metal.provider.extensions.gardener.cloud/v1alpha1",
			"kind": "InfrastructureConfig",
			"partitionID": "a",
			"partitionID": "b"
		}`)})
		Expect(err).To(MatchError(ContainSubstring(`decoding InfrastructureConfig: strict decoding error: duplicate field "partitionID"`)))
	})

	It("decodes a RawExtension that holds an object instead of bytes", func() {
		cfg, err := helper.WorkerConfigFromRawExtension(&runtime.RawExtension{Object: &v1alpha1.WorkerConfig{
			TypeMeta:           metav1.TypeMeta{APIVersion: v1alpha1.SchemeGroupVersion.String(), Kind: "WorkerConfig"},
			AdditionalNetworks: []string{"storage"},
		}})
		Expect(err).NotTo(HaveOccurred())
		Expect(cfg).To(Equal(&metal.WorkerConfig{AdditionalNetworks: []string{"storage"}}))
	})
})

// expectedCloudProfileConfig is testdata/cloudprofileconfig.yaml with defaults: the unclassified release is
// supported, and the mirror's port comes from its https endpoint.
func expectedCloudProfileConfig() *metal.CloudProfileConfig {
	return &metal.CloudProfileConfig{
		MetalControlPlanes: map[string]metal.MetalControlPlane{
			"prod": {
				Endpoint:       "https://metal-api.example.com/metal",
				FirewallImages: []string{"firewall-ubuntu-3.0"},
				FirewallControllerVersions: []metal.FirewallControllerVersion{
					{Version: "v2.3.4", URL: "https://images.example.com/firewall-controller/v2.3.4/firewall-controller", Classification: new(metal.ClassificationSupported)},
					{Version: "v2.4.0-rc.1", URL: "https://images.example.com/firewall-controller/v2.4.0-rc.1/firewall-controller", Classification: new(metal.ClassificationPreview)},
					{Version: "v2.2.0", URL: "https://images.example.com/firewall-controller/v2.2.0/firewall-controller", Classification: new(metal.ClassificationSupported)},
				},
				NftablesExporter: &metal.NftablesExporter{Version: "v0.2.7", URL: "https://images.example.com/nftables-exporter/v0.2.7/nftables-exporter.tar.gz"},
				NetworkIsolation: &metal.NetworkIsolation{
					AllowedNetworks: metal.AllowedNetworks{Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}},
					DNSServers:      []string{"10.1.0.1"},
					NTPServers:      []string{"ntp.example.com"},
					RegistryMirrors: []metal.RegistryMirror{{
						Name:     "partition mirror",
						Endpoint: "https://registry.example.com",
						IP:       "10.1.0.3",
						Port:     443,
						MirrorOf: []string{"docker.io", "ghcr.io"},
					}},
				},
				Partitions: map[string]metal.Partition{
					"fra-equ01": {
						FirewallTypes: []string{"c1-large-x86"},
						NodeNetworkDefaults: &metal.NodeNetworkDefaults{
							PrivateSuperNetworks: []string{"tenant-super-a", "tenant-super-b"},
							PrefixLengths:        &metal.NodePrefixLengths{IPv4: new(int32(22)), IPv6: new(int32(64))},
						},
					},
					"fra-equ02": {
						FirewallTypes:  []string{"c1-large-x86", "n1-medium-x86"},
						FirewallImages: []string{"firewall-ubuntu-2.0"},
					},
				},
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
