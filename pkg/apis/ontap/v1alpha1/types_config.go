// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Protocol is a storage protocol the shoot's SVM serves.
type Protocol string

const (
	// ProtocolNVMeTCP is NVMe over TCP (block storage, Trident's ontap-san driver with sanType nvme).
	ProtocolNVMeTCP Protocol = "nvme-tcp"
	// ProtocolISCSI is iSCSI (block storage, Trident's ontap-san driver with sanType iscsi).
	ProtocolISCSI Protocol = "iscsi"
	// ProtocolNFS is NFS (file storage, Trident's ontap-nas driver).
	ProtocolNFS Protocol = "nfs"
)

// DeletionPolicy says what happens to the SVM when the shoot's Extension is deleted.
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the SVM with all its volumes, LIFs and accounts.
	DeletionPolicyDelete DeletionPolicy = "delete"
	// DeletionPolicyRetain keeps the SVM with its volumes and LIFs on ONTAP for recovery, and with the
	// LIFs the IPs they hold in the metal-api.
	DeletionPolicyRetain DeletionPolicy = "retain"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OntapConfig is the providerConfig of the shoot's Extension of type "ontap": it describes the SVM the
// shoot gets, the protocols it serves and the storage classes deployed into the shoot.
//
// Credentials of the SVM-scoped Trident account are rotated by annotating the Extension with
// "ontap.extensions.gardener.cloud/rotate-credentials", not by a field.
type OntapConfig struct {
	metav1.TypeMeta `json:",inline"`

	// Protocols are the protocols the SVM serves; each gets data LIFs of its own.
	// Defaults to [nvme-tcp].
	// +optional
	Protocols []Protocol `json:"protocols,omitempty"`
	// SVM configures the shoot's storage virtual machine.
	// +optional
	SVM *SVMConfig `json:"svm,omitempty"`
	// StorageClasses are the storage classes deployed into the shoot. When none are given, one class is
	// deployed for the first protocol and marked default: "ontap-nvme" for nvme-tcp (so with the default
	// protocols exactly one class "ontap-nvme"), "ontap-iscsi" for iscsi, "ontap-nfs" for nfs.
	// +optional
	StorageClasses []StorageClass `json:"storageClasses,omitempty"`
	// Trident configures the Trident CSI driver deployed into the shoot.
	// +optional
	Trident *TridentConfig `json:"trident,omitempty"`
}

// SVMConfig configures the shoot's storage virtual machine (SVM).
type SVMConfig struct {
	// Cluster is the name of the ONTAP cluster, among those configured for the seed, that hosts the SVM.
	// When unset the controller picks the cluster with the most room and records it in the status.
	// Immutable once set.
	// +optional
	Cluster *string `json:"cluster,omitempty"`
	// Aggregates are the aggregates the SVM may place volumes on. When empty they are chosen automatically.
	// +optional
	Aggregates []string `json:"aggregates,omitempty"`
	// DataNetworkID is the metal-stack network the LIF IPs are allocated from. When unset the data network
	// of the extension's component configuration is used. Immutable once set.
	// +optional
	DataNetworkID *string `json:"dataNetworkID,omitempty"`
	// DataLIFAddresses are explicit IPv4 or IPv6 addresses for the data LIFs; when set, no data LIF IPs are
	// allocated from the metal-api. Every enabled protocol needs at least one data LIF of its own, so there
	// must be at least as many addresses as protocols.
	// +optional
	DataLIFAddresses []string `json:"dataLIFAddresses,omitempty"`
	// ManagementLIFAddress is an explicit IPv4 or IPv6 address for the SVM management LIF; when set, it is
	// not allocated from the metal-api.
	// +optional
	ManagementLIFAddress *string `json:"managementLIFAddress,omitempty"`
	// MaxVolumes limits the number of volumes the SVM may hold. Unlimited when unset.
	// +optional
	MaxVolumes *int32 `json:"maxVolumes,omitempty"`
	// QoS is the QoS policy applied to the SVM. None when unset.
	// +optional
	QoS *QoSPolicy `json:"qos,omitempty"`
	// DeletionPolicy is "delete" (the default: the SVM and its volumes are deleted with the Extension) or
	// "retain" (the SVM and its volumes are kept for recovery).
	// +optional
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`
	// LIFsPerNode is the number of data LIFs per protocol on each node of the ONTAP cluster, 1 to 4.
	// Defaults to 1. Not used when DataLIFAddresses are given: then they determine the data LIFs.
	// +optional
	LIFsPerNode *int32 `json:"lifsPerNode,omitempty"`
}

// QoSPolicy is an SVM-wide QoS ceiling.
type QoSPolicy struct {
	// MaxThroughputMBps is the maximum throughput in megabytes per second.
	// +optional
	MaxThroughputMBps *int64 `json:"maxThroughputMBps,omitempty"`
	// MaxIOPS is the maximum number of I/O operations per second.
	// +optional
	MaxIOPS *int64 `json:"maxIOPS,omitempty"`
}

// StorageClass is a storage class deployed into the shoot, backed by the SVM through Trident.
type StorageClass struct {
	// Name is the name of the StorageClass.
	Name string `json:"name"`
	// Protocol is the protocol the class provisions volumes with; it must be one of OntapConfig.Protocols.
	// Defaults to the first of OntapConfig.Protocols.
	// +optional
	Protocol Protocol `json:"protocol,omitempty"`
	// Default marks the class as the shoot's default storage class.
	// +optional
	Default bool `json:"default,omitempty"`
	// Parameters are passed to Trident as StorageClass parameters. backendType is set from Protocol and
	// cannot be given here.
	// +optional
	Parameters map[string]string `json:"parameters,omitempty"`
	// ReclaimPolicy is the reclaim policy of the class's volumes. Defaults to Delete.
	// +optional
	ReclaimPolicy *corev1.PersistentVolumeReclaimPolicy `json:"reclaimPolicy,omitempty"`
	// AllowVolumeExpansion allows volumes of the class to be expanded. Defaults to true.
	// +optional
	AllowVolumeExpansion *bool `json:"allowVolumeExpansion,omitempty"`
	// MountOptions are the mount options of the class's volumes.
	// +optional
	MountOptions []string `json:"mountOptions,omitempty"`
	// VolumeBindingMode says when volumes of the class are bound. Defaults to Immediate.
	// +optional
	VolumeBindingMode *storagev1.VolumeBindingMode `json:"volumeBindingMode,omitempty"`
}

// TridentConfig configures the Trident CSI driver deployed into the shoot.
type TridentConfig struct {
	// Debug enables Trident's debug logging. Defaults to false.
	// +optional
	Debug bool `json:"debug,omitempty"`
	// AutosupportEnabled lets Trident send autosupport telemetry to NetApp. Defaults to false.
	// +optional
	AutosupportEnabled bool `json:"autosupportEnabled,omitempty"`
}
