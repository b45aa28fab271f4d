// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package loader_test

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap/loader"
	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap/validation"
)

var _ = Describe("Loader", func() {
	It("loads a file into the internal version with defaults applied", func() {
		config, err := loader.LoadFromFile(filepath.Join("testdata", "config.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(config.Clusters).To(Equal([]ontap.ClusterReference{
			{Name: "cluster-a", SecretRef: corev1.SecretReference{Name: "ontap-cluster-a", Namespace: "garden"}},
		}))
		Expect(config.DataNetworkID).To(Equal("storage-net"))
		Expect(config.DefaultProtocols).To(Equal([]string{"nvme-tcp"}))
		Expect(config.HealthCheckConfig.SyncPeriod.Duration).To(Equal(30 * time.Second))
		Expect(config.ClientConnection.Burst).To(Equal(int32(100)))
		Expect(validation.ValidateControllerConfiguration(config)).To(BeEmpty())
	})

	DescribeTable("rejects",
		func(fixture, message string) {
			_, err := loader.LoadFromFile(filepath.Join("testdata", fixture))
			Expect(err).To(MatchError(ContainSubstring(message)))
		},
		Entry("an unknown field, naming it", "config-unknown-field.yaml", `unknown field "clusters[0].password"`),
		Entry("another API group", "config-wrong-group.yaml", "metal.provider.extensions.config.gardener.cloud"),
		Entry("a missing file", "does-not-exist.yaml", "reading ontap controller configuration"),
	)

	DescribeTable("rejects documents without type meta, which would skip versioning and defaults",
		func(document string) {
			_, err := loader.Decode([]byte(document))
			Expect(err).To(MatchError(ContainSubstring("apiVersion and kind must be set")))
		},
		Entry("no kind", "apiVersion: ontap.extensions.config.gardener.cloud/v1alpha1\n"),
		Entry("no apiVersion", "kind: ControllerConfiguration\n"),
		Entry("empty document", ""),
	)
})
