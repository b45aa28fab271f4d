// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// DefaultStorageClassName is the name of the storage class deployed for a protocol when the
// OntapConfig names no storage classes.
func DefaultStorageClassName(protocol Protocol) string {
	switch protocol {
	case ProtocolNVMeTCP:
		return "ontap-nvme"
	default:
		return "ontap-" + string(protocol)
	}
}

// SetDefaults_OntapConfig sets the defaults of an OntapConfig.
func SetDefaults_OntapConfig(obj *OntapConfig) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// NVMe/TCP: the lowest latency of the three, and it needs no extra fabric on metal-stack's routed network.
	if len(obj.Protocols) == 0 {
		obj.Protocols = []Protocol{ProtocolNVMeTCP}
	}
	// An empty SVM section so that SetDefaults_SVMConfig applies to it.
	if obj.SVM == nil {
		obj.SVM = &SVMConfig{}
	}
	// Every shoot gets one default class for its preferred protocol unless it names its own.
	if len(obj.StorageClasses) == 0 {
		obj.StorageClasses = []StorageClass{{
			Name:     DefaultStorageClassName(obj.Protocols[0]),
			Protocol: obj.Protocols[0],
			Default:  true,
		}}
	}
	// A class without a protocol uses the preferred (first) protocol.
	for i := range obj.StorageClasses {
		if obj.StorageClasses[i].Protocol == "" {
			obj.StorageClasses[i].Protocol = obj.Protocols[0]
		}
	}
}

// SetDefaults_SVMConfig sets the defaults of an SVMConfig.
func SetDefaults_SVMConfig(obj *SVMConfig) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// Nothing of the shoot is left behind unless retention is asked for.
	if obj.DeletionPolicy == "" {
		obj.DeletionPolicy = DeletionPolicyDelete
	}
	// One data LIF per protocol and node: every node can serve I/O locally.
	if obj.LIFsPerNode == nil {
		obj.LIFsPerNode = new(int32(1))
	}
}

// SetDefaults_StorageClass sets the defaults of a StorageClass.
func SetDefaults_StorageClass(obj *StorageClass) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// Kubernetes' own default, made explicit so the rendered class is stable.
	if obj.ReclaimPolicy == nil {
		obj.ReclaimPolicy = new(corev1.PersistentVolumeReclaimDelete)
	}
	// Trident expands volumes of all three protocols online.
	if obj.AllowVolumeExpansion == nil {
		obj.AllowVolumeExpansion = new(true)
	}
	// Kubernetes' own default: ONTAP volumes are reachable from every node, so there is no topology to wait for.
	if obj.VolumeBindingMode == nil {
		obj.VolumeBindingMode = new(storagev1.VolumeBindingImmediate)
	}
}
