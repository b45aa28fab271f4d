// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package helper_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

func release(version string, classification *metal.VersionClassification) metal.FirewallControllerVersion {
	return metal.FirewallControllerVersion{Version: version, URL: "https://images.example.com/firewall-controller/" + version, Classification: classification}
}

var (
	preview    = new(metal.ClassificationPreview)
	supported  = new(metal.ClassificationSupported)
	deprecated = new(metal.ClassificationDeprecated)
)

var _ = Describe("FindMetalControlPlane", func() {
	cpc := expectedCloudProfileConfig()

	DescribeTable("finds the control plane of a partition",
		func(partitionID, expectedName, expectedEndpoint string, expectedFirewallTypes []string) {
			name, mcp, partition, err := helper.FindMetalControlPlane(cpc, partitionID)
			Expect(err).NotTo(HaveOccurred())
			Expect(name).To(Equal(expectedName))
			Expect(mcp.Endpoint).To(Equal(expectedEndpoint))
			Expect(partition.FirewallTypes).To(Equal(expectedFirewallTypes))
		},
		Entry("in the first control plane", "fra-equ02", "prod", "https://metal-api.example.com/metal", []string{"c1-large-x86", "n1-medium-x86"}),
		Entry("in the second control plane", "ham-test01", "test", "http://metal-api.test.example.com:8080", []string{"c1-large-x86"}),
	)

	DescribeTable("fails",
		func(cpc *metal.CloudProfileConfig, partitionID, errText string) {
			_, mcp, partition, err := helper.FindMetalControlPlane(cpc, partitionID)
			Expect(err).To(MatchError(errText))
			Expect(mcp).To(BeNil())
			Expect(partition).To(BeNil())
		},
		Entry("for a partition no control plane offers", cpc, "muc-01",
			`partition "muc-01" is not offered by any metal control plane of the cloud profile`),
		Entry("for a partition two control planes offer", &metal.CloudProfileConfig{MetalControlPlanes: map[string]metal.MetalControlPlane{
			"b": {Partitions: map[string]metal.Partition{"p": {}}},
			"a": {Partitions: map[string]metal.Partition{"p": {}}},
		}}, "p", `partition "p" is offered by metal control planes "a" and "b" of the cloud profile`),
		Entry("without a cloud profile config", nil, "fra-equ01",
			"no cloud profile config to look up the metal control plane in"),
	)

	It("returns copies that do not change the cloud profile config", func() {
		_, mcp, partition, err := helper.FindMetalControlPlane(cpc, "fra-equ01")
		Expect(err).NotTo(HaveOccurred())
		mcp.Endpoint = "changed"
		partition.FirewallTypes = nil
		Expect(cpc.MetalControlPlanes["prod"].Endpoint).To(Equal("https://metal-api.example.com/metal"))
		Expect(cpc.MetalControlPlanes["prod"].Partitions["fra-equ01"].FirewallTypes).To(HaveLen(1))
	})
})

var _ = Describe("PartitionOfCloudProfile", func() {
	It("decodes the cloud profile's providerConfig and finds the partition's control plane", func() {
		data, err := os.ReadFile(filepath.Join("testdata", "cloudprofileconfig.yaml"))
		Expect(err).NotTo(HaveOccurred())
		mcp, partition, err := helper.PartitionOfCloudProfile(&runtime.RawExtension{Raw: data}, "ham-test01")
		Expect(err).NotTo(HaveOccurred())
		Expect(mcp).To(Equal(new(expectedCloudProfileConfig().MetalControlPlanes["test"])))
		Expect(partition.FirewallTypes).To(Equal([]string{"c1-large-x86"}))
	})

	DescribeTable("fails",
		func(raw *runtime.RawExtension, errText string) {
			mcp, partition, err := helper.PartitionOfCloudProfile(raw, "fra-equ01")
			Expect(err).To(MatchError(ContainSubstring(errText)))
			Expect(mcp).To(BeNil())
			Expect(partition).To(BeNil())
		},
		Entry("without a providerConfig", nil, "no cloud profile config to look up the metal control plane in"),
		Entry("with a providerConfig of another kind", &runtime.RawExtension{Raw: []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig"}`)},
			"decoding CloudProfileConfig: the document is a InfrastructureConfig"),
	)
})

var _ = Describe("ResolveFirewallControllerVersion", func() {
	DescribeTable("resolves",
		func(versions []metal.FirewallControllerVersion, requested, expected string) {
			v, err := helper.ResolveFirewallControllerVersion(&metal.MetalControlPlane{FirewallControllerVersions: versions}, requested)
			Expect(err).NotTo(HaveOccurred())
			Expect(v).To(Equal(release(expected, classificationOf(versions, expected))))
		},
		Entry("auto to the newest supported version by semantic order, not string order",
			[]metal.FirewallControllerVersion{release("v2.9.3", supported), release("v2.10.0", supported), release("v2.1.12", supported)}, "auto", "v2.10.0"),
		Entry("auto past newer preview and deprecated versions",
			[]metal.FirewallControllerVersion{release("v3.0.0", preview), release("v2.5.0", supported), release("v2.6.0", deprecated)}, "auto", "v2.5.0"),
		Entry("auto to an unclassified version, which counts as supported",
			[]metal.FirewallControllerVersion{release("v2.5.0", supported), release("v2.7.0", nil)}, "auto", "v2.7.0"),
		Entry("auto to a release rather than its pre-release",
			[]metal.FirewallControllerVersion{release("v2.7.0-rc.1", supported), release("v2.7.0", supported)}, "auto", "v2.7.0"),
		Entry("auto past versions that are not semantic",
			[]metal.FirewallControllerVersion{release("2fb7fd7", supported), release("v2.0.1", supported)}, "auto", "v2.0.1"),
		Entry("an explicit preview version",
			[]metal.FirewallControllerVersion{release("v3.0.0", preview), release("v2.5.0", supported)}, "v3.0.0", "v3.0.0"),
		Entry("an explicit deprecated version",
			[]metal.FirewallControllerVersion{release("v2.6.0", deprecated), release("v2.5.0", supported)}, "v2.6.0", "v2.6.0"),
	)

	DescribeTable("fails",
		func(mcp *metal.MetalControlPlane, requested, errText string) {
			_, err := helper.ResolveFirewallControllerVersion(mcp, requested)
			Expect(err).To(MatchError(errText))
		},
		Entry("auto without any version", &metal.MetalControlPlane{}, "auto",
			`cannot resolve firewall-controller version "auto": the cloud profile offers no supported version`),
		Entry("auto with only preview and deprecated versions", &metal.MetalControlPlane{FirewallControllerVersions: []metal.FirewallControllerVersion{
			release("v3.0.0", preview), release("v2.0.0", deprecated),
		}}, "auto", `cannot resolve firewall-controller version "auto": the cloud profile offers no supported version`),
		Entry("an explicit version the profile does not offer", &metal.MetalControlPlane{FirewallControllerVersions: []metal.FirewallControllerVersion{
			release("v2.5.0", supported),
		}}, "v2.5.1", `firewall-controller version "v2.5.1" is not offered by the cloud profile`),
		Entry("without a control plane", nil, "auto", "no metal control plane to resolve the firewall-controller version in"),
	)
})

func classificationOf(versions []metal.FirewallControllerVersion, version string) *metal.VersionClassification {
	for _, v := range versions {
		if v.Version == version {
			return v.Classification
		}
	}
	return nil
}

var _ = Describe("partition settings", func() {
	isolationA, isolationB := &metal.NetworkIsolation{DNSServers: []string{"10.0.0.1"}}, &metal.NetworkIsolation{DNSServers: []string{"10.0.0.2"}}

	DescribeTable("FirewallImages",
		func(mcp *metal.MetalControlPlane, partition *metal.Partition, expected []string) {
			Expect(helper.FirewallImages(mcp, partition)).To(Equal(expected))
		},
		Entry("of the partition when it has some", &metal.MetalControlPlane{FirewallImages: []string{"a"}}, &metal.Partition{FirewallImages: []string{"b"}}, []string{"b"}),
		Entry("of the control plane when the partition has none", &metal.MetalControlPlane{FirewallImages: []string{"a"}}, &metal.Partition{}, []string{"a"}),
		Entry("of the control plane without a partition", &metal.MetalControlPlane{FirewallImages: []string{"a"}}, nil, []string{"a"}),
		Entry("none when neither has some", &metal.MetalControlPlane{}, &metal.Partition{}, nil),
		Entry("none without anything", nil, nil, nil),
	)

	DescribeTable("NetworkIsolation",
		func(mcp *metal.MetalControlPlane, partition *metal.Partition, expected *metal.NetworkIsolation) {
			Expect(helper.NetworkIsolation(mcp, partition)).To(BeIdenticalTo(expected))
		},
		Entry("of the partition when it has one", &metal.MetalControlPlane{NetworkIsolation: isolationA}, &metal.Partition{NetworkIsolation: isolationB}, isolationB),
		Entry("of the control plane when the partition has none", &metal.MetalControlPlane{NetworkIsolation: isolationA}, &metal.Partition{}, isolationA),
		Entry("none when neither has one", &metal.MetalControlPlane{}, &metal.Partition{}, nil),
		Entry("none without anything", nil, nil, nil),
	)

	partitionWithDefaults := &metal.Partition{NodeNetworkDefaults: &metal.NodeNetworkDefaults{
		PrivateSuperNetworks: []string{"super-a", "super-b"},
		PrefixLengths:        &metal.NodePrefixLengths{IPv4: new(int32(22)), IPv6: new(int32(64))},
	}}

	DescribeTable("ParentNetworkID",
		func(infra *metal.InfrastructureConfig, partition *metal.Partition, expectedID string, expectedOK bool) {
			id, ok := helper.ParentNetworkID(infra, partition)
			Expect(id).To(Equal(expectedID))
			Expect(ok).To(Equal(expectedOK))
		},
		Entry("the shoot's choice", &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{ParentNetworkID: new("super-b")}}, partitionWithDefaults, "super-b", true),
		Entry("the partition's first without a choice", &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{}}, partitionWithDefaults, "super-a", true),
		Entry("the partition's first without node network settings", &metal.InfrastructureConfig{}, partitionWithDefaults, "super-a", true),
		Entry("none when the partition lists none", &metal.InfrastructureConfig{}, &metal.Partition{NodeNetworkDefaults: &metal.NodeNetworkDefaults{}}, "", false),
		Entry("none without partition defaults", &metal.InfrastructureConfig{}, &metal.Partition{}, "", false),
		Entry("none without anything", nil, nil, "", false),
	)

	DescribeTable("NodePrefixLengths",
		func(infra *metal.InfrastructureConfig, partition *metal.Partition, expected metal.NodePrefixLengths) {
			Expect(helper.NodePrefixLengths(infra, partition)).To(Equal(expected))
		},
		Entry("the shoot's choice over the partition's", &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{
			PrefixLengths: &metal.NodePrefixLengths{IPv4: new(int32(26)), IPv6: new(int32(80))},
		}}, partitionWithDefaults, metal.NodePrefixLengths{IPv4: new(int32(26)), IPv6: new(int32(80))}),
		Entry("per family", &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{
			PrefixLengths: &metal.NodePrefixLengths{IPv6: new(int32(80))},
		}}, partitionWithDefaults, metal.NodePrefixLengths{IPv4: new(int32(22)), IPv6: new(int32(80))}),
		Entry("the partition's without a choice", &metal.InfrastructureConfig{}, partitionWithDefaults, metal.NodePrefixLengths{IPv4: new(int32(22)), IPv6: new(int32(64))}),
		Entry("the shoot's without partition defaults", &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{
			PrefixLengths: &metal.NodePrefixLengths{IPv4: new(int32(26))},
		}}, &metal.Partition{}, metal.NodePrefixLengths{IPv4: new(int32(26))}),
		Entry("nothing without anything", nil, nil, metal.NodePrefixLengths{}),
	)

	It("NodePrefixLengths does not share pointers with the configs", func() {
		infra := &metal.InfrastructureConfig{NodeNetwork: &metal.NodeNetwork{PrefixLengths: &metal.NodePrefixLengths{IPv4: new(int32(26))}}}
		result := helper.NodePrefixLengths(infra, partitionWithDefaults)
		*result.IPv4, *result.IPv6 = 1, 2
		Expect(*infra.NodeNetwork.PrefixLengths.IPv4).To(Equal(int32(26)))
		Expect(*partitionWithDefaults.NodeNetworkDefaults.PrefixLengths.IPv6).To(Equal(int32(64)))
	})
})
