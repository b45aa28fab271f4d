// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControlPlaneConfig is the providerConfig of a shoot's control plane: settings of the components the extension
// deploys for the shoot.
type ControlPlaneConfig struct {
	metav1.TypeMeta `json:",inline"`

	// CloudControllerManager configures the metal cloud-controller-manager.
	// +optional
	CloudControllerManager *CloudControllerManagerConfig `json:"cloudControllerManager,omitempty"`
	// NetworkAccessType says how far the shoot may reach outside of its own networks. Defaults to `baseline`.
	// +optional
	NetworkAccessType *NetworkAccessType `json:"networkAccessType,omitempty"`
	// CustomDefaultStorageClass chooses the default StorageClass of the shoot. Without it the csi-lvm class is
	// the default; with an empty class name none of the classes the extension manages is the default.
	// +optional
	CustomDefaultStorageClass *CustomDefaultStorageClass `json:"customDefaultStorageClass,omitempty"`
	// FeatureGates switch optional parts of the shoot's control plane on or off.
	// +optional
	FeatureGates ControlPlaneFeatures `json:"featureGates,omitempty"`
}

// CloudControllerManagerConfig configures the metal cloud-controller-manager.
type CloudControllerManagerConfig struct {
	// FeatureGates are Kubernetes feature gates passed to the cloud-controller-manager.
	// +optional
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
	// DefaultExternalNetwork is the network the cloud-controller-manager takes IPs for services of type
	// LoadBalancer from. Without it, it uses the last default external network among the firewall's networks.
	// +optional
	DefaultExternalNetwork *string `json:"defaultExternalNetwork,omitempty"`
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
	ClassName string `json:"className"`
}

// ControlPlaneFeatures switch optional parts of a shoot's control plane on or off.
type ControlPlaneFeatures struct {
	// CSILVM deploys metal-stack's csi-driver-lvm into the shoot, so that PVCs can use the machines' local disks
	// (StorageClass csi-lvm). Shoots with storage from elsewhere (e.g. the ontap extension) can switch it off.
	// Defaults to true.
	// +optional
	CSILVM *bool `json:"csiLVM,omitempty"`
}
