// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	"time"

	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gstruct"
	gomegatypes "github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/validation"
)

func fieldErr(errorType field.ErrorType, path string) gomegatypes.GomegaMatcher {
	return gstruct.PointTo(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
		"Type":  Equal(errorType),
		"Field": Equal(path),
	}))
}

// validConfig is a defaulted configuration that uses every field and passes validation.
func validConfig() *metal.ControllerConfiguration {
	return &metal.ControllerConfiguration{
		ClientConnection: &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 50, Burst: 100},
		MachineImages: []metal.MachineImage{
			{Name: "ubuntu", Version: "24.04", Image: "ubuntu-24.04"},
			{Name: "ubuntu", Version: "22.04", Image: "ubuntu-22.04"},
		},
		ETCD: metal.ETCD{
			Storage: metal.ETCDStorage{ClassName: new("gardener.cloud-fast"), Capacity: new(resource.MustParse("25Gi"))},
			Backup:  metal.ETCDBackup{Schedule: new("0 */24 * * *"), DeltaSnapshotPeriod: &metav1.Duration{Duration: 5 * time.Minute}},
		},
		HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: 30 * time.Second}},
		MetalAPI: metal.MetalAPIClientConfig{
			RequestTimeout: &metav1.Duration{Duration: 30 * time.Second},
			QPS:            new(float32(20)),
			Burst:          new(40),
		},
		FeatureGates: map[string]bool{"DualStackNodeNetworks": true},
	}
}

var _ = Describe("#ValidateControllerConfiguration", func() {
	It("accepts a valid configuration", func() {
		Expect(validation.ValidateControllerConfiguration(validConfig())).To(BeEmpty())
	})

	It("requires a configuration", func() {
		Expect(validation.ValidateControllerConfiguration(nil)).To(ConsistOf(fieldErr(field.ErrorTypeRequired, "<nil>")))
	})

	DescribeTable("rejects invalid configurations",
		func(mutate func(*metal.ControllerConfiguration), matchers ...gomegatypes.GomegaMatcher) {
			cfg := validConfig()
			mutate(cfg)
			Expect(validation.ValidateControllerConfiguration(cfg)).To(ConsistOf(matchers))
		},
		Entry("client connection QPS zero", func(c *metal.ControllerConfiguration) { c.ClientConnection.QPS = 0 },
			fieldErr(field.ErrorTypeInvalid, "clientConnection.qps")),
		Entry("client connection burst negative", func(c *metal.ControllerConfiguration) { c.ClientConnection.Burst = -1 },
			fieldErr(field.ErrorTypeInvalid, "clientConnection.burst")),

		Entry("machine image without name", func(c *metal.ControllerConfiguration) { c.MachineImages[1].Name = "" },
			fieldErr(field.ErrorTypeRequired, "machineImages[1].name")),
		Entry("machine image without version", func(c *metal.ControllerConfiguration) { c.MachineImages[1].Version = "" },
			fieldErr(field.ErrorTypeRequired, "machineImages[1].version")),
		Entry("machine image without image", func(c *metal.ControllerConfiguration) { c.MachineImages[1].Image = "" },
			fieldErr(field.ErrorTypeRequired, "machineImages[1].image")),
		Entry("duplicate machine image", func(c *metal.ControllerConfiguration) { c.MachineImages[1].Version = "24.04" },
			fieldErr(field.ErrorTypeDuplicate, "machineImages[1]")),

		Entry("etcd storage class missing", func(c *metal.ControllerConfiguration) { c.ETCD.Storage.ClassName = nil },
			fieldErr(field.ErrorTypeRequired, "etcd.storage.className")),
		Entry("etcd storage class empty", func(c *metal.ControllerConfiguration) { c.ETCD.Storage.ClassName = new("") },
			fieldErr(field.ErrorTypeRequired, "etcd.storage.className")),
		Entry("etcd capacity missing", func(c *metal.ControllerConfiguration) { c.ETCD.Storage.Capacity = nil },
			fieldErr(field.ErrorTypeRequired, "etcd.storage.capacity")),
		Entry("etcd capacity zero", func(c *metal.ControllerConfiguration) { c.ETCD.Storage.Capacity = new(resource.MustParse("0")) },
			fieldErr(field.ErrorTypeInvalid, "etcd.storage.capacity")),
		Entry("etcd capacity negative", func(c *metal.ControllerConfiguration) { c.ETCD.Storage.Capacity = new(resource.MustParse("-1Gi")) },
			fieldErr(field.ErrorTypeInvalid, "etcd.storage.capacity")),
		Entry("backup schedule missing", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = nil },
			fieldErr(field.ErrorTypeRequired, "etcd.backup.schedule")),
		Entry("backup schedule with four fields", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("0 * * *") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("backup schedule minute out of range", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("60 * * * *") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("backup schedule reversed range", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("0 5-2 * * *") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("backup schedule zero step", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("*/0 * * * *") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("backup schedule day of month zero", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("0 0 0 * *") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("backup schedule with words", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.Schedule = new("@daily") },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.schedule")),
		Entry("delta snapshot period zero", func(c *metal.ControllerConfiguration) { c.ETCD.Backup.DeltaSnapshotPeriod = &metav1.Duration{} },
			fieldErr(field.ErrorTypeInvalid, "etcd.backup.deltaSnapshotPeriod")),

		Entry("health check sync period zero", func(c *metal.ControllerConfiguration) { c.HealthCheckConfig.SyncPeriod = metav1.Duration{} },
			fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.syncPeriod")),

		Entry("metal-api request timeout missing", func(c *metal.ControllerConfiguration) { c.MetalAPI.RequestTimeout = nil },
			fieldErr(field.ErrorTypeRequired, "metalAPI.requestTimeout")),
		Entry("metal-api request timeout negative", func(c *metal.ControllerConfiguration) {
			c.MetalAPI.RequestTimeout = &metav1.Duration{Duration: -time.Second}
		}, fieldErr(field.ErrorTypeInvalid, "metalAPI.requestTimeout")),
		Entry("metal-api QPS missing", func(c *metal.ControllerConfiguration) { c.MetalAPI.QPS = nil },
			fieldErr(field.ErrorTypeRequired, "metalAPI.qps")),
		Entry("metal-api QPS zero", func(c *metal.ControllerConfiguration) { c.MetalAPI.QPS = new(float32(0)) },
			fieldErr(field.ErrorTypeInvalid, "metalAPI.qps")),
		Entry("metal-api burst missing", func(c *metal.ControllerConfiguration) { c.MetalAPI.Burst = nil },
			fieldErr(field.ErrorTypeRequired, "metalAPI.burst")),
		Entry("metal-api burst zero", func(c *metal.ControllerConfiguration) { c.MetalAPI.Burst = new(0) },
			fieldErr(field.ErrorTypeInvalid, "metalAPI.burst")),

		Entry("feature gate not upper camel case", func(c *metal.ControllerConfiguration) { c.FeatureGates["dual-stack"] = true },
			fieldErr(field.ErrorTypeInvalid, "featureGates[dual-stack]")),
	)

	DescribeTable("accepts cron schedules",
		func(schedule string) {
			cfg := validConfig()
			cfg.ETCD.Backup.Schedule = &schedule
			Expect(validation.ValidateControllerConfiguration(cfg)).To(BeEmpty())
		},
		Entry("every hour", "0 * * * *"),
		Entry("step beyond the range", "0 */24 * * *"),
		Entry("lists, ranges and steps", "0,30 1-5/2 1-31 */3 1-5"),
		Entry("Sunday as 7", "15 3 * * 7"),
		Entry("extra whitespace", " 0  0 * * * "),
	)

	It("accepts a configuration without optional parts", func() {
		cfg := validConfig()
		cfg.ClientConnection, cfg.HealthCheckConfig, cfg.MachineImages, cfg.FeatureGates = nil, nil, nil, nil
		cfg.ETCD.Backup.DeltaSnapshotPeriod = nil
		Expect(validation.ValidateControllerConfiguration(cfg)).To(BeEmpty())
	})
})
