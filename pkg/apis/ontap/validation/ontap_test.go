// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"
	gomegatypes "github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/validation"
)

// fieldErr matches a *field.Error by type and path.
func fieldErr(errorType field.ErrorType, path string) gomegatypes.GomegaMatcher {
	return gstruct.PointTo(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
		"Type":  Equal(errorType),
		"Field": Equal(path),
	}))
}

// validConfig is a defaulted configuration that uses every field and passes validation.
func validConfig() *ontap.OntapConfig {
	return &ontap.OntapConfig{
		Protocols: []ontap.Protocol{ontap.ProtocolNVMeTCP, ontap.ProtocolNFS},
		SVM: &ontap.SVMConfig{
			Cluster:              new("cluster-a"),
			Aggregates:           []string{"aggr1", "aggr_2"},
			DataNetworkID:        new("storage"),
			DataLIFAddresses:     []string{"10.0.0.10", "2001:db8::10"},
			ManagementLIFAddress: new("10.0.0.9"),
			MaxVolumes:           new(int32(100)),
			QoS:                  &ontap.QoSPolicy{MaxThroughputMBps: new(int64(500)), MaxIOPS: new(int64(10000))},
			DeletionPolicy:       ontap.DeletionPolicyDelete,
			LIFsPerNode:          new(int32(1)),
		},
		StorageClasses: []ontap.StorageClass{
			{
				Name:                 "ontap-nvme",
				Protocol:             ontap.ProtocolNVMeTCP,
				Default:              true,
				Parameters:           map[string]string{"fsType": "xfs", "trident.netapp.io/snapshots": "true"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
				AllowVolumeExpansion: new(true),
				VolumeBindingMode:    new(storagev1.VolumeBindingImmediate),
			},
			{
				Name:                 "ontap-nfs",
				Protocol:             ontap.ProtocolNFS,
				MountOptions:         []string{"nfsvers=4.1"},
				ReclaimPolicy:        new(corev1.PersistentVolumeReclaimRetain),
				AllowVolumeExpansion: new(true),
				VolumeBindingMode:    new(storagev1.VolumeBindingWaitForFirstConsumer),
			},
		},
		Trident: &ontap.TridentConfig{Debug: true},
	}
}

var _ = Describe("#ValidateOntapConfig", func() {
	It("accepts a valid configuration", func() {
		Expect(validation.ValidateOntapConfig(validConfig(), nil)).To(BeEmpty())
	})

	It("accepts a configuration without SVM section and storage classes", func() {
		Expect(validation.ValidateOntapConfig(&ontap.OntapConfig{Protocols: []ontap.Protocol{ontap.ProtocolISCSI}}, nil)).To(BeEmpty())
	})

	It("requires a configuration", func() {
		Expect(validation.ValidateOntapConfig(nil, field.NewPath("providerConfig"))).To(ConsistOf(fieldErr(field.ErrorTypeRequired, "providerConfig")))
	})

	It("prefixes paths with the given path", func() {
		cfg := validConfig()
		cfg.SVM.LIFsPerNode = new(int32(0))
		Expect(validation.ValidateOntapConfig(cfg, field.NewPath("spec", "providerConfig"))).To(ConsistOf(
			fieldErr(field.ErrorTypeInvalid, "spec.providerConfig.svm.lifsPerNode")))
	})

	DescribeTable("rejects invalid configurations",
		func(mutate func(*ontap.OntapConfig), matchers ...gomegatypes.GomegaMatcher) {
			cfg := validConfig()
			mutate(cfg)
			Expect(validation.ValidateOntapConfig(cfg, nil)).To(ConsistOf(matchers))
		},

		// protocols
		Entry("no protocols", func(c *ontap.OntapConfig) { c.Protocols = nil; c.StorageClasses = nil; c.SVM.DataLIFAddresses = nil },
			fieldErr(field.ErrorTypeRequired, "protocols")),
		Entry("unknown protocol", func(c *ontap.OntapConfig) { c.Protocols = append(c.Protocols, "smb") },
			fieldErr(field.ErrorTypeNotSupported, "protocols[2]")),
		Entry("duplicate protocol", func(c *ontap.OntapConfig) { c.Protocols = append(c.Protocols, ontap.ProtocolNFS) },
			fieldErr(field.ErrorTypeDuplicate, "protocols[2]")),

		// svm
		Entry("empty cluster", func(c *ontap.OntapConfig) { c.SVM.Cluster = new("") },
			fieldErr(field.ErrorTypeRequired, "svm.cluster")),
		Entry("cluster not a DNS-1123 label", func(c *ontap.OntapConfig) { c.SVM.Cluster = new("Cluster_A") },
			fieldErr(field.ErrorTypeInvalid, "svm.cluster")),
		Entry("empty aggregate", func(c *ontap.OntapConfig) { c.SVM.Aggregates[1] = "" },
			fieldErr(field.ErrorTypeRequired, "svm.aggregates[1]")),
		Entry("invalid aggregate name", func(c *ontap.OntapConfig) { c.SVM.Aggregates[1] = "1aggr-x" },
			fieldErr(field.ErrorTypeInvalid, "svm.aggregates[1]")),
		Entry("duplicate aggregate", func(c *ontap.OntapConfig) { c.SVM.Aggregates = append(c.SVM.Aggregates, "aggr1") },
			fieldErr(field.ErrorTypeDuplicate, "svm.aggregates[2]")),
		Entry("empty data network", func(c *ontap.OntapConfig) { c.SVM.DataNetworkID = new("") },
			fieldErr(field.ErrorTypeRequired, "svm.dataNetworkID")),
		Entry("data LIF address not an IP", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses[0] = "10.0.0.300" },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses[0]")),
		Entry("data LIF address with prefix length", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses[0] = "10.0.0.10/24" },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses[0]")),
		Entry("data LIF address loopback", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses[1] = "::1" },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses[1]")),
		Entry("data LIF address unspecified", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses[0] = "0.0.0.0" },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses[0]")),
		Entry("data LIF address with zone", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses[1] = "2001:db8::10%eth0" },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses[1]")),
		Entry("duplicate data LIF address, also in another spelling", func(c *ontap.OntapConfig) {
			c.SVM.DataLIFAddresses = append(c.SVM.DataLIFAddresses, "2001:db8:0::10")
		}, fieldErr(field.ErrorTypeDuplicate, "svm.dataLIFAddresses[2]")),
		Entry("fewer data LIF addresses than protocols", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses = c.SVM.DataLIFAddresses[:1] },
			fieldErr(field.ErrorTypeInvalid, "svm.dataLIFAddresses")),
		Entry("management LIF address not an IP", func(c *ontap.OntapConfig) { c.SVM.ManagementLIFAddress = new("mgmt.example.com") },
			fieldErr(field.ErrorTypeInvalid, "svm.managementLIFAddress")),
		Entry("management LIF address multicast", func(c *ontap.OntapConfig) { c.SVM.ManagementLIFAddress = new("ff02::1") },
			fieldErr(field.ErrorTypeInvalid, "svm.managementLIFAddress")),
		Entry("management LIF address equal to a data LIF address", func(c *ontap.OntapConfig) { c.SVM.ManagementLIFAddress = new("10.0.0.10") },
			fieldErr(field.ErrorTypeDuplicate, "svm.managementLIFAddress")),
		Entry("maxVolumes zero", func(c *ontap.OntapConfig) { c.SVM.MaxVolumes = new(int32(0)) },
			fieldErr(field.ErrorTypeInvalid, "svm.maxVolumes")),
		Entry("maxVolumes negative", func(c *ontap.OntapConfig) { c.SVM.MaxVolumes = new(int32(-1)) },
			fieldErr(field.ErrorTypeInvalid, "svm.maxVolumes")),
		Entry("QoS throughput zero", func(c *ontap.OntapConfig) { c.SVM.QoS.MaxThroughputMBps = new(int64(0)) },
			fieldErr(field.ErrorTypeInvalid, "svm.qos.maxThroughputMBps")),
		Entry("QoS IOPS negative", func(c *ontap.OntapConfig) { c.SVM.QoS.MaxIOPS = new(int64(-5)) },
			fieldErr(field.ErrorTypeInvalid, "svm.qos.maxIOPS")),
		Entry("empty deletion policy", func(c *ontap.OntapConfig) { c.SVM.DeletionPolicy = "" },
			fieldErr(field.ErrorTypeNotSupported, "svm.deletionPolicy")),
		Entry("unknown deletion policy", func(c *ontap.OntapConfig) { c.SVM.DeletionPolicy = "orphan" },
			fieldErr(field.ErrorTypeNotSupported, "svm.deletionPolicy")),
		Entry("lifsPerNode below 1", func(c *ontap.OntapConfig) { c.SVM.LIFsPerNode = new(int32(0)) },
			fieldErr(field.ErrorTypeInvalid, "svm.lifsPerNode")),
		Entry("lifsPerNode above 4", func(c *ontap.OntapConfig) { c.SVM.LIFsPerNode = new(int32(5)) },
			fieldErr(field.ErrorTypeInvalid, "svm.lifsPerNode")),

		// storage classes
		Entry("empty storage class name", func(c *ontap.OntapConfig) { c.StorageClasses[1].Name = "" },
			fieldErr(field.ErrorTypeRequired, "storageClasses[1].name")),
		Entry("storage class name not a DNS-1123 subdomain", func(c *ontap.OntapConfig) { c.StorageClasses[1].Name = "ONTAP_NFS" },
			fieldErr(field.ErrorTypeInvalid, "storageClasses[1].name")),
		Entry("duplicate storage class name", func(c *ontap.OntapConfig) { c.StorageClasses[1].Name = "ontap-nvme" },
			fieldErr(field.ErrorTypeDuplicate, "storageClasses[1].name")),
		Entry("empty storage class protocol", func(c *ontap.OntapConfig) { c.StorageClasses[1].Protocol = "" },
			fieldErr(field.ErrorTypeRequired, "storageClasses[1].protocol")),
		Entry("unknown storage class protocol", func(c *ontap.OntapConfig) { c.StorageClasses[1].Protocol = "smb" },
			fieldErr(field.ErrorTypeNotSupported, "storageClasses[1].protocol")),
		Entry("storage class protocol not enabled", func(c *ontap.OntapConfig) { c.StorageClasses[1].Protocol = ontap.ProtocolISCSI },
			fieldErr(field.ErrorTypeInvalid, "storageClasses[1].protocol")),
		Entry("two default storage classes", func(c *ontap.OntapConfig) { c.StorageClasses[1].Default = true },
			fieldErr(field.ErrorTypeForbidden, "storageClasses[1].default")),
		Entry("reserved parameter backendType", func(c *ontap.OntapConfig) { c.StorageClasses[0].Parameters["backendType"] = "ontap-nas" },
			fieldErr(field.ErrorTypeForbidden, "storageClasses[0].parameters[backendType]")),
		Entry("reserved parameter trident.netapp.io/backendType", func(c *ontap.OntapConfig) {
			c.StorageClasses[0].Parameters["trident.netapp.io/backendType"] = "ontap-nas"
		}, fieldErr(field.ErrorTypeForbidden, "storageClasses[0].parameters[trident.netapp.io/backendType]")),
		Entry("parameter key not a qualified name", func(c *ontap.OntapConfig) { c.StorageClasses[0].Parameters["bad key"] = "x" },
			fieldErr(field.ErrorTypeInvalid, "storageClasses[0].parameters[bad key]")),
		Entry("unknown reclaim policy", func(c *ontap.OntapConfig) {
			c.StorageClasses[1].ReclaimPolicy = new(corev1.PersistentVolumeReclaimRecycle)
		},
			fieldErr(field.ErrorTypeNotSupported, "storageClasses[1].reclaimPolicy")),
		Entry("unknown volume binding mode", func(c *ontap.OntapConfig) {
			c.StorageClasses[1].VolumeBindingMode = new(storagev1.VolumeBindingMode("Lazy"))
		},
			fieldErr(field.ErrorTypeNotSupported, "storageClasses[1].volumeBindingMode")),
		Entry("empty mount option", func(c *ontap.OntapConfig) {
			c.StorageClasses[1].MountOptions = append(c.StorageClasses[1].MountOptions, "")
		},
			fieldErr(field.ErrorTypeRequired, "storageClasses[1].mountOptions[1]")),

		Entry("several errors at once", func(c *ontap.OntapConfig) {
			c.Protocols = []ontap.Protocol{ontap.ProtocolNVMeTCP}
			c.SVM.DataLIFAddresses = nil
			c.SVM.LIFsPerNode = new(int32(9))
		},
			fieldErr(field.ErrorTypeInvalid, "storageClasses[1].protocol"),
			fieldErr(field.ErrorTypeInvalid, "svm.lifsPerNode")),
	)

	DescribeTable("accepts valid variants",
		func(mutate func(*ontap.OntapConfig)) {
			cfg := validConfig()
			mutate(cfg)
			Expect(validation.ValidateOntapConfig(cfg, nil)).To(BeEmpty())
		},
		Entry("retain deletion policy", func(c *ontap.OntapConfig) { c.SVM.DeletionPolicy = ontap.DeletionPolicyRetain }),
		Entry("lifsPerNode 4", func(c *ontap.OntapConfig) { c.SVM.LIFsPerNode = new(int32(4)) }),
		Entry("more data LIF addresses than protocols", func(c *ontap.OntapConfig) {
			c.SVM.DataLIFAddresses = append(c.SVM.DataLIFAddresses, "10.0.0.11", "2001:db8::11")
		}),
		Entry("no explicit addresses", func(c *ontap.OntapConfig) { c.SVM.DataLIFAddresses = nil; c.SVM.ManagementLIFAddress = nil }),
		Entry("IPv6 management LIF address", func(c *ontap.OntapConfig) { c.SVM.ManagementLIFAddress = new("2001:db8::9") }),
		Entry("no default storage class", func(c *ontap.OntapConfig) { c.StorageClasses[0].Default = false }),
		Entry("all three protocols", func(c *ontap.OntapConfig) {
			c.Protocols = []ontap.Protocol{ontap.ProtocolISCSI, ontap.ProtocolNVMeTCP, ontap.ProtocolNFS}
			c.SVM.DataLIFAddresses = append(c.SVM.DataLIFAddresses, "10.0.0.12")
		}),
		Entry("QoS with only one limit", func(c *ontap.OntapConfig) { c.SVM.QoS.MaxIOPS = nil }),
	)
})

var _ = Describe("#ValidateOntapConfigUpdate", func() {
	DescribeTable("transitions",
		func(mutateOld, mutateNew func(*ontap.OntapConfig), matchers ...gomegatypes.GomegaMatcher) {
			oldCfg, newCfg := validConfig(), validConfig()
			mutateOld(oldCfg)
			mutateNew(newCfg)
			errs := validation.ValidateOntapConfigUpdate(oldCfg, newCfg, nil)
			if len(matchers) == 0 {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ConsistOf(matchers))
		},
		Entry("no change", func(*ontap.OntapConfig) {}, func(*ontap.OntapConfig) {}),
		Entry("cluster changed", func(*ontap.OntapConfig) {}, func(c *ontap.OntapConfig) { c.SVM.Cluster = new("cluster-b") },
			fieldErr(field.ErrorTypeInvalid, "svm.cluster")),
		Entry("cluster removed", func(*ontap.OntapConfig) {}, func(c *ontap.OntapConfig) { c.SVM.Cluster = nil },
			fieldErr(field.ErrorTypeInvalid, "svm.cluster")),
		Entry("cluster set for the first time", func(c *ontap.OntapConfig) { c.SVM.Cluster = nil }, func(*ontap.OntapConfig) {}),
		Entry("data network changed", func(*ontap.OntapConfig) {}, func(c *ontap.OntapConfig) { c.SVM.DataNetworkID = new("other") },
			fieldErr(field.ErrorTypeInvalid, "svm.dataNetworkID")),
		Entry("data network removed with the SVM section", func(*ontap.OntapConfig) {}, func(c *ontap.OntapConfig) { c.SVM = nil },
			fieldErr(field.ErrorTypeInvalid, "svm.cluster"),
			fieldErr(field.ErrorTypeInvalid, "svm.dataNetworkID")),
		Entry("data network set for the first time", func(c *ontap.OntapConfig) { c.SVM.DataNetworkID = nil }, func(*ontap.OntapConfig) {}),
		Entry("deletion policy changed", func(*ontap.OntapConfig) {}, func(c *ontap.OntapConfig) { c.SVM.DeletionPolicy = ontap.DeletionPolicyRetain }),
		Entry("old config without SVM section", func(c *ontap.OntapConfig) { c.SVM = nil }, func(*ontap.OntapConfig) {}),
	)
})
