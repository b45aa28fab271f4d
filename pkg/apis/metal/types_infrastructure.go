// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// FirewallControllerVersionAuto asks for the newest supported firewall-controller release of the CloudProfile.
const FirewallControllerVersionAuto = "auto"

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InfrastructureConfig is the providerConfig of a shoot's infrastructure: where its machines live and how its
// firewall connects the node network to the outside.
type InfrastructureConfig struct {
	metav1.TypeMeta

	// PartitionID is the metal-stack partition (a zone of the CloudProfile) the shoot's machines are placed in.
	PartitionID string
	// ProjectID is the metal-stack project that owns the shoot's machines, networks and IPs.
	ProjectID string
	// Firewall configures the firewall in front of the shoot's node network.
	Firewall Firewall
	// NodeNetwork tunes the allocation of the shoot's node network; without it the partition defaults apply.
	NodeNetwork *NodeNetwork
}

// Firewall is the firewall machine that routes between the shoot's node network and the external networks.
type Firewall struct {
	// Size is the machine size of the firewall; it must be one of the partition's firewall types.
	Size string
	// Image is the OS image of the firewall.
	Image string
	// Networks are the IDs of the external networks the firewall connects the shoot to (e.g. internet, DMZ).
	Networks []string
	// RateLimits cap the bandwidth of the firewall per external network.
	RateLimits []RateLimit
	// EgressRules pin the source IPs of the shoot's outgoing traffic per external network.
	EgressRules []EgressRule
	// LogAcceptedConnections makes the firewall log accepted connections, not only dropped ones.
	LogAcceptedConnections bool
	// ControllerVersion is the firewall-controller release to run: a version of the CloudProfile or `auto` for
	// the newest supported one.
	ControllerVersion string
	// AutoUpdateMachineImage rolls the firewall to the newest image of the same OS when one appears.
	AutoUpdateMachineImage bool
	// HealthTimeout is how long a created firewall may stay unhealthy before it is replaced. Without it the
	// firewall-controller-manager's default applies.
	HealthTimeout *metav1.Duration
	// CreateTimeout is how long a firewall may take to be created before it is replaced. Without it the
	// firewall-controller-manager's default applies.
	CreateTimeout *metav1.Duration
}

// RateLimit caps the bandwidth the firewall passes to or from one external network.
type RateLimit struct {
	// NetworkID is the external network the limit applies to; it must be one of the firewall's networks.
	NetworkID string
	// RateLimit is the bandwidth limit in Mbit/s.
	RateLimit uint32
}

// EgressRule makes outgoing traffic into one external network leave with the given static IPs, so that the
// other side can allow-list the shoot.
type EgressRule struct {
	// NetworkID is the external network the rule applies to; it must be one of the firewall's networks.
	NetworkID string
	// IPs are the static IPs (of that network) used as source addresses.
	IPs []string
}

// NodeNetwork tunes the allocation of a shoot's node network. All of it is fixed once the network exists.
type NodeNetwork struct {
	// PrefixLengths are the prefix lengths of the node network per IP family of the shoot.
	PrefixLengths *NodePrefixLengths
	// ParentNetworkID is the private super network to allocate the node network from, when the partition
	// offers several.
	ParentNetworkID *string
}

// NodePrefixLengths are prefix lengths of a node network per IP family.
type NodePrefixLengths struct {
	// IPv4 is the prefix length of the IPv4 node network.
	IPv4 *int32
	// IPv6 is the prefix length of the IPv6 node network.
	IPv6 *int32
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InfrastructureStatus is the providerStatus of a shoot's infrastructure: what the extension found or allocated,
// so that later reconciliations and the deletion work on the same objects.
type InfrastructureStatus struct {
	metav1.TypeMeta

	// NodeNetwork is the shoot's node network.
	NodeNetwork *NodeNetworkStatus
	// EgressIPs are the static IPs acquired for the firewall's egress rules.
	EgressIPs []string
}

// NodeNetworkStatus identifies the node network of a shoot in the metal-api.
type NodeNetworkStatus struct {
	// ID is the metal-api ID of the node network.
	ID string
	// Prefixes are the CIDRs of the node network, one per IP family of the shoot.
	Prefixes []string
	// AllocatedByExtension is true when the extension allocated the network and therefore frees it on deletion.
	AllocatedByExtension bool
}
