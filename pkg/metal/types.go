// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"net/netip"
	"slices"
	"time"
)

// IPFamily is an IP address family, spelled as both metal-stack and Gardener spell it.
type IPFamily string

const (
	// IPv4 is the IPv4 address family.
	IPv4 IPFamily = "IPv4"
	// IPv6 is the IPv6 address family.
	IPv6 IPFamily = "IPv6"
)

// FamilyOf returns the family of a prefix.
func FamilyOf(p netip.Prefix) IPFamily {
	if p.Addr().Is4() {
		return IPv4
	}
	return IPv6
}

// Network is a metal-api network as the controllers see it.
type Network struct {
	// ID is the metal-api ID.
	ID string
	// Name and Description are free text.
	Name, Description string
	// PartitionID is the partition of the network; empty for networks of every partition (e.g. the internet).
	PartitionID string
	// ProjectID is the project that owns the network; empty for networks of no project (external networks).
	ProjectID string
	// ParentNetworkID is the private super network a child network was allocated from.
	ParentNetworkID string
	// Prefixes are the CIDRs of the network, in the metal-api's order.
	Prefixes []netip.Prefix
	// DestinationPrefixes are the CIDRs reachable through an external network.
	DestinationPrefixes []netip.Prefix
	// DefaultChildPrefixLengths are the prefix lengths of children of a private super network per family.
	DefaultChildPrefixLengths map[IPFamily]int
	// PrivateSuper marks a partition's private super network, Underlay the partition's underlay.
	PrivateSuper, Underlay bool
	// NAT masquerades traffic leaving the network; Shared lets other projects allocate IPs in it.
	NAT, Shared bool
	// Labels are free labels; the extensions' cluster labels live here.
	Labels map[string]string
	// Created is when the network was created.
	Created time.Time
}

// PrefixesOf returns the prefixes of a family, in the network's order.
func (n *Network) PrefixesOf(family IPFamily) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range n.Prefixes {
		if FamilyOf(p) == family {
			out = append(out, p)
		}
	}
	return out
}

// Families returns the families of the network's prefixes, IPv4 first.
func (n *Network) Families() []IPFamily {
	var out []IPFamily
	for _, f := range []IPFamily{IPv4, IPv6} {
		if len(n.PrefixesOf(f)) > 0 {
			out = append(out, f)
		}
	}
	return out
}

// UsableBy checks that a shoot of a project in a partition may connect its firewall to the network: it exists
// for that partition, is neither a private super network nor an underlay (the underlay is attached to every
// firewall by the metal-api), and belongs to no project, to the shoot's project, or is shared. The error is a
// configuration error describing why not.
func (n *Network) UsableBy(projectID, partitionID string) error {
	switch {
	case n.PrivateSuper:
		return ConfigurationError("network %q is a private super network; firewalls cannot be connected to it", n.ID)
	case n.Underlay:
		return ConfigurationError("network %q is an underlay network, which the metal-api attaches to every firewall itself", n.ID)
	case n.PartitionID != "" && n.PartitionID != partitionID:
		return ConfigurationError("network %q belongs to partition %q, not to the shoot's partition %q", n.ID, n.PartitionID, partitionID)
	case n.ProjectID != "" && n.ProjectID != projectID && !n.Shared:
		return ConfigurationError("network %q belongs to project %q and is not shared, so project %q cannot use it", n.ID, n.ProjectID, projectID)
	}
	return nil
}

// IPType is the lifetime of an IP: static IPs stay until freed explicitly, ephemeral IPs go with their user.
type IPType string

const (
	// IPTypeStatic is an IP that is kept until freed explicitly.
	IPTypeStatic IPType = "static"
	// IPTypeEphemeral is an IP that is freed with the machine or cluster that uses it.
	IPTypeEphemeral IPType = "ephemeral"
)

// IP is a metal-api IP address.
type IP struct {
	// Address is the IP address, which is also its metal-api ID.
	Address netip.Addr
	// Name and Description are free text.
	Name, Description string
	// NetworkID is the network the IP was allocated in.
	NetworkID string
	// ProjectID is the project the IP belongs to.
	ProjectID string
	// Type is static or ephemeral.
	Type IPType
	// Tags are the IP's tags in the metal-api's order.
	Tags []string
}

// HasTag tells whether the IP carries the tag.
func (ip *IP) HasTag(tag string) bool { return slices.Contains(ip.Tags, tag) }

// Prefix returns the IP as a single-address prefix (/32 or /128).
func (ip *IP) Prefix() netip.Prefix { return netip.PrefixFrom(ip.Address, ip.Address.BitLen()) }

// IPQuery selects IPs of one project; every field that is set must match.
type IPQuery struct {
	// ProjectID is required: queries never list IPs across projects.
	ProjectID string
	// NetworkID selects IPs of one network.
	NetworkID string
	// Type selects static or ephemeral IPs.
	Type IPType
	// Tags selects IPs that carry all of these tags.
	Tags []string
}

// IPAllocation asks for a new IP.
type IPAllocation struct {
	// NetworkID and ProjectID are required.
	NetworkID, ProjectID string
	// Name and Description are free text.
	Name, Description string
	// Type defaults to ephemeral.
	Type IPType
	// Family asks for an IP of one family; empty lets the metal-api choose (IPv4 in a dual-stack network).
	Family IPFamily
	// Address asks for this specific address.
	Address string
	// Tags are set on the new IP; identify the owner with the tag functions of this package.
	Tags []string
}

// EgressIP is a static IP a shoot's firewall uses as the source of traffic into an external network.
type EgressIP struct {
	// Address is the IP address.
	Address string
	// NetworkID is the external network the IP must belong to.
	NetworkID string
}

// NetworkUsers are the allocated machines and firewalls that have an interface in a network.
type NetworkUsers struct {
	// Machines and Firewalls are metal-api machine IDs.
	Machines, Firewalls []string
}

// Empty tells whether nothing uses the network.
func (u NetworkUsers) Empty() bool { return len(u.Machines)+len(u.Firewalls) == 0 }

// NodeNetworkSpec is how a shoot's node network is to be allocated if it does not exist yet.
type NodeNetworkSpec struct {
	// Families are the IP families of the shoot in its order; the network gets one prefix per family.
	Families []IPFamily
	// PrefixLengths are the prefix lengths per family chosen by the shoot or the partition; a family without a
	// length gets the parent's default child prefix length.
	PrefixLengths map[IPFamily]int
	// ParentNetworkID is the private super network to allocate from; empty means the partition's only one.
	ParentNetworkID string
	// AllowedParentNetworkIDs, when not empty, restricts the parent to these networks (the partition's private
	// super networks of the cloud profile).
	AllowedParentNetworkIDs []string
	// PreferredID is the network a previous reconciliation recorded; should several networks carry the
	// cluster's label (a lost response followed by a retry), this one is kept and the others are freed.
	PreferredID string
}

// Released reports what ReleaseCluster did.
type Released struct {
	// FreedIPs are the addresses of the ephemeral IPs that were freed.
	FreedIPs []string
	// UntaggedIPs are the addresses of IPs that only lost the cluster's tags (egress IPs, static or shared
	// load-balancer IPs).
	UntaggedIPs []string
	// FreedNetworks are the IDs of the node networks that were freed.
	FreedNetworks []string
}
