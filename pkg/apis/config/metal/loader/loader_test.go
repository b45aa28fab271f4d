// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package loader_test

import (
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/validation"
)

var _ = Describe("Loader", func() {
	It("loads a file into the internal version with defaults applied", func() {
		config, err := loader.LoadFromFile(filepath.Join("testdata", "config.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(config.MachineImages).To(Equal([]metal.MachineImage{{Name: "ubuntu", Version: "24.04", Image: "ubuntu-24.04"}}))
		Expect(config.MetalAPI.QPS).To(Equal(new(float32(10))))
		Expect(config.MetalAPI.Burst).To(Equal(new(40)))
		Expect(config.MetalAPI.RequestTimeout.Duration).To(Equal(30 * time.Second))
		Expect(config.ClientConnection.QPS).To(Equal(float32(50)))
		Expect(*config.ETCD.Storage.ClassName).To(Equal("gardener.cloud-fast"))
		Expect(validation.ValidateControllerConfiguration(config)).To(BeEmpty())
	})

	It("decodes JSON", func() {
		config, err := loader.Decode([]byte(`{"apiVersion":"metal.provider.extensions.config.gardener.cloud/v1alpha1","kind":"ControllerConfiguration","featureGates":{"SomeFeature":true}}`))
		Expect(err).NotTo(HaveOccurred())
		Expect(config.FeatureGates).To(Equal(map[string]bool{"SomeFeature": true}))
	})

	DescribeTable("rejects",
		func(fixture, message string) {
			_, err := loader.LoadFromFile(filepath.Join("testdata", fixture))
			Expect(err).To(MatchError(ContainSubstring(message)))
		},
		Entry("an unknown field, naming it", "config-unknown-field.yaml", `unknown field "metalAPI.requestTimout"`),
		Entry("another API group", "config-wrong-group.yaml", "ontap.extensions.config.gardener.cloud"),
		Entry("a missing file", "does-not-exist.yaml", "reading provider-metal controller configuration"),
	)

	DescribeTable("rejects documents without type meta, which would skip versioning and defaults",
		func(document string) {
			_, err := loader.Decode([]byte(document))
			Expect(err).To(MatchError(ContainSubstring("apiVersion and kind must be set")))
		},
		Entry("no kind", "apiVersion: metal.provider.extensions.config.gardener.cloud/v1alpha1\n"),
		Entry("no apiVersion", "kind: ControllerConfiguration\n"),
		Entry("empty object", "{}"),
		Entry("empty document", ""),
	)
})
