// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
)

// defaultedClass is a storage class with the per-class defaults applied.
func defaultedClass(name string, protocol v1alpha1.Protocol, isDefault bool) v1alpha1.StorageClass {
	return v1alpha1.StorageClass{
		Name:                 name,
		Protocol:             protocol,
		Default:              isDefault,
		ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
		AllowVolumeExpansion: new(true),
		VolumeBindingMode:    new(storagev1.VolumeBindingImmediate),
	}
}

var _ = Describe("Defaults", func() {
	DescribeTable("#SetObjectDefaults_OntapConfig",
		func(in, expected *v1alpha1.OntapConfig) {
			v1alpha1.SetObjectDefaults_OntapConfig(in)
			Expect(in).To(Equal(expected))
		},
		Entry("empty config: nvme-tcp, one default class ontap-nvme, SVM deleted with the shoot, one LIF per node",
			&v1alpha1.OntapConfig{},
			&v1alpha1.OntapConfig{
				Protocols:      []v1alpha1.Protocol{v1alpha1.ProtocolNVMeTCP},
				SVM:            &v1alpha1.SVMConfig{DeletionPolicy: v1alpha1.DeletionPolicyDelete, LIFsPerNode: new(int32(1))},
				StorageClasses: []v1alpha1.StorageClass{defaultedClass("ontap-nvme", v1alpha1.ProtocolNVMeTCP, true)},
			}),
		Entry("default class follows the first protocol",
			&v1alpha1.OntapConfig{Protocols: []v1alpha1.Protocol{v1alpha1.ProtocolNFS, v1alpha1.ProtocolISCSI}},
			&v1alpha1.OntapConfig{
				Protocols:      []v1alpha1.Protocol{v1alpha1.ProtocolNFS, v1alpha1.ProtocolISCSI},
				SVM:            &v1alpha1.SVMConfig{DeletionPolicy: v1alpha1.DeletionPolicyDelete, LIFsPerNode: new(int32(1))},
				StorageClasses: []v1alpha1.StorageClass{defaultedClass("ontap-nfs", v1alpha1.ProtocolNFS, true)},
			}),
		Entry("given classes are kept, no default class is added, missing protocols take the first one",
			&v1alpha1.OntapConfig{
				Protocols:      []v1alpha1.Protocol{v1alpha1.ProtocolISCSI, v1alpha1.ProtocolNFS},
				StorageClasses: []v1alpha1.StorageClass{{Name: "a"}, {Name: "b", Protocol: v1alpha1.ProtocolNFS}},
			},
			&v1alpha1.OntapConfig{
				Protocols:      []v1alpha1.Protocol{v1alpha1.ProtocolISCSI, v1alpha1.ProtocolNFS},
				SVM:            &v1alpha1.SVMConfig{DeletionPolicy: v1alpha1.DeletionPolicyDelete, LIFsPerNode: new(int32(1))},
				StorageClasses: []v1alpha1.StorageClass{defaultedClass("a", v1alpha1.ProtocolISCSI, false), defaultedClass("b", v1alpha1.ProtocolNFS, false)},
			}),
		Entry("set values are kept",
			&v1alpha1.OntapConfig{
				Protocols: []v1alpha1.Protocol{v1alpha1.ProtocolNVMeTCP},
				SVM:       &v1alpha1.SVMConfig{DeletionPolicy: v1alpha1.DeletionPolicyRetain, LIFsPerNode: new(int32(3))},
				StorageClasses: []v1alpha1.StorageClass{{
					Name: "x", Protocol: v1alpha1.ProtocolNVMeTCP,
					ReclaimPolicy:        new(corev1.PersistentVolumeReclaimRetain),
					AllowVolumeExpansion: new(false),
					VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				}},
				Trident: &v1alpha1.TridentConfig{},
			},
			&v1alpha1.OntapConfig{
				Protocols: []v1alpha1.Protocol{v1alpha1.ProtocolNVMeTCP},
				SVM:       &v1alpha1.SVMConfig{DeletionPolicy: v1alpha1.DeletionPolicyRetain, LIFsPerNode: new(int32(3))},
				StorageClasses: []v1alpha1.StorageClass{{
					Name: "x", Protocol: v1alpha1.ProtocolNVMeTCP,
					ReclaimPolicy:        new(corev1.PersistentVolumeReclaimRetain),
					AllowVolumeExpansion: new(false),
					VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
				}},
				Trident: &v1alpha1.TridentConfig{},
			}),
	)

	DescribeTable("#DefaultStorageClassName",
		func(protocol v1alpha1.Protocol, name string) {
			Expect(v1alpha1.DefaultStorageClassName(protocol)).To(Equal(name))
		},
		Entry("nvme-tcp", v1alpha1.ProtocolNVMeTCP, "ontap-nvme"),
		Entry("iscsi", v1alpha1.ProtocolISCSI, "ontap-iscsi"),
		Entry("nfs", v1alpha1.ProtocolNFS, "ontap-nfs"),
	)
})
