// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

// baselineFirewall is the firewall of newFixture's shoot with the baseline network access type.
func baselineFirewall() *firewallSpec {
	return &firewallSpec{
		replicas:   1,
		autoUpdate: fcmv2.FirewallAutoUpdate{MachineImage: true},
		template: fcmv2.FirewallSpec{
			Size:      metalapi.FirewallSizeID,
			Image:     metalapi.FirewallImageID,
			Partition: metalapi.DefaultPartitionID,
			Project:   metalapi.DefaultProjectID,
			Networks:  []string{"node-network", metalapi.InternetNetworkID, metalapi.StorageNetworkID},
			RateLimits: []fcmv2.RateLimit{
				{NetworkID: metalapi.InternetNetworkID, Rate: 1000},
			},
			EgressRules: []fcmv2.EgressRuleSNAT{
				{NetworkID: metalapi.InternetNetworkID, IPs: []string{"203.0.113.10", "2001:db8:ff00::10"}},
			},
			InternalPrefixes: []string{
				"10.0.4.0/22", "2001:db8:0:10::1:0/112",
				"100.96.0.0/11", "2001:db8:100::/56", "100.64.0.0/13", "2001:db8:200::/112",
			},
			ControllerVersion:       "v2.10.0",
			ControllerURL:           "https://images.example.com/fwc/v2.10.0",
			NftablesExporterVersion: "v0.2.7",
			NftablesExporterURL:     "https://images.example.com/nftables-exporter/v0.2.7",
			LogAcceptedConnections:  true,
			SSHPublicKeys:           []string{sshKey},
		},
	}
}

var _ = Describe("FirewallDeployment content", func() {
	DescribeTable("is computed field by field from the configs",
		func(modify func(*fixture), want func(*firewallSpec)) {
			f := newFixture("proj", "fw", "http://metal-api.example.com")
			modify(f)
			cluster := f.cluster()
			w := f.worker("shoot--proj--fw")
			s, err := newShootConfig(w, cluster)
			Expect(err).NotTo(HaveOccurred())

			got, err := firewallSpecFor(s, w, cluster)
			Expect(err).NotTo(HaveOccurred())
			expected := baselineFirewall()
			want(expected)
			Expect(got).To(Equal(expected))
		},
		Entry("baseline: auto resolves to the newest supported release (v2.10.0 over v2.3.4, never preview or deprecated)",
			func(*fixture) {}, func(*firewallSpec) {}),
		Entry("an explicit release, even a preview one",
			func(f *fixture) { f.infra.Firewall.ControllerVersion = "v2.11.0-rc.1" },
			func(w *firewallSpec) {
				w.template.ControllerVersion, w.template.ControllerURL = "v2.11.0-rc.1", "https://images.example.com/fwc/v2.11.0-rc.1"
			}),
		Entry("restricted access: the partition's first DNS server and its allowed networks",
			func(f *fixture) {
				f.controlPlane = &metalv1alpha1.ControlPlaneConfig{NetworkAccessType: new(metalv1alpha1.NetworkAccessType("restricted"))}
			},
			func(w *firewallSpec) {
				w.template.DNSServerAddress = "100.64.0.53"
				w.template.AllowedNetworks = fcmv2.AllowedNetworks{Ingress: []string{"100.64.0.0/10"}, Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}}
			}),
		Entry("forbidden access: the same isolation, enforced by the firewall-controller",
			func(f *fixture) {
				f.controlPlane = &metalv1alpha1.ControlPlaneConfig{NetworkAccessType: new(metalv1alpha1.NetworkAccessType("forbidden"))}
			},
			func(w *firewallSpec) {
				w.template.DNSServerAddress = "100.64.0.53"
				w.template.AllowedNetworks = fcmv2.AllowedNetworks{Ingress: []string{"100.64.0.0/10"}, Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}}
			}),
		Entry("a partition's own isolation overrides the control plane's",
			func(f *fixture) {
				f.controlPlane = &metalv1alpha1.ControlPlaneConfig{NetworkAccessType: new(metalv1alpha1.NetworkAccessType("forbidden"))}
				mcp := f.cloudProfile.MetalControlPlanes["sim"]
				p := mcp.Partitions[metalapi.DefaultPartitionID]
				p.NetworkIsolation = &metalv1alpha1.NetworkIsolation{
					AllowedNetworks: metalv1alpha1.AllowedNetworks{Egress: []string{"10.99.0.0/16", "2001:db8:99::/48"}},
					DNSServers:      []string{"2001:db8:99::53", "10.99.0.53"},
				}
				mcp.Partitions[metalapi.DefaultPartitionID] = p
			},
			func(w *firewallSpec) {
				w.template.DNSServerAddress = "2001:db8:99::53"
				w.template.AllowedNetworks = fcmv2.AllowedNetworks{Egress: []string{"10.99.0.0/16", "2001:db8:99::/48"}}
			}),
		Entry("a hibernated shoot has no firewall running",
			func(f *fixture) { f.hibernated = true },
			func(w *firewallSpec) { w.replicas = 0 }),
		Entry("an IPv4-only shoot: nothing assumes a second family",
			func(f *fixture) {
				f.families = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
				f.nodeNetwork.Prefixes = []string{"10.0.8.0/22"}
			},
			func(w *firewallSpec) {
				w.template.InternalPrefixes = []string{"10.0.8.0/22", "100.96.0.0/11", "100.64.0.0/13"}
			}),
		Entry("no rate limits, egress rules, exporter or SSH key, no automatic image updates, no accepted connection logs",
			func(f *fixture) {
				f.infra.Firewall.RateLimits, f.infra.Firewall.EgressRules = nil, nil
				f.infra.Firewall.AutoUpdateMachineImage, f.infra.Firewall.LogAcceptedConnections = false, false
				mcp := f.cloudProfile.MetalControlPlanes["sim"]
				mcp.NftablesExporter = nil
				f.cloudProfile.MetalControlPlanes["sim"] = mcp
			},
			func(w *firewallSpec) {
				w.template.RateLimits, w.template.EgressRules = nil, nil
				w.autoUpdate.MachineImage, w.template.LogAcceptedConnections = false, false
				w.template.NftablesExporterVersion, w.template.NftablesExporterURL = "", ""
			}),
		Entry("the node network is not repeated when listed as firewall network too",
			func(f *fixture) { f.infra.Firewall.Networks = []string{"node-network", metalapi.InternetNetworkID} },
			func(w *firewallSpec) { w.template.Networks = []string{"node-network", metalapi.InternetNetworkID} }),
	)

	DescribeTable("refuses configs it cannot serve, as configuration problems",
		func(modify func(*fixture), message string) {
			f := newFixture("proj", "fw", "http://metal-api.example.com")
			modify(f)
			cluster := f.cluster()
			w := f.worker("shoot--proj--fw")
			s, err := newShootConfig(w, cluster)
			Expect(err).NotTo(HaveOccurred())
			_, err = firewallSpecFor(s, w, cluster)
			Expect(err).To(MatchError(ContainSubstring(message)))
			Expect(v1beta1helper.ExtractErrorCodes(err)).To(ContainElement(gardencorev1beta1.ErrorConfigurationProblem))
		},
		Entry("a release the cloud profile does not offer",
			func(f *fixture) { f.infra.Firewall.ControllerVersion = "v9.9.9" }, `"v9.9.9" is not offered`),
		Entry("auto without a supported release",
			func(f *fixture) {
				mcp := f.cloudProfile.MetalControlPlanes["sim"]
				mcp.FirewallControllerVersions = mcp.FirewallControllerVersions[2:]
				f.cloudProfile.MetalControlPlanes["sim"] = mcp
			}, "no supported version"),
		Entry("isolation without the partition's network isolation",
			func(f *fixture) {
				f.controlPlane = &metalv1alpha1.ControlPlaneConfig{NetworkAccessType: new(metalv1alpha1.NetworkAccessType("restricted"))}
				mcp := f.cloudProfile.MetalControlPlanes["sim"]
				mcp.NetworkIsolation = nil
				f.cloudProfile.MetalControlPlanes["sim"] = mcp
			}, "defines none"),
	)
})
