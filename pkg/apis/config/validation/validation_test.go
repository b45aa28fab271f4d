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
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/validation"
)

func fieldErr(errorType field.ErrorType, path string) gomegatypes.GomegaMatcher {
	return gstruct.PointTo(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
		"Type":  Equal(errorType),
		"Field": Equal(path),
	}))
}

var _ = Describe("Shared component config validation", func() {
	DescribeTable("#ValidateClientConnection",
		func(config *componentbaseconfigv1alpha1.ClientConnectionConfiguration, matchers ...gomegatypes.GomegaMatcher) {
			errs := validation.ValidateClientConnection(config, field.NewPath("clientConnection"))
			if len(matchers) == 0 {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ConsistOf(matchers))
		},
		Entry("nil", nil),
		Entry("valid", &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 50, Burst: 100}),
		Entry("zero QPS", &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 0, Burst: 100},
			fieldErr(field.ErrorTypeInvalid, "clientConnection.qps")),
		Entry("negative QPS", &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: -1, Burst: 100},
			fieldErr(field.ErrorTypeInvalid, "clientConnection.qps")),
		Entry("negative burst", &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 50, Burst: -1},
			fieldErr(field.ErrorTypeInvalid, "clientConnection.burst")),
	)

	DescribeTable("#ValidateHealthCheckConfig",
		func(config *healthcheckconfigv1alpha1.HealthCheckConfig, matchers ...gomegatypes.GomegaMatcher) {
			errs := validation.ValidateHealthCheckConfig(config, field.NewPath("healthCheckConfig"))
			if len(matchers) == 0 {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ConsistOf(matchers))
		},
		Entry("nil", nil),
		Entry("valid", &healthcheckconfigv1alpha1.HealthCheckConfig{
			SyncPeriod:       metav1.Duration{Duration: time.Minute},
			ShootRESTOptions: &healthcheckconfigv1alpha1.RESTOptions{QPS: new(float32(5)), Burst: new(10), Timeout: new(time.Duration(0))},
		}),
		Entry("zero sync period", &healthcheckconfigv1alpha1.HealthCheckConfig{},
			fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.syncPeriod")),
		Entry("invalid shoot REST options", &healthcheckconfigv1alpha1.HealthCheckConfig{
			SyncPeriod:       metav1.Duration{Duration: time.Minute},
			ShootRESTOptions: &healthcheckconfigv1alpha1.RESTOptions{QPS: new(float32(0)), Burst: new(-1), Timeout: new(-time.Second)},
		},
			fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.shootRESTOptions.qps"),
			fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.shootRESTOptions.burst"),
			fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.shootRESTOptions.timeout")),
	)

	DescribeTable("#ValidatePositiveDuration",
		func(d *metav1.Duration, valid bool) {
			errs := validation.ValidatePositiveDuration(d, field.NewPath("period"))
			if valid {
				Expect(errs).To(BeEmpty())
				return
			}
			Expect(errs).To(ConsistOf(fieldErr(field.ErrorTypeInvalid, "period")))
		},
		Entry("nil", nil, true),
		Entry("positive", &metav1.Duration{Duration: time.Second}, true),
		Entry("zero", &metav1.Duration{}, false),
		Entry("negative", &metav1.Duration{Duration: -time.Second}, false),
	)
})
