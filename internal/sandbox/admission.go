// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission/mutator"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

// admit runs the shoot through the garden admission of admission-metal as the garden's API server would call its
// webhooks on create: the shoot mutator, then the validators of the CloudProfile, the credentials Secret and its
// CredentialsBinding, the shoot's metal configuration and its ontap Extension. garden holds what the webhooks read
// (CloudProfile, Seed, Secret). The shoot is mutated in place; an error names the object and the refused fields.
func admit(ctx context.Context, garden client.Reader, ex *example, cloudProfile *gardencorev1beta1.CloudProfile, shoot *gardencorev1beta1.Shoot) error {
	if err := mutator.NewShootMutator(garden, mutator.DefaultDefaults()).Mutate(ctx, shoot, nil); err != nil {
		return fmt.Errorf("admission-metal could not default shoot %s: %w", client.ObjectKeyFromObject(shoot), err)
	}
	for _, c := range []struct {
		what      string
		validator extensionswebhook.Validator
		obj       client.Object
	}{
		{"CloudProfile " + cloudProfile.Name, validator.NewCloudProfileValidator(), cloudProfile},
		{"Secret " + client.ObjectKeyFromObject(ex.credentials).String(), validator.NewSecretValidator(), ex.credentials},
		{"CredentialsBinding " + client.ObjectKeyFromObject(ex.credentialsBinding).String(), validator.NewCredentialsBindingValidator(garden), ex.credentialsBinding},
		{"Shoot " + client.ObjectKeyFromObject(shoot).String(), validator.NewShootValidator(garden), shoot},
		{"Shoot " + client.ObjectKeyFromObject(shoot).String() + " (ontap extension)", validator.NewOntapValidator(), shoot},
	} {
		if err := c.validator.Validate(ctx, c.obj, nil); err != nil {
			return fmt.Errorf("admission-metal refuses %s: %w", c.what, err)
		}
	}
	return nil
}

// gardenReader serves the garden objects the admission webhooks read, as the garden's API server would.
type gardenReader struct {
	objects []client.Object
}

var _ client.Reader = gardenReader{}

// Get copies the object of the same type, namespace and name into obj.
func (r gardenReader) Get(_ context.Context, key client.ObjectKey, obj client.Object, _ ...client.GetOption) error {
	for _, o := range r.objects {
		if reflect.TypeOf(o) != reflect.TypeOf(obj) || o.GetName() != key.Name || o.GetNamespace() != key.Namespace {
			continue
		}
		reflect.ValueOf(obj).Elem().Set(reflect.ValueOf(o.DeepCopyObject()).Elem())
		return nil
	}
	return apierrors.NewNotFound(schema.GroupResource{Resource: fmt.Sprintf("%T", obj)}, key.Name)
}

// List is not needed by the webhooks the sandbox calls.
func (r gardenReader) List(context.Context, client.ObjectList, ...client.ListOption) error {
	return errors.New("the sandbox's garden does not list")
}
