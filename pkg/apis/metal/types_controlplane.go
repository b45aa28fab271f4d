// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControlPlaneConfig is the providerConfig of a shoot's control plane: settings of the components the extension
// deploys for the shoot.
type ControlPlaneConfig struct {
	metav1.TypeMeta

	// CloudControllerManager configures the metal cloud-controller-manager.
	CloudControllerManager *CloudControllerManagerConfig
	// NetworkAccessType says how far the shoot may reach outside of its own networks.
	NetworkAccessType *NetworkAccessType
	// CustomDefaultStorageClass chooses the default StorageClass of the shoot. Without it the csi-lvm class is
	// the default; with an empty class name none of the classes the extension manages is the default.
	CustomDefaultStorageClass *CustomDefaultStorageClass
	// FeatureGates switch optional parts of the shoot's control plane on or off.
	FeatureGates ControlPlaneFeatures
}

// CloudControllerManagerConfig configures the metal cloud-controller-manager.
type CloudControllerManagerConfig struct {
	// FeatureGates are Kubernetes feature gates passed to the cloud-controller-manager.
	FeatureGates map[string]bool
	// DefaultExternalNetwork is the network the cloud-controller-manager takes IPs for services of type
	// LoadBalancer from. Without it, it uses the last default external network among the firewall's networks.
	DefaultExternalNetwork *string
}

// NetworkAccessType is how far a shoot may reach outside of its own networks.
type NetworkAccessType string

const (
	// NetworkAccessBaseline puts no restriction on external traffic beyond the shoot's own network policies.
	NetworkAccessBaseline NetworkAccessType = "baseline"
	// NetworkAccessRestricted limits the shoot's default egress to the registries, DNS and NTP servers of the
	// partition's network isolation; shoot owners may still allow further destinations.
	NetworkAccessRestricted NetworkAccessType = "restricted"
	// NetworkAccessForbidden makes the firewall drop all traffic to and from networks outside of the partition's
	// allowed networks, and shoot owners cannot open it up.
	NetworkAccessForbidden NetworkAccessType = "forbidden"
)

// CustomDefaultStorageClass names the StorageClass the extension marks as default in the shoot.
type CustomDefaultStorageClass struct {
	// ClassName is the StorageClass to mark as default; empty means that the shoot owner brings their own
	// default and the extension marks none of its classes.
	ClassName string
}

// CSILVMStorageClassName is the StorageClass of csi-driver-lvm, the default StorageClass of a shoot unless
// CustomDefaultStorageClass says otherwise.
const CSILVMStorageClassName = "csi-lvm"

// ControlPlaneFeatures switch optional parts of a shoot's control plane on or off.
type ControlPlaneFeatures struct {
	// CSILVM deploys metal-stack's csi-driver-lvm into the shoot, so that PVCs can use the machines' local disks
	// (StorageClass csi-lvm). Shoots with storage from elsewhere (e.g. the ontap extension) can switch it off.
	CSILVM *bool
}
