// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mutator

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// Documented defaults of metal shoots. Operators override them with the flags of the admission component; shoot
// owners override them by setting the fields themselves.
const (
	// DefaultNetworkingType is the CNI of shoots that name none.
	DefaultNetworkingType = "calico"
	// DefaultPodsCIDRIPv4 is the pod network of IPv4 shoots (the primary family of dual-stack shoots).
	DefaultPodsCIDRIPv4 = "10.240.0.0/13"
	// DefaultServicesCIDRIPv4 is the service network of IPv4 shoots.
	DefaultServicesCIDRIPv4 = "10.248.0.0/18"
	// DefaultPodsCIDRIPv6 is the pod network of IPv6 shoots: room for 65536 nodes with a /64 each.
	DefaultPodsCIDRIPv6 = "fd00:10:240::/48"
	// DefaultServicesCIDRIPv6 is the service network of IPv6 shoots; Kubernetes allows at most 2^20 service IPs
	// (a /108), a /112 holds 65536.
	DefaultServicesCIDRIPv6 = "fd00:10:248::/112"
	// DefaultMaxPods is the kubelet's maxPods on metal nodes: bare-metal machines are large, Kubernetes' 110 is not.
	DefaultMaxPods = 250
	// DefaultNodeCIDRMaskSizeIPv6 is the size of a node's IPv6 pod range, Kubernetes' default.
	DefaultNodeCIDRMaskSizeIPv6 = 64
)

// Defaults are the values the shoot mutator fills in where a shoot leaves a field unset.
type Defaults struct {
	// NetworkingType is the CNI (calico or cilium) of shoots that name none.
	NetworkingType string
	// PodsCIDRIPv4 and ServicesCIDRIPv4 are the pod and service networks of shoots whose primary IP family is IPv4.
	PodsCIDRIPv4, ServicesCIDRIPv4 string
	// PodsCIDRIPv6 and ServicesCIDRIPv6 are the pod and service networks of shoots whose primary IP family is IPv6.
	PodsCIDRIPv6, ServicesCIDRIPv6 string
	// MaxPods is the kubelet's maxPods, lowered where the node CIDR mask size leaves less room.
	MaxPods int32
	// NodeCIDRMaskSizeIPv6 is the node CIDR mask size of IPv6 pod networks.
	NodeCIDRMaskSizeIPv6 int32
}

// DefaultDefaults returns the documented defaults.
func DefaultDefaults() Defaults {
	return Defaults{
		NetworkingType:       DefaultNetworkingType,
		PodsCIDRIPv4:         DefaultPodsCIDRIPv4,
		ServicesCIDRIPv4:     DefaultServicesCIDRIPv4,
		PodsCIDRIPv6:         DefaultPodsCIDRIPv6,
		ServicesCIDRIPv6:     DefaultServicesCIDRIPv6,
		MaxPods:              DefaultMaxPods,
		NodeCIDRMaskSizeIPv6: DefaultNodeCIDRMaskSizeIPv6,
	}
}

// Validate checks that the defaults could be admitted themselves: known CNI, networks of the right family.
func (d Defaults) Validate() error {
	var errs []error
	if _, ok := cniDefaults[d.NetworkingType]; !ok {
		errs = append(errs, fmt.Errorf("networking type %q is not supported, use calico or cilium", d.NetworkingType))
	}
	for _, c := range []struct {
		name, cidr string
		family     gardencorev1beta1.IPFamily
	}{
		{"IPv4 pod network", d.PodsCIDRIPv4, gardencorev1beta1.IPFamilyIPv4},
		{"IPv4 service network", d.ServicesCIDRIPv4, gardencorev1beta1.IPFamilyIPv4},
		{"IPv6 pod network", d.PodsCIDRIPv6, gardencorev1beta1.IPFamilyIPv6},
		{"IPv6 service network", d.ServicesCIDRIPv6, gardencorev1beta1.IPFamilyIPv6},
	} {
		prefix, err := netip.ParsePrefix(c.cidr)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("%s %q: %w", c.name, c.cidr, err))
		case prefix.Masked() != prefix:
			errs = append(errs, fmt.Errorf("%s %q has host bits set", c.name, c.cidr))
		case familyOf(prefix.Addr()) != c.family:
			errs = append(errs, fmt.Errorf("%s %q is not an %s network", c.name, c.cidr, c.family))
		}
	}
	if d.MaxPods < 1 {
		errs = append(errs, fmt.Errorf("maxPods %d must be positive", d.MaxPods))
	}
	if d.NodeCIDRMaskSizeIPv6 < 1 || d.NodeCIDRMaskSizeIPv6 > 126 {
		errs = append(errs, fmt.Errorf("IPv6 node CIDR mask size %d must be between 1 and 126", d.NodeCIDRMaskSizeIPv6))
	}
	return errors.Join(errs...)
}

// podsCIDR and servicesCIDR return the default networks of an IP family.
func (d Defaults) podsCIDR(family gardencorev1beta1.IPFamily) string {
	if family == gardencorev1beta1.IPFamilyIPv6 {
		return d.PodsCIDRIPv6
	}
	return d.PodsCIDRIPv4
}

func (d Defaults) servicesCIDR(family gardencorev1beta1.IPFamily) string {
	if family == gardencorev1beta1.IPFamilyIPv6 {
		return d.ServicesCIDRIPv6
	}
	return d.ServicesCIDRIPv4
}

// cniDefault is the providerConfig of a networking extension as metal-stack networks need it.
type cniDefault struct {
	apiVersion string
	// settings returns the settings for a shoot of the given IP families.
	settings func(families []gardencorev1beta1.IPFamily) map[string]any
}

// cniDefaults are the networking providerConfigs for metal-stack: nodes are routed natively by the partition's
// BGP fabric (each node announces its pod range), so neither CNI encapsulates traffic.
var cniDefaults = map[string]cniDefault{
	"calico": {
		apiVersion: "calico.networking.extensions.gardener.cloud/v1alpha1",
		settings: func(families []gardencorev1beta1.IPFamily) map[string]any {
			settings := map[string]any{
				// The node's own routing daemon announces the pod ranges; calico's BIRD would compete with it.
				"backend": "none",
				// Typha pays off for hundreds of nodes; metal shoots are smaller and every pod counts.
				"typha": map[string]any{"enabled": false},
			}
			if slices.Contains(families, gardencorev1beta1.IPFamilyIPv4) {
				settings["ipv4"] = map[string]any{"mode": "Never"}
			}
			if slices.Contains(families, gardencorev1beta1.IPFamilyIPv6) {
				settings["ipv6"] = map[string]any{"mode": "Never"}
			}
			return settings
		},
	},
	"cilium": {
		apiVersion: "cilium.networking.extensions.gardener.cloud/v1alpha1",
		settings: func(families []gardencorev1beta1.IPFamily) map[string]any {
			settings := map[string]any{
				"hubble": map[string]any{"enabled": true},
				// Native routing over the partition's fabric, no tunnel.
				"tunnel": "disabled",
				// metal-stack machines are attached by their lan interfaces; lo carries the node's routed address.
				"devices":           []any{"lan+", "lo"},
				"loadBalancingMode": "dsr",
				// The MTU of metal-stack's VXLAN-based tenant networks.
				"mtu": 1440,
			}
			if slices.Contains(families, gardencorev1beta1.IPFamilyIPv4) {
				settings["ipv4NativeRoutingCIDREnabled"] = true
			}
			if slices.Contains(families, gardencorev1beta1.IPFamilyIPv6) {
				settings["ipv6"] = map[string]any{"enabled": true}
			}
			return settings
		},
	},
}

func familyOf(addr netip.Addr) gardencorev1beta1.IPFamily {
	if addr.Is4() {
		return gardencorev1beta1.IPFamilyIPv4
	}
	return gardencorev1beta1.IPFamilyIPv6
}
