// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateControlPlaneConfig", func() {
	DescribeTable("validates",
		func(mutate func(*metal.ControlPlaneConfig), matchers ...types.GomegaMatcher) {
			cfg := validControlPlaneConfig()
			if mutate != nil {
				mutate(cfg)
			}
			expectErrors(validation.ValidateControlPlaneConfig(cfg, nil), matchers)
		},

		Entry("a complete config", nil),
		Entry("an empty config", func(cfg *metal.ControlPlaneConfig) { *cfg = metal.ControlPlaneConfig{} }),

		// network access type
		Entry("network access baseline", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessBaseline) }),
		Entry("network access forbidden", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessForbidden) }),
		Entry("an unknown network access type", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessType("open")) },
			notSupported("networkAccessType")),
		Entry("an empty network access type", func(cfg *metal.ControlPlaneConfig) { cfg.NetworkAccessType = new(metal.NetworkAccessType("")) },
			notSupported("networkAccessType")),

		// cloud-controller-manager
		Entry("an empty cloud-controller-manager config", func(cfg *metal.ControlPlaneConfig) {
			cfg.CloudControllerManager = &metal.CloudControllerManagerConfig{}
		}),
		Entry("an empty feature gate name", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.FeatureGates[""] = true },
			invalid("cloudControllerManager.featureGates[]")),
		Entry("a feature gate name with a dash", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.FeatureGates["Service-LB"] = true },
			invalid("cloudControllerManager.featureGates[Service-LB]")),
		Entry("an empty default external network", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager.DefaultExternalNetwork = new("") },
			required("cloudControllerManager.defaultExternalNetwork")),

		// storage
		Entry("no default StorageClass of the extension", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass.ClassName = "" }),
		Entry("an invalid StorageClass name", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass.ClassName = "Ontap_Gold" },
			invalid("customDefaultStorageClass.className")),
		Entry("csi-lvm as default with csi-lvm on", func(cfg *metal.ControlPlaneConfig) {
			cfg.FeatureGates.CSILVM = new(true)
			cfg.CustomDefaultStorageClass.ClassName = metal.CSILVMStorageClassName
		}),
		Entry("the csi-lvm default with csi-lvm unset", func(cfg *metal.ControlPlaneConfig) {
			cfg.FeatureGates.CSILVM, cfg.CustomDefaultStorageClass = nil, nil
		}),
		Entry("the csi-lvm default with csi-lvm off", func(cfg *metal.ControlPlaneConfig) { cfg.CustomDefaultStorageClass = nil },
			required("customDefaultStorageClass")),
		Entry("csi-lvm named as default with csi-lvm off", func(cfg *metal.ControlPlaneConfig) {
			cfg.CustomDefaultStorageClass.ClassName = metal.CSILVMStorageClassName
		}, invalid("customDefaultStorageClass.className")),
	)
})

var _ = Describe("ValidateControlPlaneConfigAgainstInfrastructure", func() {
	DescribeTable("validates",
		func(mutate func(*metal.ControlPlaneConfig), partitionID string, matchers ...types.GomegaMatcher) {
			cfg, infra := validControlPlaneConfig(), validInfrastructureConfig()
			if mutate != nil {
				mutate(cfg)
			}
			infra.PartitionID = partitionID
			expectErrors(validation.ValidateControlPlaneConfigAgainstInfrastructure(cfg, infra, validCloudProfileConfig(), nil), matchers)
		},

		Entry("restricted in a partition with network isolation", nil, "fra-equ01"),
		Entry("restricted in a partition that inherits network isolation", nil, "fra-equ02"),
		Entry("restricted in a partition without network isolation", nil, "ham-test01",
			forbidden("networkAccessType")),
		Entry("forbidden in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = new(metal.NetworkAccessForbidden)
		}, "ham-test01", forbidden("networkAccessType")),
		Entry("baseline in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = new(metal.NetworkAccessBaseline)
		}, "ham-test01"),
		Entry("no network access type in a partition without network isolation", func(cfg *metal.ControlPlaneConfig) {
			cfg.NetworkAccessType = nil
		}, "ham-test01"),
		Entry("a partition the profile does not offer (reported by the infrastructure validation)", nil, "muc-01"),
		Entry("a default external network that is not a firewall network", func(cfg *metal.ControlPlaneConfig) {
			cfg.CloudControllerManager.DefaultExternalNetwork = new("underlay")
		}, "fra-equ01", notSupported("cloudControllerManager.defaultExternalNetwork")),
		Entry("no default external network", func(cfg *metal.ControlPlaneConfig) { cfg.CloudControllerManager = nil }, "fra-equ01"),
	)
})
