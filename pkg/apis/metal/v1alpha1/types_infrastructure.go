// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InfrastructureConfig is the providerConfig of a shoot's infrastructure: where its machines live and how its
// firewall connects the node network to the outside.
type InfrastructureConfig struct {
	metav1.TypeMeta `json:",inline"`

	// PartitionID is the metal-stack partition (a zone of the CloudProfile) the shoot's machines are placed in.
	PartitionID string `json:"partitionID"`
	// ProjectID is the metal-stack project that owns the shoot's machines, networks and IPs.
	ProjectID string `json:"projectID"`
	// Firewall configures the firewall in front of the shoot's node network.
	Firewall Firewall `json:"firewall"`
	// NodeNetwork tunes the allocation of the shoot's node network; without it the partition defaults apply.
	// +optional
	NodeNetwork *NodeNetwork `json:"nodeNetwork,omitempty"`
}

// Firewall is the firewall machine that routes between the shoot's node network and the external networks.
type Firewall struct {
	// Size is the machine size of the firewall; it must be one of the partition's firewall types.
	Size string `json:"size"`
	// Image is the OS image of the firewall.
	Image string `json:"image"`
	// Networks are the IDs of the external networks the firewall connects the shoot to (e.g. internet, DMZ).
	Networks []string `json:"networks"`
	// RateLimits cap the bandwidth of the firewall per external network.
	// +optional
	RateLimits []RateLimit `json:"rateLimits,omitempty"`
	// EgressRules pin the source IPs of the shoot's outgoing traffic per external network.
	// +optional
	EgressRules []EgressRule `json:"egressRules,omitempty"`
	// LogAcceptedConnections makes the firewall log accepted connections, not only dropped ones.
	// +optional
	LogAcceptedConnections bool `json:"logAcceptedConnections,omitempty"`
	// ControllerVersion is the firewall-controller release to run: a version of the CloudProfile or `auto` for
	// the newest supported one. Defaults to `auto`.
	// +optional
	ControllerVersion string `json:"controllerVersion,omitempty"`
	// AutoUpdateMachineImage rolls the firewall to the newest image of the same OS when one appears.
	// +optional
	AutoUpdateMachineImage bool `json:"autoUpdateMachineImage,omitempty"`
	// HealthTimeout is how long a created firewall may stay unhealthy before it is replaced. Without it the
	// firewall-controller-manager's default applies.
	// +optional
	HealthTimeout *metav1.Duration `json:"healthTimeout,omitempty"`
	// CreateTimeout is how long a firewall may take to be created before it is replaced. Without it the
	// firewall-controller-manager's default applies.
	// +optional
	CreateTimeout *metav1.Duration `json:"createTimeout,omitempty"`
}

// RateLimit caps the bandwidth the firewall passes to or from one external network.
type RateLimit struct {
	// NetworkID is the external network the limit applies to; it must be one of the firewall's networks.
	NetworkID string `json:"networkID"`
	// RateLimit is the bandwidth limit in Mbit/s.
	RateLimit uint32 `json:"rateLimit"`
}

// EgressRule makes outgoing traffic into one external network leave with the given static IPs, so that the
// other side can allow-list the shoot.
type EgressRule struct {
	// NetworkID is the external network the rule applies to; it must be one of the firewall's networks.
	NetworkID string `json:"networkID"`
	// IPs are the static IPs (of that network) used as source addresses.
	IPs []string `json:"ips"`
}

// NodeNetwork tunes the allocation of a shoot's node network. All of it is fixed once the network exists.
type NodeNetwork struct {
	// PrefixLengths are the prefix lengths of the node network per IP family of the shoot.
	// +optional
	PrefixLengths *NodePrefixLengths `json:"prefixLengths,omitempty"`
	// ParentNetworkID is the private super network to allocate the node network from, when the partition
	// offers several.
	// +optional
	ParentNetworkID *string `json:"parentNetworkID,omitempty"`
}

// NodePrefixLengths are prefix lengths of a node network per IP family.
type NodePrefixLengths struct {
	// IPv4 is the prefix length of the IPv4 node network.
	// +optional
	IPv4 *int32 `json:"ipv4,omitempty"`
	// IPv6 is the prefix length of the IPv6 node network.
	// +optional
	IPv6 *int32 `json:"ipv6,omitempty"`
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// InfrastructureStatus is the providerStatus of a shoot's infrastructure: what the extension found or allocated,
// so that later reconciliations and the deletion work on the same objects.
type InfrastructureStatus struct {
	metav1.TypeMeta `json:",inline"`

	// NodeNetwork is the shoot's node network.
	// +optional
	NodeNetwork *NodeNetworkStatus `json:"nodeNetwork,omitempty"`
	// EgressIPs are the static IPs acquired for the firewall's egress rules.
	// +optional
	EgressIPs []string `json:"egressIPs,omitempty"`
}

// NodeNetworkStatus identifies the node network of a shoot in the metal-api.
type NodeNetworkStatus struct {
	// ID is the metal-api ID of the node network.
	ID string `json:"id"`
	// Prefixes are the CIDRs of the node network, one per IP family of the shoot.
	Prefixes []string `json:"prefixes"`
	// AllocatedByExtension is true when the extension allocated the network and therefore frees it on deletion.
	// +optional
	AllocatedByExtension bool `json:"allocatedByExtension,omitempty"`
}
