// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"time"

	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/v1alpha1"
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
				ETCD: v1alpha1.ETCD{
					Storage: v1alpha1.ETCDStorage{ClassName: new("gardener.cloud-fast"), Capacity: new(resource.MustParse("25Gi"))},
					Backup:  v1alpha1.ETCDBackup{Schedule: new("0 */24 * * *")},
				},
				MetalAPI: v1alpha1.MetalAPIClientConfig{
					RequestTimeout: &metav1.Duration{Duration: 30 * time.Second},
					QPS:            new(float32(20)),
					Burst:          new(40),
				},
			}),
		Entry("set values are kept",
			&v1alpha1.ControllerConfiguration{
				ClientConnection:  &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 1, Burst: 2, Kubeconfig: "k"},
				HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Hour}},
				ETCD: v1alpha1.ETCD{
					Storage: v1alpha1.ETCDStorage{ClassName: new("x"), Capacity: new(resource.MustParse("1Gi"))},
					Backup:  v1alpha1.ETCDBackup{Schedule: new("1 1 * * *"), DeltaSnapshotPeriod: &metav1.Duration{Duration: time.Minute}},
				},
				MetalAPI: v1alpha1.MetalAPIClientConfig{RequestTimeout: &metav1.Duration{Duration: time.Second}, QPS: new(float32(1)), Burst: new(2)},
			},
			&v1alpha1.ControllerConfiguration{
				ClientConnection:  &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 1, Burst: 2, Kubeconfig: "k"},
				HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Hour}},
				ETCD: v1alpha1.ETCD{
					Storage: v1alpha1.ETCDStorage{ClassName: new("x"), Capacity: new(resource.MustParse("1Gi"))},
					Backup:  v1alpha1.ETCDBackup{Schedule: new("1 1 * * *"), DeltaSnapshotPeriod: &metav1.Duration{Duration: time.Minute}},
				},
				MetalAPI: v1alpha1.MetalAPIClientConfig{RequestTimeout: &metav1.Duration{Duration: time.Second}, QPS: new(float32(1)), Burst: new(2)},
			}),
	)
})
