// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// CloudProfileConfig is the providerConfig of a Gardener CloudProfile of type `metal`. It tells the extensions
// which metal-stack installations (metal control planes) exist and what each of their partitions offers.
type CloudProfileConfig struct {
	metav1.TypeMeta `json:",inline"`

	// MetalControlPlanes maps a name of a metal-stack installation to its configuration. A partition (a zone of
	// the CloudProfile) belongs to exactly one of them.
	MetalControlPlanes map[string]MetalControlPlane `json:"metalControlPlanes"`
}

// MetalControlPlane describes one metal-stack installation: where its metal-api is and what it offers.
type MetalControlPlane struct {
	// Endpoint is the URL of the metal-api of this installation.
	Endpoint string `json:"endpoint"`
	// Partitions maps a partition ID of this installation (used as zone in the CloudProfile) to its settings.
	Partitions map[string]Partition `json:"partitions"`
	// FirewallImages are the firewall images shoots may use in this installation. Empty allows every image.
	// +optional
	FirewallImages []string `json:"firewallImages,omitempty"`
	// FirewallControllerVersions are the firewall-controller releases firewalls may run.
	// +optional
	FirewallControllerVersions []FirewallControllerVersion `json:"firewallControllerVersions,omitempty"`
	// NftablesExporter is the nftables exporter the firewall-controller installs on firewalls for metrics.
	// +optional
	NftablesExporter *NftablesExporter `json:"nftablesExporter,omitempty"`
	// NetworkIsolation is the default for partitions that do not set their own. Without it (here or on the
	// partition), shoots in a partition can only use the baseline network access type.
	// +optional
	NetworkIsolation *NetworkIsolation `json:"networkIsolation,omitempty"`
}

// FirewallControllerVersion is one release of the firewall-controller binary that runs on firewalls.
type FirewallControllerVersion struct {
	// Version is the release tag of the firewall-controller (a semantic version with a leading `v`).
	Version string `json:"version"`
	// URL is where firewalls download the firewall-controller binary of this release from.
	URL string `json:"url"`
	// Classification says whether the release may be chosen automatically (`supported`), only on request
	// (`preview`), or should be moved away from (`deprecated`). Defaults to `supported`.
	// +optional
	Classification *VersionClassification `json:"classification,omitempty"`
}

// VersionClassification is the lifecycle state of a firewall-controller release, with the meaning Gardener gives
// to the classification of Kubernetes and machine image versions.
type VersionClassification string

const (
	// ClassificationPreview marks a release that is available on explicit request but never chosen for `auto`.
	ClassificationPreview VersionClassification = "preview"
	// ClassificationSupported marks a release that is recommended; `auto` picks the newest of these.
	ClassificationSupported VersionClassification = "supported"
	// ClassificationDeprecated marks a release that still works but should be replaced; never chosen for `auto`.
	ClassificationDeprecated VersionClassification = "deprecated"
)

// NftablesExporter is the release of the nftables exporter that the firewall-controller runs on firewalls.
type NftablesExporter struct {
	// Version is the release tag of the nftables exporter.
	Version string `json:"version"`
	// URL is where firewalls download the nftables exporter binary from.
	URL string `json:"url"`
}

// Partition describes what a metal-stack partition offers to shoots.
type Partition struct {
	// FirewallTypes are the machine sizes firewalls of shoots in this partition may use.
	FirewallTypes []string `json:"firewallTypes"`
	// FirewallImages overrides the firewall images of the control plane for this partition when not empty.
	// +optional
	FirewallImages []string `json:"firewallImages,omitempty"`
	// NetworkIsolation overrides the network isolation settings of the control plane for this partition.
	// +optional
	NetworkIsolation *NetworkIsolation `json:"networkIsolation,omitempty"`
	// NodeNetworkDefaults tells how node networks of shoots in this partition are allocated.
	// +optional
	NodeNetworkDefaults *NodeNetworkDefaults `json:"nodeNetworkDefaults,omitempty"`
}

// NetworkIsolation holds what shoots with a restricted or forbidden network access type may still reach: without
// these destinations such a shoot could not pull images, resolve names or keep its clock.
type NetworkIsolation struct {
	// AllowedNetworks are the networks isolated shoots may talk to.
	// +optional
	AllowedNetworks AllowedNetworks `json:"allowedNetworks,omitempty"`
	// DNSServers are the IPs of the DNS resolvers isolated shoots use (one to three, like resolv.conf allows).
	DNSServers []string `json:"dnsServers"`
	// NTPServers are the IPs or host names of the time servers isolated shoots use.
	// +optional
	NTPServers []string `json:"ntpServers,omitempty"`
	// RegistryMirrors are the container registries that serve all images an isolated shoot needs.
	// +optional
	RegistryMirrors []RegistryMirror `json:"registryMirrors,omitempty"`
}

// AllowedNetworks are the CIDRs (IPv4 or IPv6) that isolated shoots may exchange traffic with.
type AllowedNetworks struct {
	// Ingress are the CIDRs allowed to reach the shoot, e.g. through services of type LoadBalancer.
	// +optional
	Ingress []string `json:"ingress,omitempty"`
	// Egress are the CIDRs the shoot may connect to.
	// +optional
	Egress []string `json:"egress,omitempty"`
}

// RegistryMirror is a container registry inside the allowed networks that mirrors public registries.
type RegistryMirror struct {
	// Name describes the mirror for humans.
	Name string `json:"name"`
	// Endpoint is the URL of the mirror, e.g. https://registry.example.com.
	Endpoint string `json:"endpoint"`
	// IP is the address the firewall lets isolated shoots reach the mirror at.
	IP string `json:"ip"`
	// Port is the TCP port of the mirror. Defaults to the port of the endpoint URL.
	// +optional
	Port int32 `json:"port,omitempty"`
	// MirrorOf are the registry host names whose images this mirror serves, e.g. docker.io or ghcr.io.
	MirrorOf []string `json:"mirrorOf"`
}

// NodeNetworkDefaults are per-partition settings for allocating the node networks of shoots.
type NodeNetworkDefaults struct {
	// PrivateSuperNetworks are the IDs of the private super networks node networks may be allocated from. A shoot
	// picks one with its InfrastructureConfig; without a pick the first is used. When empty, the partition's only
	// private super network is looked up in the metal-api.
	// +optional
	PrivateSuperNetworks []string `json:"privateSuperNetworks,omitempty"`
	// PrefixLengths are the prefix lengths of node networks for IP families the shoot does not choose itself.
	// A family without a length here gets the default child prefix length of the super network.
	// +optional
	PrefixLengths *NodePrefixLengths `json:"prefixLengths,omitempty"`
}
