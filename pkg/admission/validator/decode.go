// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator

import (
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
)

// scheme converts the internal Gardener objects the webhooks receive into the served versions the validation
// functions work on.
var scheme = func() *runtime.Scheme {
	s, err := admission.NewScheme()
	if err != nil {
		panic(fmt.Sprintf("building the admission scheme: %v", err))
	}
	return s
}()

// versioned converts obj, an internal or already versioned Gardener object, into out. A nil obj (the old object
// of a create) yields nil.
func versioned[T interface {
	client.Object
	*O
}, O any](obj client.Object) (T, error) {
	if obj == nil {
		return nil, nil
	}
	if out, ok := obj.(T); ok {
		return out, nil
	}
	out := T(new(O))
	if err := scheme.Convert(obj, out, nil); err != nil {
		return nil, fmt.Errorf("converting %T to %T: %w", obj, out, err)
	}
	return out, nil
}

func toShoot(obj client.Object) (*gardencorev1beta1.Shoot, error) {
	return versioned[*gardencorev1beta1.Shoot](obj)
}

func toCloudProfile(obj client.Object) (*gardencorev1beta1.CloudProfile, error) {
	return versioned[*gardencorev1beta1.CloudProfile](obj)
}

func toNamespacedCloudProfile(obj client.Object) (*gardencorev1beta1.NamespacedCloudProfile, error) {
	return versioned[*gardencorev1beta1.NamespacedCloudProfile](obj)
}

func toSecretBinding(obj client.Object) (*gardencorev1beta1.SecretBinding, error) {
	return versioned[*gardencorev1beta1.SecretBinding](obj)
}

func toCredentialsBinding(obj client.Object) (*securityv1alpha1.CredentialsBinding, error) {
	return versioned[*securityv1alpha1.CredentialsBinding](obj)
}

// decodeError turns a failed strict decoding of a providerConfig into an error of its field. The decoder's message
// names the document (e.g. "decoding InfrastructureConfig") and the offending field; the document itself is left
// out, it may be large.
func decodeError(fldPath *field.Path, err error) *field.Error {
	return field.Invalid(fldPath, field.OmitValueType{}, err.Error())
}
