// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
)

// LoadBalancer is the load balancer mode of metal-ccm (its LOADBALANCER variable): which component announces the
// IPs of LoadBalancer services that metal-ccm allocates in the metal-api.
type LoadBalancer string

const (
	// LoadBalancerMetalLB has metal-ccm write MetalLB's configuration (BGPPeers, IPAddressPools, BGPAdvertisements in
	// metallb-system); MetalLB's speakers announce the IPs to the nodes' FRR. The ControlPlane deploys MetalLB.
	LoadBalancerMetalLB LoadBalancer = "metallb"
	// LoadBalancerCilium has metal-ccm write cilium's BGP configuration (CiliumBGPPeeringPolicies,
	// CiliumLoadBalancerIPPools); cilium announces the IPs itself. No MetalLB is deployed.
	LoadBalancerCilium LoadBalancer = "cilium"

	// NetworkingTypeCilium is the networking type of Gardener's cilium extension.
	NetworkingTypeCilium = "cilium"

	// MetalLBNamespace is the namespace of MetalLB in the shoot; metal-ccm writes its configuration there.
	MetalLBNamespace = "metallb-system"
	// MetalLBControllerName is MetalLB's controller Deployment, which assigns the service IPs from the pools.
	MetalLBControllerName = "controller"
	// MetalLBSpeakerName is MetalLB's speaker DaemonSet, which announces the service IPs from every node.
	MetalLBSpeakerName = "speaker"
)

// Names of the shoot's images in the image vector.
const (
	imageMetalLBController = "metallb-controller"
	imageMetalLBSpeaker    = "metallb-speaker"
	imageNodeInit          = "node-init"
	imagePause             = "pause"
)

// LoadBalancerOf returns the load balancer mode of a shoot: cilium's own BGP control plane for cilium shoots, MetalLB
// for every other networking type (calico, and any other CNI: MetalLB in BGP mode works with any of them, and metallb
// is metal-ccm's default mode), and for a shoot without networking.
func LoadBalancerOf(shoot *gardencorev1beta1.Shoot) LoadBalancer {
	if shoot != nil && shoot.Spec.Networking != nil && shoot.Spec.Networking.Type != nil && *shoot.Spec.Networking.Type == NetworkingTypeCilium {
		return LoadBalancerCilium
	}
	return LoadBalancerMetalLB
}

// nodeInitEnabled tells whether the shoot gets metal-stack's node-init: shoots announced through FRR route by route
// (every networking type but cilium, whose BGP control plane exports the pod CIDR of each node itself) whose
// node.spec.podCIDR is IPv4 (the first of the shoot's families), the only family node-init handles.
func nodeInitEnabled(shoot *gardencorev1beta1.Shoot, families []gardencorev1beta1.IPFamily) bool {
	return LoadBalancerOf(shoot) != LoadBalancerCilium && len(families) > 0 && families[0] == gardencorev1beta1.IPFamilyIPv4
}

// shootLoadBalancerValues are the values of the shoot chart for the load balancer and node-init.
func shootLoadBalancerValues(shoot *gardencorev1beta1.Shoot, families []gardencorev1beta1.IPFamily) map[string]any {
	lb := LoadBalancerOf(shoot)
	return map[string]any{
		"loadBalancer": string(lb),
		"metallb":      map[string]any{"enabled": lb == LoadBalancerMetalLB},
		"nodeInit":     map[string]any{"enabled": nodeInitEnabled(shoot, families)},
	}
}
