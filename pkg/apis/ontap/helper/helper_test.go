// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package helper_test

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
)

// rawFixture reads a YAML fixture as the JSON a RawExtension holds after it came from the API server.
func rawFixture(name string) *runtime.RawExtension {
	data, err := os.ReadFile(filepath.Join("testdata", name))
	Expect(err).NotTo(HaveOccurred())
	json, err := yaml.ToJSON(data)
	Expect(err).NotTo(HaveOccurred())
	return &runtime.RawExtension{Raw: json}
}

var _ = Describe("Helper", func() {
	Describe("#OntapConfigFromRawExtension", func() {
		It("decodes into the internal version and applies defaults", func() {
			config, err := helper.OntapConfigFromRawExtension(rawFixture("ontapconfig.yaml"))
			Expect(err).NotTo(HaveOccurred())
			Expect(config).To(Equal(&ontap.OntapConfig{
				Protocols: []ontap.Protocol{ontap.ProtocolNFS},
				SVM: &ontap.SVMConfig{
					Cluster:        new("cluster-a"),
					DeletionPolicy: ontap.DeletionPolicyDelete,
					LIFsPerNode:    new(int32(1)),
				},
				StorageClasses: []ontap.StorageClass{{
					Name:                 "ontap-nfs",
					Protocol:             ontap.ProtocolNFS,
					Default:              true,
					ReclaimPolicy:        new(corev1.PersistentVolumeReclaimDelete),
					AllowVolumeExpansion: new(true),
					VolumeBindingMode:    new(storagev1.VolumeBindingImmediate),
				}},
			}))
		})

		DescribeTable("yields the defaulted empty configuration without providerConfig",
			func(raw *runtime.RawExtension) {
				config, err := helper.OntapConfigFromRawExtension(raw)
				Expect(err).NotTo(HaveOccurred())
				Expect(config.Protocols).To(Equal([]ontap.Protocol{ontap.ProtocolNVMeTCP}))
				Expect(config.StorageClasses).To(HaveLen(1))
				Expect(config.StorageClasses[0].Name).To(Equal("ontap-nvme"))
				Expect(config.StorageClasses[0].Default).To(BeTrue())
				Expect(config.SVM.DeletionPolicy).To(Equal(ontap.DeletionPolicyDelete))
			},
			Entry("nil", nil),
			Entry("empty", &runtime.RawExtension{}),
		)

		DescribeTable("rejects",
			func(fixture string, message string) {
				_, err := helper.OntapConfigFromRawExtension(rawFixture(fixture))
				Expect(err).To(MatchError(ContainSubstring(message)))
			},
			Entry("an unknown field, naming it", "ontapconfig-unknown-field.yaml", `unknown field "svm.deletionPolcy"`),
			Entry("another kind", "ontapconfig-wrong-kind.yaml", "OntapStatus"),
		)

		DescribeTable("rejects documents without type meta, which would skip versioning and defaults",
			func(document string) {
				_, err := helper.OntapConfigFromRawExtension(&runtime.RawExtension{Raw: []byte(document)})
				Expect(err).To(MatchError(ContainSubstring("apiVersion and kind must be set")))
			},
			Entry("no kind", `{"apiVersion":"ontap.extensions.gardener.cloud/v1alpha1","protocols":["nfs"]}`),
			Entry("no apiVersion", `{"kind":"OntapConfig","protocols":["nfs"]}`),
			Entry("empty object", `{}`),
		)

		It("rejects a duplicate field, naming it", func() {
			_, err := helper.OntapConfigFromRawExtension(&runtime.RawExtension{Raw: []byte(
				`{"apiVersion":"ontap.extensions.gardener.cloud/v1alpha1","kind":"OntapConfig","protocols":["nfs"],"protocols":["iscsi"]}`)})
			Expect(err).To(MatchError(ContainSubstring(`duplicate field "protocols"`)))
		})
	})

	Describe("#OntapStatusFromRaw", func() {
		It("decodes leniently: a field of a newer version is ignored", func() {
			status, err := helper.OntapStatusFromRaw(rawFixture("ontapstatus-unknown-field.yaml"))
			Expect(err).NotTo(HaveOccurred())
			Expect(status).To(Equal(&ontap.OntapStatus{Cluster: "cluster-a", SVMName: "shoot--dev--app"}))
		})

		It("converts a typed object set in memory", func() {
			status, err := helper.OntapStatusFromRaw(&runtime.RawExtension{Object: &v1alpha1.OntapStatus{
				Cluster:       "cluster-a",
				AllocatedIPs:  []string{"10.0.0.9"},
				ManagementLIF: &v1alpha1.LIFStatus{Name: "mgmt", Address: "10.0.0.9"},
			}})
			Expect(err).NotTo(HaveOccurred())
			Expect(status).To(Equal(&ontap.OntapStatus{
				Cluster:       "cluster-a",
				AllocatedIPs:  []string{"10.0.0.9"},
				ManagementLIF: &ontap.LIFStatus{Name: "mgmt", Address: "10.0.0.9"},
			}))
		})

		DescribeTable("yields nil without providerStatus",
			func(raw *runtime.RawExtension) {
				status, err := helper.OntapStatusFromRaw(raw)
				Expect(err).NotTo(HaveOccurred())
				Expect(status).To(BeNil())
			},
			Entry("nil", nil),
			Entry("empty", &runtime.RawExtension{}),
		)

		It("rejects a status without type meta", func() {
			_, err := helper.OntapStatusFromRaw(&runtime.RawExtension{Raw: []byte(`{"cluster":"cluster-a"}`)})
			Expect(err).To(MatchError(ContainSubstring("apiVersion and kind must be set")))
		})

		It("rejects malformed JSON", func() {
			_, err := helper.OntapStatusFromRaw(&runtime.RawExtension{Raw: []byte(`{"kind":`)})
			Expect(err).To(HaveOccurred())
		})
	})
})
