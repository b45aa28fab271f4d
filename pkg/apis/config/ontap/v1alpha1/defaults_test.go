// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"time"

	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap/v1alpha1"
)

var _ = Describe("Defaults", func() {
	DescribeTable("#SetObjectDefaults_ControllerConfiguration",
		func(in, expected *v1alpha1.ControllerConfiguration) {
			v1alpha1.SetObjectDefaults_ControllerConfiguration(in)
			Expect(in).To(Equal(expected))
		},
		Entry("empty configuration",
			&v1alpha1.ControllerConfiguration{},
			&v1alpha1.ControllerConfiguration{
				ClientConnection:  &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 50, Burst: 100},
				HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: 30 * time.Second}},
				DefaultProtocols:  []string{"nvme-tcp"},
			}),
		Entry("set values are kept",
			&v1alpha1.ControllerConfiguration{
				ClientConnection:  &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 1, Burst: 2},
				HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Hour}},
				DefaultProtocols:  []string{"nfs"},
			},
			&v1alpha1.ControllerConfiguration{
				ClientConnection:  &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 1, Burst: 2},
				HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Hour}},
				DefaultProtocols:  []string{"nfs"},
			}),
	)
})
