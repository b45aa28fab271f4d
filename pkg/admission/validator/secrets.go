// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator

import (
	"context"
	"fmt"
	"slices"
	"strings"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

// dataPath is the path of a Secret's data, to which the credentials rules refer.
var dataPath = field.NewPath("data")

// NewSecretValidator returns the validator of Secrets that hold metal-api credentials (Gardener labels the Secrets
// that bindings of provider type metal refer to).
func NewSecretValidator() extensionswebhook.Validator {
	return &secretValidator{}
}

type secretValidator struct{}

// Validate validates the metal-api credentials of a Secret when they are new or changed.
func (v *secretValidator) Validate(_ context.Context, newObj, oldObj client.Object) error {
	secret, ok := newObj.(*corev1.Secret)
	if !ok {
		return fmt.Errorf("expected a Secret, got %T", newObj)
	}
	if oldObj != nil {
		oldSecret, ok := oldObj.(*corev1.Secret)
		if !ok {
			return fmt.Errorf("expected a Secret as old object, got %T", oldObj)
		}
		if apiequality.Semantic.DeepEqual(secret.Data, oldSecret.Data) {
			return nil
		}
	}
	if secret.DeletionTimestamp != nil {
		return nil
	}
	return metalvalidation.ValidateCloudProviderSecret(secret.Data, dataPath).ToAggregate()
}

// NewSecretBindingValidator returns the validator of SecretBindings of provider type metal. It reads the referenced
// Secret with reader, which should not be cached (a cache of all Secrets of the garden would be costly).
func NewSecretBindingValidator(reader client.Reader) extensionswebhook.Validator {
	return &secretBindingValidator{reader: reader}
}

type secretBindingValidator struct {
	reader client.Reader
}

// Validate validates the metal-api credentials in the Secret a SecretBinding refers to, on create and when the
// binding becomes one of provider type metal (the reference itself is immutable).
func (v *secretBindingValidator) Validate(ctx context.Context, newObj, oldObj client.Object) error {
	binding, err := toSecretBinding(newObj)
	if err != nil {
		return err
	}
	oldBinding, err := toSecretBinding(oldObj)
	if err != nil {
		return err
	}
	if !isMetalSecretBinding(binding) || binding.DeletionTimestamp != nil || (oldBinding != nil && isMetalSecretBinding(oldBinding)) {
		return nil
	}

	refPath := field.NewPath("secretRef")
	key := client.ObjectKey{Namespace: binding.SecretRef.Namespace, Name: binding.SecretRef.Name}
	if key.Namespace == "" {
		key.Namespace = binding.Namespace
	}
	secret := &corev1.Secret{}
	if err := v.reader.Get(ctx, key, secret); err != nil {
		return referenceReadError(refPath, key, "Secret", err)
	}
	return referencedSecretErrors(refPath, key, secret.Data).ToAggregate()
}

func isMetalSecretBinding(binding *gardencorev1beta1.SecretBinding) bool {
	return binding.Provider != nil && slices.Contains(strings.Split(binding.Provider.Type, ","), admission.ProviderType)
}

// NewCredentialsBindingValidator returns the validator of CredentialsBindings of provider type metal. It reads the
// referenced credentials with reader, which should not be cached.
func NewCredentialsBindingValidator(reader client.Reader) extensionswebhook.Validator {
	return &credentialsBindingValidator{reader: reader}
}

type credentialsBindingValidator struct {
	reader client.Reader
}

// Validate validates the metal-api credentials a CredentialsBinding refers to on create (the reference and the
// provider are immutable). metal-stack authenticates with a token or an HMAC key, so the credentials must be a
// Secret or an InternalSecret; a WorkloadIdentity is refused.
func (v *credentialsBindingValidator) Validate(ctx context.Context, newObj, oldObj client.Object) error {
	binding, err := toCredentialsBinding(newObj)
	if err != nil {
		return err
	}
	if binding.Provider.Type != admission.ProviderType || binding.DeletionTimestamp != nil || oldObj != nil {
		return nil
	}

	ref := binding.CredentialsRef
	refPath := field.NewPath("credentialsRef")
	key := client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}
	switch {
	case ref.APIVersion == corev1.SchemeGroupVersion.String() && ref.Kind == "Secret":
		secret := &corev1.Secret{}
		if err := v.reader.Get(ctx, key, secret); err != nil {
			return referenceReadError(refPath, key, ref.Kind, err)
		}
		return referencedSecretErrors(refPath, key, secret.Data).ToAggregate()
	case ref.APIVersion == gardencorev1beta1.SchemeGroupVersion.String() && ref.Kind == "InternalSecret":
		secret := &gardencorev1beta1.InternalSecret{}
		if err := v.reader.Get(ctx, key, secret); err != nil {
			return referenceReadError(refPath, key, ref.Kind, err)
		}
		return referencedSecretErrors(refPath, key, secret.Data).ToAggregate()
	case ref.APIVersion == securityv1alpha1.SchemeGroupVersion.String() && ref.Kind == "WorkloadIdentity":
		return field.ErrorList{field.Forbidden(refPath.Child("kind"),
			"the metal-api accepts a token or an HMAC key, not a workload identity: refer to a Secret with "+metalvalidation.SecretKeyAPIKey+" or "+metalvalidation.SecretKeyAPIHMac)}.ToAggregate()
	}
	return field.ErrorList{field.NotSupported(refPath, ref.APIVersion+", Kind="+ref.Kind,
		[]string{"v1, Kind=Secret", gardencorev1beta1.SchemeGroupVersion.String() + ", Kind=InternalSecret"})}.ToAggregate()
}

// referencedSecretErrors validates the credentials in the data of a referenced secret and reports each problem on
// the reference, naming the secret and the key. Values never appear.
func referencedSecretErrors(refPath *field.Path, key client.ObjectKey, data map[string][]byte) field.ErrorList {
	allErrs := field.ErrorList{}
	for _, err := range metalvalidation.ValidateCloudProviderSecret(data, dataPath) {
		allErrs = append(allErrs, field.Invalid(refPath, key.String(), "the referenced credentials are not valid: "+err.Error()))
	}
	return allErrs
}

// referenceReadError reports a referenced object that does not exist on the reference, and any other failure as
// what it is: a problem of the webhook, not of the object.
func referenceReadError(refPath *field.Path, key client.ObjectKey, kind string, err error) error {
	if apierrors.IsNotFound(err) {
		return field.ErrorList{field.NotFound(refPath, key.String())}.ToAggregate()
	}
	return fmt.Errorf("reading %s %s: %w", kind, key, err)
}
