// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/install"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
)

var _ = Describe("Round trip v1alpha1 -> internal -> v1alpha1", func() {
	scheme := runtime.NewScheme()
	install.Install(scheme)
	deserializer := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	DescribeTable("is lossless for every kind with all fields set and defaults applied",
		func(fixture string, internal runtime.Object) {
			data, err := os.ReadFile(filepath.Join("testdata", fixture))
			Expect(err).NotTo(HaveOccurred())
			versioned, _, err := deserializer.Decode(data, nil, nil)
			Expect(err).NotTo(HaveOccurred())
			scheme.Default(versioned)
			Expect(unsetFields(versioned)).To(BeEmpty(), "the fixture must set every field")

			Expect(scheme.Convert(versioned, internal, nil)).To(Succeed())
			back, err := scheme.New(versioned.GetObjectKind().GroupVersionKind())
			Expect(err).NotTo(HaveOccurred())
			Expect(scheme.Convert(internal, back, nil)).To(Succeed())
			back.GetObjectKind().SetGroupVersionKind(versioned.GetObjectKind().GroupVersionKind())

			Expect(back).To(Equal(versioned))
		},
		Entry("OntapConfig", "ontapconfig-full.yaml", &ontap.OntapConfig{}),
		Entry("OntapStatus", "ontapstatus-full.yaml", &ontap.OntapStatus{}),
	)

	It("has a completeness check that finds unset fields", func() {
		unset := unsetFields(&v1alpha1.OntapStatus{Cluster: "a", DataLIFs: []v1alpha1.LIFStatus{{Name: "x"}, {Address: "y"}}})
		Expect(unset).To(ContainElements(".SVMName", ".ManagementLIF", ".DataLIFs[*].HomeNode"))
		Expect(unset).NotTo(ContainElements(".Cluster", ".DataLIFs[*].Name", ".DataLIFs[*].Address"))
	})
})

// unsetFields lists the paths of the exported fields of obj, recursively, that hold their zero value or
// an empty slice or map. A field of slice elements counts as set when one element sets it, so booleans
// need to be true in one element only.
func unsetFields(obj any) []string {
	unset := map[string]bool{}
	collectUnset(reflect.ValueOf(obj), "", unset)
	return slices.Sorted(maps.Keys(unset))
}

func collectUnset(v reflect.Value, path string, unset map[string]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			unset[path] = true
			return
		}
		collectUnset(v.Elem(), path, unset)
	case reflect.Struct:
		exported := 0
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && !f.Anonymous {
				exported++
				collectUnset(v.Field(i), path+"."+f.Name, unset)
			}
		}
		if exported == 0 && v.IsZero() {
			unset[path] = true
		}
	case reflect.Slice, reflect.Map:
		if v.Len() == 0 {
			unset[path] = true
			return
		}
		var common map[string]bool
		for _, elem := range elements(v) {
			elemUnset := map[string]bool{}
			collectUnset(elem, path+"[*]", elemUnset)
			if common == nil {
				common = elemUnset
			}
			maps.DeleteFunc(common, func(p string, _ bool) bool { return !elemUnset[p] })
		}
		maps.Copy(unset, common)
	default:
		if v.IsZero() {
			unset[path] = true
		}
	}
}

func elements(v reflect.Value) []reflect.Value {
	var elems []reflect.Value
	if v.Kind() == reflect.Map {
		for _, key := range v.MapKeys() {
			elems = append(elems, v.MapIndex(key))
		}
		return elems
	}
	for i := range v.Len() {
		elems = append(elems, v.Index(i))
	}
	return elems
}
