// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"errors"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
)

func TestValidator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Admission Validator Suite")
}

var scheme *runtime.Scheme

var _ = BeforeSuite(func() {
	var err error
	scheme, err = admission.NewScheme()
	Expect(err).NotTo(HaveOccurred())
})

// internal converts a versioned Gardener object into its internal version, the form the webhook handler hands to
// the validators.
func internal[T client.Object](versioned client.Object, into T) T {
	GinkgoHelper()
	Expect(scheme.Convert(versioned, into, nil)).To(Succeed())
	return into
}

// fieldErrors returns the field errors a validator refused an object with: every refusal must be a list of field
// errors, each with its path.
func fieldErrors(err error) field.ErrorList {
	GinkgoHelper()
	if err == nil {
		return nil
	}
	var agg utilerrors.Aggregate
	Expect(errors.As(err, &agg)).To(BeTrue(), "expected field errors, got %v", err)
	list := field.ErrorList{}
	for _, e := range agg.Errors() {
		var fe *field.Error
		Expect(errors.As(e, &fe)).To(BeTrue(), "expected a field error, got %v", e)
		Expect(fe.Field).NotTo(BeEmpty(), "a field error without path: %v", fe)
		list = append(list, fe)
	}
	return list
}

// expectFieldErrors asserts that err holds exactly the matched field errors, or is nil without matchers.
func expectFieldErrors(err error, matchers ...types.GomegaMatcher) {
	GinkgoHelper()
	if len(matchers) == 0 {
		Expect(err).NotTo(HaveOccurred())
		return
	}
	Expect(fieldErrors(err)).To(ConsistOf(matchers))
}

func fieldErr(t field.ErrorType, path string) types.GomegaMatcher {
	return PointTo(MatchFields(IgnoreExtras, Fields{"Type": Equal(t), "Field": Equal(path)}))
}

func required(path string) types.GomegaMatcher  { return fieldErr(field.ErrorTypeRequired, path) }
func invalid(path string) types.GomegaMatcher   { return fieldErr(field.ErrorTypeInvalid, path) }
func forbidden(path string) types.GomegaMatcher { return fieldErr(field.ErrorTypeForbidden, path) }
func notSupported(path string) types.GomegaMatcher {
	return fieldErr(field.ErrorTypeNotSupported, path)
}
func notFound(path string) types.GomegaMatcher  { return fieldErr(field.ErrorTypeNotFound, path) }
func duplicate(path string) types.GomegaMatcher { return fieldErr(field.ErrorTypeDuplicate, path) }
func tooMany(path string) types.GomegaMatcher   { return fieldErr(field.ErrorTypeTooMany, path) }

// withDetail matches a field error of the path whose message contains the text.
func withDetail(t field.ErrorType, path, text string) types.GomegaMatcher {
	return PointTo(MatchFields(IgnoreExtras, Fields{"Type": Equal(t), "Field": Equal(path), "Detail": ContainSubstring(text)}))
}
