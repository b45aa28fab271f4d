// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateCloudProfileConfig", func() {
	const (
		prod       = "metalControlPlanes[prod]"
		partition  = prod + ".partitions[fra-equ01]"
		isolation  = prod + ".networkIsolation"
		mirror     = isolation + ".registryMirrors[0]"
		fcv0       = prod + ".firewallControllerVersions[0]"
		nnDefaults = partition + ".nodeNetworkDefaults"
	)

	// edit changes the prod control plane; map values are copies, so it is written back.
	editProd := func(f func(*metal.MetalControlPlane)) func(*metal.CloudProfileConfig) {
		return func(cpc *metal.CloudProfileConfig) {
			mcp := cpc.MetalControlPlanes["prod"]
			f(&mcp)
			cpc.MetalControlPlanes["prod"] = mcp
		}
	}
	editPartition := func(f func(*metal.Partition)) func(*metal.CloudProfileConfig) {
		return editProd(func(mcp *metal.MetalControlPlane) {
			p := mcp.Partitions["fra-equ01"]
			f(&p)
			mcp.Partitions["fra-equ01"] = p
		})
	}
	editIsolation := func(f func(*metal.NetworkIsolation)) func(*metal.CloudProfileConfig) {
		return editProd(func(mcp *metal.MetalControlPlane) { f(mcp.NetworkIsolation) })
	}
	editMirror := func(f func(*metal.RegistryMirror)) func(*metal.CloudProfileConfig) {
		return editIsolation(func(ni *metal.NetworkIsolation) { f(&ni.RegistryMirrors[0]) })
	}

	DescribeTable("validates",
		func(mutate func(*metal.CloudProfileConfig), matchers ...types.GomegaMatcher) {
			cpc := validCloudProfileConfig()
			if mutate != nil {
				mutate(cpc)
			}
			expectErrors(validation.ValidateCloudProfileConfig(cpc, nil), matchers)
		},

		Entry("a complete config", nil),
		Entry("a minimal config", func(cpc *metal.CloudProfileConfig) {
			cpc.MetalControlPlanes = map[string]metal.MetalControlPlane{"only": {
				Endpoint:   "https://metal-api.example.com",
				Partitions: map[string]metal.Partition{"p1": {FirewallTypes: []string{"c1-large-x86"}}},
			}}
		}),

		// control planes
		Entry("no control planes", func(cpc *metal.CloudProfileConfig) { cpc.MetalControlPlanes = nil },
			required("metalControlPlanes")),
		Entry("a control plane without a name", func(cpc *metal.CloudProfileConfig) {
			cpc.MetalControlPlanes[""] = cpc.MetalControlPlanes["test"]
			delete(cpc.MetalControlPlanes, "test")
		}, invalid("metalControlPlanes[]")),
		Entry("a partition offered by two control planes", func(cpc *metal.CloudProfileConfig) {
			mcp := cpc.MetalControlPlanes["test"]
			mcp.Partitions["fra-equ01"] = metal.Partition{FirewallTypes: []string{"c1-large-x86"}}
		}, duplicate("metalControlPlanes[test].partitions[fra-equ01]")),

		// endpoint
		Entry("a missing endpoint", editProd(func(mcp *metal.MetalControlPlane) { mcp.Endpoint = "" }),
			required(prod+".endpoint")),
		Entry("an endpoint that is no http(s) URL", editProd(func(mcp *metal.MetalControlPlane) { mcp.Endpoint = "ftp://metal-api.example.com" }),
			invalid(prod+".endpoint")),
		Entry("an endpoint without scheme", editProd(func(mcp *metal.MetalControlPlane) { mcp.Endpoint = "metal-api.example.com" }),
			invalid(prod+".endpoint")),
		Entry("an endpoint without host", editProd(func(mcp *metal.MetalControlPlane) { mcp.Endpoint = "https:///metal" }),
			invalid(prod+".endpoint")),
		Entry("an endpoint that does not parse", editProd(func(mcp *metal.MetalControlPlane) { mcp.Endpoint = "https://metal api.example.com" }),
			invalid(prod+".endpoint")),

		// partitions
		Entry("no partitions", editProd(func(mcp *metal.MetalControlPlane) { mcp.Partitions = nil }),
			required(prod+".partitions")),
		Entry("a partition without an ID", editProd(func(mcp *metal.MetalControlPlane) {
			mcp.Partitions[""] = metal.Partition{FirewallTypes: []string{"c1-large-x86"}}
		}), invalid(prod+".partitions[]")),
		Entry("a partition without firewall types", editPartition(func(p *metal.Partition) { p.FirewallTypes = nil }),
			required(partition+".firewallTypes")),
		Entry("an empty firewall type", editPartition(func(p *metal.Partition) { p.FirewallTypes[1] = "" }),
			required(partition+".firewallTypes[1]")),
		Entry("a repeated firewall type", editPartition(func(p *metal.Partition) { p.FirewallTypes[1] = p.FirewallTypes[0] }),
			duplicate(partition+".firewallTypes[1]")),
		Entry("an empty partition firewall image", editPartition(func(p *metal.Partition) { p.FirewallImages = []string{""} }),
			required(partition+".firewallImages[0]")),
		Entry("a repeated partition firewall image", editPartition(func(p *metal.Partition) { p.FirewallImages = []string{"fw", "fw"} }),
			duplicate(partition+".firewallImages[1]")),
		Entry("an invalid partition network isolation", editPartition(func(p *metal.Partition) { p.NetworkIsolation.DNSServers = nil }),
			required(partition+".networkIsolation.dnsServers")),

		// node network defaults
		Entry("an empty private super network", editPartition(func(p *metal.Partition) { p.NodeNetworkDefaults.PrivateSuperNetworks[0] = "" }),
			required(nnDefaults+".privateSuperNetworks[0]")),
		Entry("a repeated private super network", editPartition(func(p *metal.Partition) {
			p.NodeNetworkDefaults.PrivateSuperNetworks[1] = p.NodeNetworkDefaults.PrivateSuperNetworks[0]
		}), duplicate(nnDefaults+".privateSuperNetworks[1]")),
		Entry("node network defaults at the bounds", editPartition(func(p *metal.Partition) {
			p.NodeNetworkDefaults.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MinNodePrefixLengthIPv4)), IPv6: new(int32(validation.MaxNodePrefixLengthIPv6))}
		})),
		Entry("node network defaults at the other bounds", editPartition(func(p *metal.Partition) {
			p.NodeNetworkDefaults.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MaxNodePrefixLengthIPv4)), IPv6: new(int32(validation.MinNodePrefixLengthIPv6))}
		})),
		Entry("node network defaults outside of the bounds", editPartition(func(p *metal.Partition) {
			p.NodeNetworkDefaults.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MaxNodePrefixLengthIPv4 + 1)), IPv6: new(int32(validation.MinNodePrefixLengthIPv6 - 1))}
		}), invalid(nnDefaults+".prefixLengths.ipv4"), invalid(nnDefaults+".prefixLengths.ipv6")),
		Entry("node network defaults outside of the other bounds", editPartition(func(p *metal.Partition) {
			p.NodeNetworkDefaults.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(validation.MinNodePrefixLengthIPv4 - 1)), IPv6: new(int32(validation.MaxNodePrefixLengthIPv6 + 1))}
		}), invalid(nnDefaults+".prefixLengths.ipv4"), invalid(nnDefaults+".prefixLengths.ipv6")),

		// firewall images
		Entry("an empty firewall image", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallImages[0] = "" }),
			required(prod+".firewallImages[0]")),
		Entry("a repeated firewall image", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallImages[1] = mcp.FirewallImages[0] }),
			duplicate(prod+".firewallImages[1]")),

		// firewall-controller versions
		Entry("a firewall-controller version without version", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].Version = "" }),
			required(fcv0+".version")),
		Entry("a firewall-controller version without leading v", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].Version = "2.3.4" }),
			invalid(fcv0+".version")),
		Entry("a firewall-controller version that is no full semantic version", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].Version = "v2.3" }),
			invalid(fcv0+".version")),
		Entry("a firewall-controller version that is a commit", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].Version = "2fb7fd7" }),
			invalid(fcv0+".version")),
		Entry("a firewall-controller version named auto", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].Version = "auto" }),
			invalid(fcv0+".version")),
		Entry("a repeated firewall-controller version", editProd(func(mcp *metal.MetalControlPlane) {
			mcp.FirewallControllerVersions[2].Version = mcp.FirewallControllerVersions[0].Version
		}), duplicate(prod+".firewallControllerVersions[2].version")),
		Entry("a firewall-controller version without URL", editProd(func(mcp *metal.MetalControlPlane) { mcp.FirewallControllerVersions[0].URL = "" }),
			required(fcv0+".url")),
		Entry("a firewall-controller version with an invalid URL", editProd(func(mcp *metal.MetalControlPlane) {
			mcp.FirewallControllerVersions[0].URL = "images/firewall-controller"
		}),
			invalid(fcv0+".url")),
		Entry("an unknown classification", editProd(func(mcp *metal.MetalControlPlane) {
			mcp.FirewallControllerVersions[0].Classification = new(metal.VersionClassification("stable"))
		}), notSupported(fcv0+".classification")),

		// nftables exporter
		Entry("no nftables exporter", editProd(func(mcp *metal.MetalControlPlane) { mcp.NftablesExporter = nil })),
		Entry("an nftables exporter without version", editProd(func(mcp *metal.MetalControlPlane) { mcp.NftablesExporter.Version = "" }),
			required(prod+".nftablesExporter.version")),
		Entry("an nftables exporter without URL", editProd(func(mcp *metal.MetalControlPlane) { mcp.NftablesExporter.URL = "" }),
			required(prod+".nftablesExporter.url")),
		Entry("an nftables exporter with an invalid URL", editProd(func(mcp *metal.MetalControlPlane) { mcp.NftablesExporter.URL = "s3://bucket/exporter" }),
			invalid(prod+".nftablesExporter.url")),

		// network isolation: allowed networks
		Entry("no network isolation", editProd(func(mcp *metal.MetalControlPlane) { mcp.NetworkIsolation = nil })),
		Entry("no allowed networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks = metal.AllowedNetworks{} }),
			required(isolation+".allowedNetworks.egress")),
		Entry("no allowed ingress networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress = nil })),
		Entry("an empty ingress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[0] = "" }),
			required(isolation+".allowedNetworks.ingress[0]")),
		Entry("a malformed ingress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[0] = "10.0.0.0" }),
			invalid(isolation+".allowedNetworks.ingress[0]")),
		Entry("an IPv4 ingress CIDR with a too long prefix", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[0] = "10.0.0.0/33" }),
			invalid(isolation+".allowedNetworks.ingress[0]")),
		Entry("an IPv6 ingress CIDR with a too long prefix", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[1] = "2001:db8::/129" }),
			invalid(isolation+".allowedNetworks.ingress[1]")),
		Entry("an ingress CIDR with host bits", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[0] = "10.0.0.1/8" }),
			invalid(isolation+".allowedNetworks.ingress[0]")),
		Entry("an IPv4-mapped IPv6 ingress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[0] = "::ffff:10.0.0.0/104" }),
			invalid(isolation+".allowedNetworks.ingress[0]")),
		Entry("a repeated ingress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Ingress[1] = ni.AllowedNetworks.Ingress[0] }),
			duplicate(isolation+".allowedNetworks.ingress[1]")),
		Entry("a malformed egress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress[1] = "2001:db8:2::/48/1" }),
			invalid(isolation+".allowedNetworks.egress[1]")),
		Entry("an egress CIDR with host bits", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress[1] = "2001:db8:2::1/48" }),
			invalid(isolation+".allowedNetworks.egress[1]")),
		Entry("an empty egress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress[0] = "" }),
			required(isolation+".allowedNetworks.egress[0]")),
		Entry("a repeated egress CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress[1] = ni.AllowedNetworks.Egress[0] }),
			duplicate(isolation+".allowedNetworks.egress[1]")),

		// network isolation: DNS servers
		Entry("no DNS servers", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers = nil }),
			required(isolation+".dnsServers")),
		Entry("three DNS servers", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers = []string{"10.1.0.1", "10.1.0.5", "2001:db8:2::53"} })),
		Entry("four DNS servers", editIsolation(func(ni *metal.NetworkIsolation) {
			ni.DNSServers = []string{"10.1.0.1", "10.1.0.5", "10.1.0.6", "2001:db8:2::53"}
		}), tooMany(isolation+".dnsServers")),
		Entry("an empty DNS server", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[0] = "" }),
			required(isolation+".dnsServers[0]")),
		Entry("a DNS server that is no IPv4 address", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[0] = "10.1.0.256" }),
			invalid(isolation+".dnsServers[0]")),
		Entry("a DNS server that is no IPv6 address", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[1] = "2001:db8:::53" }),
			invalid(isolation+".dnsServers[1]")),
		Entry("a DNS server given by name", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[0] = "dns.example.com" }),
			invalid(isolation+".dnsServers[0]")),
		Entry("a DNS server given as CIDR", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[0] = "10.1.0.1/32" }),
			invalid(isolation+".dnsServers[0]")),
		Entry("a DNS server with an IPv6 zone", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[1] = "fe80::53%eth0" }),
			invalid(isolation+".dnsServers[1]")),
		Entry("a repeated DNS server", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[1] = ni.DNSServers[0] }),
			duplicate(isolation+".dnsServers[1]")),

		// network isolation: NTP servers
		Entry("no NTP servers", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers = nil }),
			required(isolation+".ntpServers")),
		Entry("an IPv6 NTP server", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[0] = "2001:db8:2::123" })),
		Entry("two NTP servers, fewer than the metal-api takes", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers = ni.NTPServers[:2] }),
			invalid(isolation+".ntpServers")),
		Entry("five NTP servers", editIsolation(func(ni *metal.NetworkIsolation) {
			ni.NTPServers = append(ni.NTPServers, "ntp3.example.com", "ntp4.example.com")
		})),
		Entry("six NTP servers, more than the metal-api takes", editIsolation(func(ni *metal.NetworkIsolation) {
			ni.NTPServers = append(ni.NTPServers, "ntp3.example.com", "ntp4.example.com", "ntp5.example.com")
		}), tooMany(isolation+".ntpServers")),
		Entry("an empty NTP server", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[0] = "" }),
			required(isolation+".ntpServers[0]")),
		Entry("an NTP server that is neither IP nor host name", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[1] = "ntp_1.example.com" }),
			invalid(isolation+".ntpServers[1]")),
		Entry("an NTP server in upper case", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[1] = "NTP.example.com" }),
			invalid(isolation+".ntpServers[1]")),
		Entry("an NTP server with an IPv6 zone", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[0] = "fe80::123%eth0" }),
			invalid(isolation+".ntpServers[0]")),
		Entry("a repeated NTP server", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[1] = ni.NTPServers[0] }),
			duplicate(isolation+".ntpServers[1]")),

		// network isolation: registry mirrors
		Entry("no registry mirrors", editIsolation(func(ni *metal.NetworkIsolation) { ni.RegistryMirrors = nil }),
			required(isolation+".registryMirrors")),
		Entry("a registry mirror without name", editMirror(func(m *metal.RegistryMirror) { m.Name = "" }),
			required(mirror+".name")),
		Entry("a registry mirror without endpoint", editMirror(func(m *metal.RegistryMirror) { m.Endpoint = "" }),
			required(mirror+".endpoint")),
		Entry("a registry mirror endpoint without scheme", editMirror(func(m *metal.RegistryMirror) { m.Endpoint = "registry.example.com" }),
			invalid(mirror+".endpoint")),
		Entry("a registry mirror without IP", editMirror(func(m *metal.RegistryMirror) { m.IP = "" }),
			required(mirror+".ip")),
		Entry("a registry mirror with an IPv6 IP", editMirror(func(m *metal.RegistryMirror) { m.IP = "2001:db8:2::5000" })),
		Entry("a registry mirror with a malformed IP", editMirror(func(m *metal.RegistryMirror) { m.IP = "10.1.0" }),
			invalid(mirror+".ip")),
		Entry("a registry mirror with a CIDR as IP", editMirror(func(m *metal.RegistryMirror) { m.IP = "10.1.0.0/24" }),
			invalid(mirror+".ip")),
		Entry("a registry mirror with port 1", editMirror(func(m *metal.RegistryMirror) { m.Port = 1 })),
		Entry("a registry mirror with port 65535", editMirror(func(m *metal.RegistryMirror) { m.Port = 65535 })),
		Entry("a registry mirror without port", editMirror(func(m *metal.RegistryMirror) { m.Port = 0 }),
			invalid(mirror+".port")),
		Entry("a registry mirror with a negative port", editMirror(func(m *metal.RegistryMirror) { m.Port = -1 }),
			invalid(mirror+".port")),
		Entry("a registry mirror with a too high port", editMirror(func(m *metal.RegistryMirror) { m.Port = 65536 }),
			invalid(mirror+".port")),
		Entry("a registry mirror that mirrors nothing", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf = nil }),
			required(mirror+".mirrorOf")),
		Entry("a registry mirror of an empty registry", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[0] = "" }),
			required(mirror+".mirrorOf[0]")),
		Entry("a registry mirror of an invalid registry host", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[0] = "Docker.IO" }),
			invalid(mirror+".mirrorOf[0]")),
		Entry("a registry mirror of a registry given as URL", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[0] = "https://docker.io" }),
			invalid(mirror+".mirrorOf[0]")),
		Entry("a registry mirror of a registry with port 0", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[0] = "docker.io:0" }),
			invalid(mirror+".mirrorOf[0]")),
		Entry("a registry mirror of a registry with a too high port", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[0] = "docker.io:65536" }),
			invalid(mirror+".mirrorOf[0]")),
		Entry("a registry mirror of a repeated registry", editMirror(func(m *metal.RegistryMirror) { m.MirrorOf[1] = m.MirrorOf[0] }),
			duplicate(mirror+".mirrorOf[1]")),

		// network isolation: everything isolated shoots need lies in the allowed egress networks
		Entry("a DNS server outside of the egress networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[0] = "192.0.2.53" }),
			invalid(isolation+".dnsServers[0]")),
		Entry("an IPv6 DNS server outside of the egress networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.DNSServers[1] = "2001:db8:3::53" }),
			invalid(isolation+".dnsServers[1]")),
		Entry("an NTP server IP outside of the egress networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[0] = "192.0.2.123" }),
			invalid(isolation+".ntpServers[0]")),
		Entry("an NTP server given by name is not checked against the egress networks", editIsolation(func(ni *metal.NetworkIsolation) { ni.NTPServers[0] = "time.example.org" })),
		Entry("a registry mirror outside of the egress networks", editMirror(func(m *metal.RegistryMirror) { m.IP = "192.0.2.5" }),
			invalid(mirror+".ip")),
		Entry("servers of a family without egress network", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress = []string{"10.1.0.0/24"} }),
			invalid(isolation+".dnsServers[1]")),
		Entry("IPv6 egress networks only for IPv6 servers", editIsolation(func(ni *metal.NetworkIsolation) {
			ni.AllowedNetworks.Egress = []string{"2001:db8:2::/48"}
			ni.DNSServers = []string{"2001:db8:2::53"}
			ni.NTPServers = []string{"2001:db8:2::123", "ntp.example.com", "ntp2.example.com"}
			ni.RegistryMirrors[0].IP = "2001:db8:2::5000"
		})),
		Entry("a malformed egress network does not report the servers as unreachable", editIsolation(func(ni *metal.NetworkIsolation) { ni.AllowedNetworks.Egress[1] = "10.1.0.0/33" }),
			invalid(isolation+".allowedNetworks.egress[1]")),

		// firewall-controller versions: `auto` must resolve
		Entry("no supported firewall-controller version", editProd(func(mcp *metal.MetalControlPlane) {
			for i := range mcp.FirewallControllerVersions {
				mcp.FirewallControllerVersions[i].Classification = new(metal.ClassificationDeprecated)
			}
		}), required(prod+".firewallControllerVersions")),
		Entry("only an unclassified firewall-controller version, which counts as supported", editProd(func(mcp *metal.MetalControlPlane) {
			mcp.FirewallControllerVersions = mcp.FirewallControllerVersions[3:]
		})),

		Entry("several errors at once", func(cpc *metal.CloudProfileConfig) {
			mcp := cpc.MetalControlPlanes["test"]
			mcp.Endpoint = ""
			mcp.Partitions["ham-test01"] = metal.Partition{}
			mcp.FirewallImages = []string{""}
			cpc.MetalControlPlanes["test"] = mcp
		},
			required("metalControlPlanes[test].endpoint"),
			required("metalControlPlanes[test].partitions[ham-test01].firewallTypes"),
			required("metalControlPlanes[test].firewallImages[0]"),
		),
	)
})

var _ = Describe("ValidatePartitionsAreZones", func() {
	var (
		providerConfigPath = field.NewPath("spec", "providerConfig")
		regionsPath        = field.NewPath("spec", "regions")
	)

	regions := func(zonesPerRegion ...[]string) []gardencorev1beta1.Region {
		var out []gardencorev1beta1.Region
		for i, zones := range zonesPerRegion {
			r := gardencorev1beta1.Region{Name: fmt.Sprintf("region-%d", i)}
			for _, z := range zones {
				r.Zones = append(r.Zones, gardencorev1beta1.AvailabilityZone{Name: z})
			}
			out = append(out, r)
		}
		return out
	}

	DescribeTable("validates",
		func(regions []gardencorev1beta1.Region, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidatePartitionsAreZones(validCloudProfileConfig(), regions, providerConfigPath, regionsPath), matchers)
		},
		Entry("every partition a zone of one region", regions([]string{"fra-equ01", "fra-equ02", "ham-test01"})),
		Entry("partitions spread over regions", regions([]string{"fra-equ01", "fra-equ02"}, []string{"ham-test01"})),
		Entry("a partition that is no zone", regions([]string{"fra-equ01", "fra-equ02"}),
			invalid("spec.providerConfig.metalControlPlanes[test].partitions[ham-test01]")),
		Entry("a zone that is no partition", regions([]string{"fra-equ01", "fra-equ02", "ham-test01"}, []string{"muc-01"}),
			invalid("spec.regions[1].zones[0].name")),
		Entry("no regions at all", nil,
			invalid("spec.providerConfig.metalControlPlanes[prod].partitions[fra-equ01]"),
			invalid("spec.providerConfig.metalControlPlanes[prod].partitions[fra-equ02]"),
			invalid("spec.providerConfig.metalControlPlanes[test].partitions[ham-test01]")),
	)
})
