// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package install_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/install"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

var _ = Describe("Round trip v1alpha1 → internal → v1alpha1", func() {
	var (
		scheme *runtime.Scheme
		codecs serializer.CodecFactory
	)

	BeforeEach(func() {
		scheme = runtime.NewScheme()
		install.Install(scheme)
		codecs = serializer.NewCodecFactory(scheme, serializer.EnableStrict)
	})

	DescribeTable("is lossless for a fully populated, defaulted fixture",
		func(fixture string, internal runtime.Object) {
			data, err := os.ReadFile(filepath.Join("testdata", fixture))
			Expect(err).NotTo(HaveOccurred())

			// Decode without conversion or defaulting: the served version as written.
			versioned, gvk, err := codecs.UniversalDeserializer().Decode(data, nil, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(gvk.GroupVersion()).To(Equal(v1alpha1.SchemeGroupVersion))

			scheme.Default(versioned)
			Expect(unsetFields(reflect.ValueOf(versioned), gvk.Kind)).To(BeEmpty(), "the fixture must set every field so the round trip covers it")

			Expect(scheme.Convert(versioned, internal, nil)).To(Succeed())
			back, err := scheme.ConvertToVersion(internal, v1alpha1.SchemeGroupVersion)
			Expect(err).NotTo(HaveOccurred())
			Expect(back).To(Equal(versioned))

			// The served version also survives its own serialization.
			encoded, err := runtime.Encode(codecs.LegacyCodec(v1alpha1.SchemeGroupVersion), back)
			Expect(err).NotTo(HaveOccurred())
			decoded, _, err := codecs.UniversalDeserializer().Decode(encoded, nil, nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(decoded).To(Equal(versioned))
		},
		Entry("CloudProfileConfig", "cloudprofileconfig.yaml", &metal.CloudProfileConfig{}),
		Entry("InfrastructureConfig", "infrastructureconfig.yaml", &metal.InfrastructureConfig{}),
		Entry("InfrastructureStatus", "infrastructurestatus.yaml", &metal.InfrastructureStatus{}),
		Entry("ControlPlaneConfig", "controlplaneconfig.yaml", &metal.ControlPlaneConfig{}),
		Entry("WorkerConfig", "workerconfig.yaml", &metal.WorkerConfig{}),
		Entry("WorkerStatus", "workerstatus.yaml", &metal.WorkerStatus{}),
	)

	It("registers every kind in both versions", func() {
		for _, kind := range []string{"CloudProfileConfig", "InfrastructureConfig", "InfrastructureStatus", "ControlPlaneConfig", "WorkerConfig", "WorkerStatus"} {
			Expect(scheme.Recognizes(v1alpha1.SchemeGroupVersion.WithKind(kind))).To(BeTrue(), kind)
			Expect(scheme.Recognizes(metal.SchemeGroupVersion.WithKind(kind))).To(BeTrue(), kind)
		}
		Expect(scheme.PrioritizedVersionsForGroup(metal.GroupName)).To(ConsistOf(v1alpha1.SchemeGroupVersion))
	})
})

// unsetFields lists the paths of fields that hold their zero value (empty strings, false, nil, empty lists and
// maps), walking into structs, pointers, lists and map values.
func unsetFields(v reflect.Value, path string) []string {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return []string{path}
		}
		return unsetFields(v.Elem(), path)
	case reflect.Struct:
		var unset []string
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			unset = append(unset, unsetFields(v.Field(i), path+"."+f.Name)...)
		}
		return unset
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		var unset []string
		for i := range v.Len() {
			unset = append(unset, unsetFields(v.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
		return unset
	case reflect.Map:
		if v.Len() == 0 {
			return []string{path}
		}
		var unset []string
		iter := v.MapRange()
		for iter.Next() {
			unset = append(unset, unsetFields(iter.Value(), fmt.Sprintf("%s[%v]", path, iter.Key()))...)
		}
		return unset
	default:
		if v.IsZero() {
			return []string{path}
		}
		return nil
	}
}
