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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap/validation"
)

func fieldErr(errorType field.ErrorType, path string) gomegatypes.GomegaMatcher {
	return gstruct.PointTo(gstruct.MatchFields(gstruct.IgnoreExtras, gstruct.Fields{
		"Type":  Equal(errorType),
		"Field": Equal(path),
	}))
}

// validConfig is a defaulted configuration that uses every field and passes validation.
func validConfig() *ontap.ControllerConfiguration {
	return &ontap.ControllerConfiguration{
		ClientConnection: &componentbaseconfigv1alpha1.ClientConnectionConfiguration{QPS: 50, Burst: 100},
		Clusters: []ontap.ClusterReference{
			{Name: "cluster-a", SecretRef: corev1.SecretReference{Name: "ontap-cluster-a", Namespace: "garden"}},
			{Name: "cluster-b", SecretRef: corev1.SecretReference{Name: "ontap-cluster-b", Namespace: "garden"}},
		},
		DataNetworkID:     "storage",
		HealthCheckConfig: &healthcheckconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: 30 * time.Second}},
		Trident:           &ontap.TridentConfiguration{Version: "24.06.0"},
		DefaultProtocols:  []string{"nvme-tcp", "nfs"},
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
		func(mutate func(*ontap.ControllerConfiguration), matchers ...gomegatypes.GomegaMatcher) {
			cfg := validConfig()
			mutate(cfg)
			Expect(validation.ValidateControllerConfiguration(cfg)).To(ConsistOf(matchers))
		},
		Entry("client connection QPS negative", func(c *ontap.ControllerConfiguration) { c.ClientConnection.QPS = -1 },
			fieldErr(field.ErrorTypeInvalid, "clientConnection.qps")),
		Entry("client connection burst zero", func(c *ontap.ControllerConfiguration) { c.ClientConnection.Burst = 0 },
			fieldErr(field.ErrorTypeInvalid, "clientConnection.burst")),

		Entry("no clusters", func(c *ontap.ControllerConfiguration) { c.Clusters = nil },
			fieldErr(field.ErrorTypeRequired, "clusters")),
		Entry("cluster without name", func(c *ontap.ControllerConfiguration) { c.Clusters[1].Name = "" },
			fieldErr(field.ErrorTypeRequired, "clusters[1].name")),
		Entry("cluster name not a DNS-1123 label", func(c *ontap.ControllerConfiguration) { c.Clusters[1].Name = "Cluster.B" },
			fieldErr(field.ErrorTypeInvalid, "clusters[1].name")),
		Entry("duplicate cluster name", func(c *ontap.ControllerConfiguration) { c.Clusters[1].Name = "cluster-a" },
			fieldErr(field.ErrorTypeDuplicate, "clusters[1].name")),
		Entry("secret ref without name", func(c *ontap.ControllerConfiguration) { c.Clusters[1].SecretRef.Name = "" },
			fieldErr(field.ErrorTypeRequired, "clusters[1].secretRef.name")),
		Entry("secret ref with invalid name", func(c *ontap.ControllerConfiguration) { c.Clusters[1].SecretRef.Name = "Secret_B" },
			fieldErr(field.ErrorTypeInvalid, "clusters[1].secretRef.name")),
		Entry("secret ref without namespace", func(c *ontap.ControllerConfiguration) { c.Clusters[1].SecretRef.Namespace = "" },
			fieldErr(field.ErrorTypeRequired, "clusters[1].secretRef.namespace")),
		Entry("secret ref with invalid namespace", func(c *ontap.ControllerConfiguration) { c.Clusters[1].SecretRef.Namespace = "garden.system" },
			fieldErr(field.ErrorTypeInvalid, "clusters[1].secretRef.namespace")),

		Entry("no data network", func(c *ontap.ControllerConfiguration) { c.DataNetworkID = "" },
			fieldErr(field.ErrorTypeRequired, "dataNetworkID")),

		Entry("health check sync period negative", func(c *ontap.ControllerConfiguration) {
			c.HealthCheckConfig.SyncPeriod = metav1.Duration{Duration: -time.Second}
		}, fieldErr(field.ErrorTypeInvalid, "healthCheckConfig.syncPeriod")),

		Entry("trident version not a release", func(c *ontap.ControllerConfiguration) { c.Trident.Version = "latest" },
			fieldErr(field.ErrorTypeInvalid, "trident.version")),

		Entry("no default protocols", func(c *ontap.ControllerConfiguration) { c.DefaultProtocols = nil },
			fieldErr(field.ErrorTypeRequired, "defaultProtocols")),
		Entry("unknown default protocol", func(c *ontap.ControllerConfiguration) { c.DefaultProtocols[1] = "fc" },
			fieldErr(field.ErrorTypeNotSupported, "defaultProtocols[1]")),
		Entry("duplicate default protocol", func(c *ontap.ControllerConfiguration) { c.DefaultProtocols[1] = "nvme-tcp" },
			fieldErr(field.ErrorTypeDuplicate, "defaultProtocols[1]")),
	)

	DescribeTable("accepts valid variants",
		func(mutate func(*ontap.ControllerConfiguration)) {
			cfg := validConfig()
			mutate(cfg)
			Expect(validation.ValidateControllerConfiguration(cfg)).To(BeEmpty())
		},
		Entry("no trident section", func(c *ontap.ControllerConfiguration) { c.Trident = nil }),
		Entry("trident without version", func(c *ontap.ControllerConfiguration) { c.Trident.Version = "" }),
		Entry("trident pre-release with v prefix", func(c *ontap.ControllerConfiguration) { c.Trident.Version = "v24.10.0-rc.1" }),
		Entry("insecure TLS for a lab", func(c *ontap.ControllerConfiguration) { c.InsecureSkipTLSVerify = true }),
		Entry("no client connection and health check", func(c *ontap.ControllerConfiguration) { c.ClientConnection, c.HealthCheckConfig = nil, nil }),
		Entry("one cluster", func(c *ontap.ControllerConfiguration) { c.Clusters = c.Clusters[:1] }),
	)
})
