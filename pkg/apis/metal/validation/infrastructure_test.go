// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateInfrastructureConfig", func() {
	DescribeTable("validates",
		func(mutate func(*metal.InfrastructureConfig), ipFamilies []gardencorev1beta1.IPFamily, matchers ...types.GomegaMatcher) {
			cfg := validInfrastructureConfig()
			if mutate != nil {
				mutate(cfg)
			}
			expectErrors(validation.ValidateInfrastructureConfig(cfg, ipFamilies, nil), matchers)
		},

		Entry("a complete dual-stack config", nil, dualStack),
		Entry("a minimal config", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall = metal.Firewall{Size: "c1-large-x86", Image: "firewall-ubuntu-3.0", Networks: []string{"internet"}, ControllerVersion: "auto"}
			cfg.NodeNetwork = nil
		}, ipv4Only),
		Entry("an IPv4-only config", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv6 = nil }, ipv4Only),
		Entry("an IPv6-only config", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv4 = nil }, ipv6Only),
		Entry("an IPv4 prefix length for a shoot without IP families (IPv4)", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv6 = nil }, nil),

		Entry("a missing partition", func(cfg *metal.InfrastructureConfig) { cfg.PartitionID = "" }, dualStack,
			required("partitionID")),
		Entry("a missing project", func(cfg *metal.InfrastructureConfig) { cfg.ProjectID = "" }, dualStack,
			required("projectID")),

		// firewall
		Entry("a missing firewall size", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Size = "" }, dualStack,
			required("firewall.size")),
		Entry("a missing firewall image", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Image = "" }, dualStack,
			required("firewall.image")),
		Entry("no firewall networks", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.Networks, cfg.Firewall.RateLimits, cfg.Firewall.EgressRules = nil, nil, nil
		}, dualStack, required("firewall.networks")),
		Entry("an empty firewall network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Networks[2] = "" }, dualStack,
			required("firewall.networks[2]")),
		Entry("a repeated firewall network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Networks[2] = "internet" }, dualStack,
			duplicate("firewall.networks[2]")),

		// rate limits
		Entry("a rate limit without network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.RateLimits[0].NetworkID = "" }, dualStack,
			required("firewall.rateLimits[0].networkID")),
		Entry("a rate limit for a network the firewall is not in", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.RateLimits[0].NetworkID = "underlay" }, dualStack,
			notSupported("firewall.rateLimits[0].networkID")),
		Entry("two rate limits for one network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.RateLimits[1].NetworkID = "internet" }, dualStack,
			duplicate("firewall.rateLimits[1].networkID")),
		Entry("a zero rate limit", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.RateLimits[0].RateLimit = 0 }, dualStack,
			invalid("firewall.rateLimits[0].rateLimit")),

		// egress rules
		Entry("an egress rule without network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].NetworkID = "" }, dualStack,
			required("firewall.egressRules[0].networkID")),
		Entry("an egress rule for a network the firewall is not in", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[1].NetworkID = "underlay" }, dualStack,
			notSupported("firewall.egressRules[1].networkID")),
		Entry("two egress rules for one network", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[1].NetworkID = "internet" }, dualStack,
			duplicate("firewall.egressRules[1].networkID")),
		Entry("an egress rule without IPs", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs = nil }, dualStack,
			required("firewall.egressRules[0].ips")),
		Entry("an empty egress IP", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[1] = "" }, dualStack,
			required("firewall.egressRules[0].ips[1]")),
		Entry("a malformed IPv4 egress IP", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[0] = "203.0.113.300" }, dualStack,
			invalid("firewall.egressRules[0].ips[0]")),
		Entry("a malformed IPv6 egress IP", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[1] = "2001:db8:ffff::g" }, dualStack,
			invalid("firewall.egressRules[0].ips[1]")),
		Entry("an egress CIDR instead of an IP", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[0] = "203.0.113.0/24" }, dualStack,
			invalid("firewall.egressRules[0].ips[0]")),
		Entry("an IPv4-mapped IPv6 egress IP", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[0] = "::ffff:203.0.113.10" }, dualStack,
			invalid("firewall.egressRules[0].ips[0]")),
		Entry("an egress IP repeated in its rule", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.EgressRules[0].IPs[1] = "203.0.113.10" }, dualStack,
			duplicate("firewall.egressRules[0].ips[1]")),
		Entry("an egress IP repeated in another rule", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.EgressRules[1].IPs = append(cfg.Firewall.EgressRules[1].IPs, "2001:db8:ffff::10")
		}, dualStack, duplicate("firewall.egressRules[1].ips[1]")),

		// controller version
		Entry("controller version auto", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "auto" }, dualStack),
		Entry("a pre-release controller version", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "v2.4.0-rc.1" }, dualStack),
		Entry("a missing controller version", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "" }, dualStack,
			required("firewall.controllerVersion")),
		Entry("a controller version without leading v", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "2.3.4" }, dualStack,
			invalid("firewall.controllerVersion")),
		Entry("a controller version with major only", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "v2" }, dualStack,
			invalid("firewall.controllerVersion")),
		Entry("a controller version that is a word", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "latest" }, dualStack,
			invalid("firewall.controllerVersion")),

		// timeouts
		Entry("no timeouts", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.HealthTimeout, cfg.Firewall.CreateTimeout = nil, nil
		}, dualStack),
		Entry("a zero health timeout", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.HealthTimeout = &metav1.Duration{} }, dualStack,
			invalid("firewall.healthTimeout")),
		Entry("a negative health timeout", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.HealthTimeout = &metav1.Duration{Duration: -time.Minute}
		}, dualStack,
			invalid("firewall.healthTimeout")),
		Entry("a zero create timeout", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.CreateTimeout = &metav1.Duration{} }, dualStack,
			invalid("firewall.createTimeout")),
		Entry("a negative create timeout", func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.CreateTimeout = &metav1.Duration{Duration: -time.Second}
		}, dualStack,
			invalid("firewall.createTimeout")),

		// node network
		Entry("a node network without settings", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork = &metal.NodeNetwork{} }, dualStack),
		Entry("node prefix lengths at the bounds", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MinNodePrefixLengthIPv4)), IPv6: new(int32(validation.MaxNodePrefixLengthIPv6))}
		}, dualStack),
		Entry("node prefix lengths at the other bounds", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MaxNodePrefixLengthIPv4)), IPv6: new(int32(validation.MinNodePrefixLengthIPv6))}
		}, dualStack),
		Entry("a too short IPv4 node prefix length", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv4 = new(int32(validation.MinNodePrefixLengthIPv4 - 1))
		}, dualStack,
			invalid("nodeNetwork.prefixLengths.ipv4")),
		Entry("a too long IPv4 node prefix length", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv4 = new(int32(validation.MaxNodePrefixLengthIPv4 + 1))
		}, dualStack,
			invalid("nodeNetwork.prefixLengths.ipv4")),
		Entry("an IPv6 length given for IPv4", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv4 = new(int32(64)) }, dualStack,
			invalid("nodeNetwork.prefixLengths.ipv4")),
		Entry("a too short IPv6 node prefix length", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv6 = new(int32(validation.MinNodePrefixLengthIPv6 - 1))
		}, dualStack,
			invalid("nodeNetwork.prefixLengths.ipv6")),
		Entry("a too long IPv6 node prefix length", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv6 = new(int32(validation.MaxNodePrefixLengthIPv6 + 1))
		}, dualStack,
			invalid("nodeNetwork.prefixLengths.ipv6")),
		Entry("an IPv6 prefix length for an IPv4-only shoot", nil, ipv4Only,
			forbidden("nodeNetwork.prefixLengths.ipv6")),
		Entry("an IPv6 prefix length for a shoot without IP families (IPv4)", nil, nil,
			forbidden("nodeNetwork.prefixLengths.ipv6")),
		Entry("an IPv4 prefix length for an IPv6-only shoot", nil, ipv6Only,
			forbidden("nodeNetwork.prefixLengths.ipv4")),
		Entry("an out-of-bounds prefix length for a family the shoot does not use", func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv6 = new(int32(200))
		}, ipv4Only, forbidden("nodeNetwork.prefixLengths.ipv6")),
		Entry("an empty parent network", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.ParentNetworkID = new("") }, dualStack,
			required("nodeNetwork.parentNetworkID")),

		Entry("everything missing", func(cfg *metal.InfrastructureConfig) { *cfg = metal.InfrastructureConfig{} }, dualStack,
			required("partitionID"),
			required("projectID"),
			required("firewall.size"),
			required("firewall.image"),
			required("firewall.networks"),
			required("firewall.controllerVersion"),
		),
	)

	It("reports errors below the given path", func() {
		cfg := validInfrastructureConfig()
		cfg.Firewall.RateLimits[0].NetworkID = "underlay"
		errs := validation.ValidateInfrastructureConfig(cfg, dualStack, field.NewPath("spec", "providerConfig"))
		Expect(errs).To(ConsistOf(notSupported("spec.providerConfig.firewall.rateLimits[0].networkID")))
	})
})

var _ = Describe("ValidateInfrastructureConfigUpdate", func() {
	DescribeTable("validates",
		func(mutateOld, mutateNew func(*metal.InfrastructureConfig), matchers ...types.GomegaMatcher) {
			oldCfg, newCfg := validInfrastructureConfig(), validInfrastructureConfig()
			if mutateOld != nil {
				mutateOld(oldCfg)
			}
			if mutateNew != nil {
				mutateNew(newCfg)
			}
			expectErrors(validation.ValidateInfrastructureConfigUpdate(oldCfg, newCfg, nil), matchers)
		},

		Entry("no change", nil, nil),
		Entry("a change of the firewall", nil, func(cfg *metal.InfrastructureConfig) {
			cfg.Firewall.Size = "n1-medium-x86"
			cfg.Firewall.Networks = append(cfg.Firewall.Networks, "mpls")
			cfg.Firewall.ControllerVersion = "auto"
		}),
		Entry("a change of the partition", nil, func(cfg *metal.InfrastructureConfig) { cfg.PartitionID = "fra-equ02" },
			invalid("partitionID")),
		Entry("a change of the project", nil, func(cfg *metal.InfrastructureConfig) { cfg.ProjectID = "another-project" },
			invalid("projectID")),
		Entry("a change of the IPv4 prefix length", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv4 = new(int32(22)) },
			invalid("nodeNetwork.prefixLengths.ipv4")),
		Entry("a removal of the IPv4 prefix length", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv4 = nil },
			invalid("nodeNetwork.prefixLengths.ipv4")),
		Entry("a change of the IPv6 prefix length", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv6 = new(int32(80)) },
			invalid("nodeNetwork.prefixLengths.ipv6")),
		Entry("a removal of the prefix lengths", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths = nil },
			invalid("nodeNetwork.prefixLengths.ipv4"), invalid("nodeNetwork.prefixLengths.ipv6")),
		Entry("a change of the parent network", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.ParentNetworkID = new("tenant-super-a") },
			invalid("nodeNetwork.parentNetworkID")),
		Entry("a removal of the parent network", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.ParentNetworkID = nil },
			invalid("nodeNetwork.parentNetworkID")),
		Entry("a removal of the node network", nil, func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork = nil },
			invalid("nodeNetwork.prefixLengths.ipv4"), invalid("nodeNetwork.prefixLengths.ipv6"), invalid("nodeNetwork.parentNetworkID")),
		Entry("node network settings given where there were none", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork = nil }, nil),
		Entry("an IPv6 prefix length added to an IPv4 one", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.PrefixLengths.IPv6 = nil }, nil),
		Entry("the same values in new pointers", nil, func(cfg *metal.InfrastructureConfig) {
			cfg.NodeNetwork.PrefixLengths.IPv4 = new(int32(24))
			cfg.NodeNetwork.ParentNetworkID = new("tenant-super-b")
		}),
	)
})

var _ = Describe("ValidateInfrastructureConfigAgainstCloudProfile", func() {
	DescribeTable("validates",
		func(mutate func(*metal.InfrastructureConfig), mutateProfile func(*metal.CloudProfileConfig), matchers ...types.GomegaMatcher) {
			cfg, cpc := validInfrastructureConfig(), validCloudProfileConfig()
			if mutate != nil {
				mutate(cfg)
			}
			if mutateProfile != nil {
				mutateProfile(cpc)
			}
			expectErrors(validation.ValidateInfrastructureConfigAgainstCloudProfile(cfg, cpc, nil), matchers)
		},

		Entry("a config that fits the profile", nil, nil),
		Entry("a partition the profile does not offer", func(cfg *metal.InfrastructureConfig) { cfg.PartitionID = "muc-01" }, nil,
			notSupported("partitionID")),
		Entry("a partition offered twice", nil, func(cpc *metal.CloudProfileConfig) {
			cpc.MetalControlPlanes["test"].Partitions["fra-equ01"] = metal.Partition{}
		}, invalid("partitionID")),
		Entry("a firewall size the partition does not offer", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Size = "s3-large-x86" }, nil,
			notSupported("firewall.size")),
		Entry("a firewall image of the control plane overridden by the partition", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.Image = "firewall-ubuntu-2.0" }, nil,
			notSupported("firewall.image")),
		Entry("a firewall image of the control plane in a partition without override", func(cfg *metal.InfrastructureConfig) {
			cfg.PartitionID, cfg.Firewall.Image, cfg.NodeNetwork = "fra-equ02", "firewall-ubuntu-2.0", nil
		}, nil),
		Entry("any firewall image where the profile lists none, in a control plane without firewall-controller versions", func(cfg *metal.InfrastructureConfig) {
			cfg.PartitionID, cfg.Firewall.Image, cfg.Firewall.ControllerVersion, cfg.NodeNetwork = "ham-test01", "firewall-debian-12", "auto", nil
		}, nil, invalid("firewall.controllerVersion")),
		Entry("controller version auto", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "auto" }, nil),
		Entry("controller version auto without supported versions", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "auto" },
			func(cpc *metal.CloudProfileConfig) {
				mcp := cpc.MetalControlPlanes["prod"]
				mcp.FirewallControllerVersions = mcp.FirewallControllerVersions[1:3]
				cpc.MetalControlPlanes["prod"] = mcp
			}, invalid("firewall.controllerVersion")),
		Entry("a preview controller version", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "v2.4.0-rc.1" }, nil),
		Entry("a deprecated controller version", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "v2.0.0" }, nil),
		Entry("a controller version the profile does not offer", func(cfg *metal.InfrastructureConfig) { cfg.Firewall.ControllerVersion = "v9.9.9" }, nil,
			notSupported("firewall.controllerVersion")),
		Entry("a parent network the partition does not offer", func(cfg *metal.InfrastructureConfig) { cfg.NodeNetwork.ParentNetworkID = new("tenant-super-z") }, nil,
			notSupported("nodeNetwork.parentNetworkID")),
		Entry("any parent network where the partition lists none", func(cfg *metal.InfrastructureConfig) {
			cfg.PartitionID, cfg.Firewall.Image = "fra-equ02", "firewall-ubuntu-2.0"
		}, nil),
	)

	It("cannot validate without a profile", func() {
		Expect(validation.ValidateInfrastructureConfigAgainstCloudProfile(validInfrastructureConfig(), nil, nil)).To(ConsistOf(fieldErr(field.ErrorTypeInternal, "<nil>")))
	})
})
