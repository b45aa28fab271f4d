// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AnnotationRotateCredentials, set on the shoot's Extension of type "ontap" (any value), makes the
// controller generate a new password for the SVM-scoped Trident account, update the Trident backend
// and remove the annotation again. Credentials rotation is an operation, not desired state, which is
// why it is an annotation and not a field of OntapConfig.
const AnnotationRotateCredentials = "ontap.extensions.gardener.cloud/rotate-credentials"

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

// SupportedProtocols lists every Protocol, in the order of preference.
var SupportedProtocols = []Protocol{ProtocolNVMeTCP, ProtocolISCSI, ProtocolNFS}

// DeletionPolicy says what happens to the SVM when the shoot's Extension is deleted.
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the SVM with all its volumes, LIFs and accounts.
	DeletionPolicyDelete DeletionPolicy = "delete"
	// DeletionPolicyRetain keeps the SVM with its volumes and LIFs on ONTAP for recovery, and with the
	// LIFs the IPs they hold in the metal-api. It is the one deliberate exception to "nothing of the shoot
	// is left behind".
	DeletionPolicyRetain DeletionPolicy = "retain"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OntapConfig is the providerConfig of the shoot's Extension of type "ontap": it describes the SVM the
// shoot gets, the protocols it serves and the storage classes deployed into the shoot.
type OntapConfig struct { //nolint:revive // the kind on the wire is OntapConfig
	metav1.TypeMeta

	// Protocols are the protocols the SVM serves; each gets data LIFs of its own.
	Protocols []Protocol
	// SVM configures the shoot's storage virtual machine.
	SVM *SVMConfig
	// StorageClasses are the storage classes deployed into the shoot.
	StorageClasses []StorageClass
	// Trident configures the Trident CSI driver deployed into the shoot.
	Trident *TridentConfig
}

// SVMConfig configures the shoot's storage virtual machine (SVM).
type SVMConfig struct {
	// Cluster is the name of the ONTAP cluster, among those configured for the seed, that hosts the SVM.
	// When unset the controller picks the cluster with the most room and records it in the status.
	Cluster *string
	// Aggregates are the aggregates the SVM may place volumes on. When empty they are chosen automatically.
	Aggregates []string
	// DataNetworkID is the metal-stack network the LIF IPs are allocated from. When unset the data network
	// of the extension's component configuration is used.
	DataNetworkID *string
	// DataLIFAddresses are explicit IPv4 or IPv6 addresses for the data LIFs; when set, no data LIF IPs are
	// allocated from the metal-api. Every enabled protocol needs at least one data LIF of its own, so there
	// must be at least as many addresses as protocols.
	DataLIFAddresses []string
	// ManagementLIFAddress is an explicit IPv4 or IPv6 address for the SVM management LIF; when set, it is
	// not allocated from the metal-api.
	ManagementLIFAddress *string
	// MaxVolumes limits the number of volumes the SVM may hold. Unlimited when unset.
	MaxVolumes *int32
	// QoS is the QoS policy applied to the SVM. None when unset.
	QoS *QoSPolicy
	// DeletionPolicy says whether the SVM is deleted or retained when the Extension is deleted.
	DeletionPolicy DeletionPolicy
	// LIFsPerNode is the number of data LIFs per protocol on each node of the ONTAP cluster, 1 to 4.
	// Not used when DataLIFAddresses are given: then they determine the data LIFs.
	LIFsPerNode *int32
}

// QoSPolicy is an SVM-wide QoS ceiling.
type QoSPolicy struct {
	// MaxThroughputMBps is the maximum throughput in megabytes per second.
	MaxThroughputMBps *int64
	// MaxIOPS is the maximum number of I/O operations per second.
	MaxIOPS *int64
}

// StorageClass is a storage class deployed into the shoot, backed by the SVM through Trident.
type StorageClass struct {
	// Name is the name of the StorageClass.
	Name string
	// Protocol is the protocol the class provisions volumes with; it must be one of OntapConfig.Protocols.
	Protocol Protocol
	// Default marks the class as the shoot's default storage class.
	Default bool
	// Parameters are passed to Trident as StorageClass parameters.
	Parameters map[string]string
	// ReclaimPolicy is the reclaim policy of the class's volumes.
	ReclaimPolicy *corev1.PersistentVolumeReclaimPolicy
	// AllowVolumeExpansion allows volumes of the class to be expanded.
	AllowVolumeExpansion *bool
	// MountOptions are the mount options of the class's volumes.
	MountOptions []string
	// VolumeBindingMode says when volumes of the class are bound.
	VolumeBindingMode *storagev1.VolumeBindingMode
}

// TridentConfig configures the Trident CSI driver deployed into the shoot.
type TridentConfig struct {
	// Debug enables Trident's debug logging.
	Debug bool
	// AutosupportEnabled lets Trident send autosupport telemetry to NetApp.
	AutosupportEnabled bool
}
