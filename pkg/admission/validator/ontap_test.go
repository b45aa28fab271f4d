// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"context"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

var _ = Describe("Ontap validator", func() {
	const ontapPath = "spec.extensions[0].providerConfig"

	validate := func(shoot, oldShoot *gardencorev1beta1.Shoot) error {
		GinkgoHelper()
		var oldObj client.Object
		if oldShoot != nil {
			oldObj = internal(oldShoot, &core.Shoot{})
		}
		return validator.NewOntapValidator().Validate(context.Background(), internal(shoot, &core.Shoot{}), oldObj)
	}
	editOntap := func(edit func(doc map[string]any)) func(*gardencorev1beta1.Shoot) {
		return func(s *gardencorev1beta1.Shoot) { fx.Edit(s.Spec.Extensions[0].ProviderConfig, edit) }
	}

	DescribeTable("create",
		func(edit func(*gardencorev1beta1.Shoot), matchers ...types.GomegaMatcher) {
			shoot := fx.Shoot(dualStack...)
			if edit != nil {
				edit(shoot)
			}
			expectFieldErrors(validate(shoot, nil), matchers...)
		},
		Entry("a valid config", nil),
		Entry("no providerConfig: the defaults", func(s *gardencorev1beta1.Shoot) { s.Spec.Extensions[0].ProviderConfig = nil }),
		Entry("an unknown field", editOntap(func(doc map[string]any) { doc["protocol"] = "nfs" }),
			withDetail(field.ErrorTypeInvalid, ontapPath, `unknown field "protocol"`)),
		Entry("no apiVersion and kind", func(s *gardencorev1beta1.Shoot) {
			s.Spec.Extensions[0].ProviderConfig = &runtime.RawExtension{Raw: []byte(`{"protocols":["nfs"]}`)}
		}, withDetail(field.ErrorTypeInvalid, ontapPath, "decoding OntapConfig: apiVersion and kind must be set")),
		Entry("an unknown protocol", editOntap(func(doc map[string]any) { doc["protocols"] = []any{"smb"} }),
			notSupported(ontapPath+".protocols[0]"), notSupported(ontapPath+".storageClasses[0].protocol")),
		Entry("a cluster name that is no DNS label", editOntap(func(doc map[string]any) { fx.Object(doc, "svm")["cluster"] = "Ontap_A" }),
			invalid(ontapPath+".svm.cluster")),
		Entry("a storage class of a protocol that is not enabled", editOntap(func(doc map[string]any) {
			doc["storageClasses"] = []any{map[string]any{"name": "iscsi", "protocol": "iscsi"}}
		}), invalid(ontapPath+".storageClasses[0].protocol")),
		Entry("a disabled extension is not validated", func(s *gardencorev1beta1.Shoot) {
			editOntap(func(doc map[string]any) { doc["protocols"] = []any{"smb"} })(s)
			s.Spec.Extensions[0].Disabled = new(true)
		}),
		Entry("no ontap extension", func(s *gardencorev1beta1.Shoot) { s.Spec.Extensions = nil }),
	)

	DescribeTable("update",
		func(edit func(*gardencorev1beta1.Shoot), matchers ...types.GomegaMatcher) {
			oldShoot := fx.Shoot()
			shoot := oldShoot.DeepCopy()
			edit(shoot)
			expectFieldErrors(validate(shoot, oldShoot), matchers...)
		},
		Entry("another protocol", editOntap(func(doc map[string]any) { doc["protocols"] = []any{"nvme-tcp", "iscsi"} })),
		Entry("the retain deletion policy", editOntap(func(doc map[string]any) { fx.Object(doc, "svm")["deletionPolicy"] = "retain" })),
		Entry("another cluster", editOntap(func(doc map[string]any) { fx.Object(doc, "svm")["cluster"] = "ontap-b" }),
			invalid(ontapPath+".svm.cluster")),
		Entry("a data network where the SVM had the default", editOntap(func(doc map[string]any) { fx.Object(doc, "svm")["dataNetworkID"] = "storage" })),
	)
})
