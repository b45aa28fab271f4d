// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"context"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/apis/security"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

// token is the credential of the test secrets; no error message may contain it.
const token = "t0p-s3cr3t-t0k3n"

func expectNoSecretValue(err error) {
	GinkgoHelper()
	if err != nil {
		Expect(err.Error()).NotTo(ContainSubstring(token))
	}
}

var _ = Describe("Secret validator", func() {
	DescribeTable("create",
		func(data map[string][]byte, matchers ...types.GomegaMatcher) {
			secret := fx.Secret("creds")
			secret.Data = data
			err := validator.NewSecretValidator().Validate(context.Background(), secret, nil)
			expectNoSecretValue(err)
			expectFieldErrors(err, matchers...)
		},
		Entry("a token", map[string][]byte{"metalAPIKey": []byte(token)}),
		Entry("an HMAC key", map[string][]byte{"metalAPIHMac": []byte(token)}),
		Entry("no credentials", map[string][]byte{"metalAPIURL": []byte("https://metal-api.example.com")}, required("data")),
		Entry("both credentials", map[string][]byte{"metalAPIKey": []byte(token), "metalAPIHMac": []byte(token)}, forbidden("data[metalAPIHMac]")),
		Entry("an empty token", map[string][]byte{"metalAPIKey": nil}, required("data[metalAPIKey]")),
		Entry("an empty HMAC key", map[string][]byte{"metalAPIHMac": {}}, required("data[metalAPIHMac]")),
		Entry("a token with a line break", map[string][]byte{"metalAPIKey": []byte(token + "\n")},
			withDetail(field.ErrorTypeInvalid, "data[metalAPIKey]", "must not begin or end with whitespace")),
	)

	It("validates an update only when the data changes", func() {
		oldSecret := fx.Secret("creds")
		oldSecret.Data = map[string][]byte{"metalAPIKey": {}}
		secret := oldSecret.DeepCopy()
		secret.Labels["team"] = "a"
		Expect(validator.NewSecretValidator().Validate(context.Background(), secret, oldSecret)).To(Succeed())

		secret.Data["metalAPIHMac"] = []byte(token)
		err := validator.NewSecretValidator().Validate(context.Background(), secret, oldSecret)
		expectNoSecretValue(err)
		expectFieldErrors(err, forbidden("data[metalAPIHMac]"))
	})
})

var _ = Describe("SecretBinding validator", func() {
	var c client.Client

	BeforeEach(func() {
		good := fx.Secret("good")
		good.Data = map[string][]byte{"metalAPIHMac": []byte(token)}
		bad := fx.Secret("bad")
		bad.Data = map[string][]byte{"metalAPIKey": []byte(token), "metalAPIHMac": []byte(token)}
		c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(good, bad).Build()
	})

	validate := func(binding, oldBinding *gardencorev1beta1.SecretBinding) error {
		GinkgoHelper()
		var oldObj client.Object
		if oldBinding != nil {
			oldObj = internal(oldBinding, &core.SecretBinding{})
		}
		err := validator.NewSecretBindingValidator(c).Validate(context.Background(), internal(binding, &core.SecretBinding{}), oldObj)
		expectNoSecretValue(err)
		return err
	}

	DescribeTable("create",
		func(secretName, providerType string, matchers ...types.GomegaMatcher) {
			binding := fx.SecretBinding("binding", secretName)
			binding.Provider.Type = providerType
			expectFieldErrors(validate(binding, nil), matchers...)
		},
		Entry("valid credentials", "good", "metal"),
		Entry("valid credentials of a binding for several providers", "good", "aws,metal"),
		Entry("invalid credentials", "bad", "metal",
			withDetail(field.ErrorTypeInvalid, "secretRef", "the referenced credentials are not valid: data[metalAPIHMac]: Forbidden")),
		Entry("invalid credentials of a binding for several providers", "bad", "metal,aws", invalid("secretRef")),
		Entry("a secret that does not exist", "missing", "metal", notFound("secretRef")),
		Entry("invalid credentials of another provider's binding", "bad", "aws"),
	)

	It("validates an update only when the binding becomes one of provider metal", func() {
		oldBinding := fx.SecretBinding("binding", "bad")
		binding := oldBinding.DeepCopy()
		binding.Labels = map[string]string{"team": "a"}
		Expect(validate(binding, oldBinding)).To(Succeed())

		oldBinding.Provider.Type = "aws"
		expectFieldErrors(validate(binding, oldBinding), invalid("secretRef"))
	})
})

var _ = Describe("CredentialsBinding validator", func() {
	var c client.Client

	BeforeEach(func() {
		good := fx.Secret("good")
		good.Data = map[string][]byte{"metalAPIKey": []byte(token)}
		bad := fx.Secret("bad")
		bad.Data = map[string][]byte{"metalAPIKey": []byte("")}
		internalSecret := &gardencorev1beta1.InternalSecret{
			ObjectMeta: metav1.ObjectMeta{Name: "internal", Namespace: fx.Namespace},
			Data:       map[string][]byte{"other": []byte(token)},
		}
		c = fake.NewClientBuilder().WithScheme(scheme).WithObjects(good, bad, internalSecret).Build()
	})

	validate := func(binding *securityv1alpha1.CredentialsBinding, oldBinding *securityv1alpha1.CredentialsBinding) error {
		GinkgoHelper()
		var oldObj client.Object
		if oldBinding != nil {
			oldObj = internal(oldBinding, &security.CredentialsBinding{})
		}
		err := validator.NewCredentialsBindingValidator(c).Validate(context.Background(), internal(binding, &security.CredentialsBinding{}), oldObj)
		expectNoSecretValue(err)
		return err
	}

	DescribeTable("create",
		func(ref corev1.ObjectReference, providerType string, matchers ...types.GomegaMatcher) {
			binding := fx.CredentialsBinding("binding", "")
			binding.CredentialsRef, binding.Provider.Type = ref, providerType
			expectFieldErrors(validate(binding, nil), matchers...)
		},
		Entry("a Secret with valid credentials", corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: fx.Namespace, Name: "good"}, "metal"),
		Entry("a Secret with an empty token", corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: fx.Namespace, Name: "bad"}, "metal",
			withDetail(field.ErrorTypeInvalid, "credentialsRef", "data[metalAPIKey]: Required value")),
		Entry("a Secret that does not exist", corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: fx.Namespace, Name: "missing"}, "metal",
			notFound("credentialsRef")),
		Entry("an InternalSecret without credentials", corev1.ObjectReference{APIVersion: "core.gardener.cloud/v1beta1", Kind: "InternalSecret", Namespace: fx.Namespace, Name: "internal"}, "metal",
			withDetail(field.ErrorTypeInvalid, "credentialsRef", "data: Required value")),
		Entry("a WorkloadIdentity", corev1.ObjectReference{APIVersion: "security.gardener.cloud/v1alpha1", Kind: "WorkloadIdentity", Namespace: fx.Namespace, Name: "wi"}, "metal",
			forbidden("credentialsRef.kind")),
		Entry("an unknown kind", corev1.ObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: fx.Namespace, Name: "cm"}, "metal",
			notSupported("credentialsRef")),
		Entry("a Secret with an empty token of another provider's binding", corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Namespace: fx.Namespace, Name: "bad"}, "aws"),
	)

	It("does not validate updates: the reference is immutable", func() {
		oldBinding := fx.CredentialsBinding("binding", "bad")
		binding := oldBinding.DeepCopy()
		binding.Labels = map[string]string{"team": "a"}
		Expect(validate(binding, oldBinding)).To(Succeed())
	})
})
