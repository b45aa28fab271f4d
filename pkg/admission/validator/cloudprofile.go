// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator

import (
	"context"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

// NewCloudProfileValidator returns the validator of CloudProfiles of type metal.
func NewCloudProfileValidator() extensionswebhook.Validator {
	return &cloudProfileValidator{}
}

type cloudProfileValidator struct{}

// Validate decodes the CloudProfileConfig strictly and validates it, and that its partitions are the zones of the
// CloudProfile's regions.
func (v *cloudProfileValidator) Validate(_ context.Context, newObj, _ client.Object) error {
	cloudProfile, err := toCloudProfile(newObj)
	if err != nil {
		return err
	}
	if cloudProfile.Spec.Type != admission.ProviderType || cloudProfile.DeletionTimestamp != nil {
		return nil
	}
	return validateCloudProfileSpec(&cloudProfile.Spec, field.NewPath("spec")).ToAggregate()
}

func validateCloudProfileSpec(spec *gardencorev1beta1.CloudProfileSpec, specPath *field.Path) field.ErrorList {
	providerConfigPath := specPath.Child("providerConfig")
	if spec.ProviderConfig == nil {
		return field.ErrorList{field.Required(providerConfigPath, "a CloudProfileConfig with the metal control planes and their partitions is required")}
	}
	cpc, err := helper.CloudProfileConfigFromRawExtensionStrict(spec.ProviderConfig)
	if err != nil {
		return field.ErrorList{decodeError(providerConfigPath, err)}
	}
	allErrs := metalvalidation.ValidateCloudProfileConfig(cpc, providerConfigPath)
	return append(allErrs, metalvalidation.ValidatePartitionsAreZones(cpc, spec.Regions, providerConfigPath, specPath.Child("regions"))...)
}

// NewNamespacedCloudProfileValidator returns the validator of NamespacedCloudProfiles whose parent is of type metal.
func NewNamespacedCloudProfileValidator() extensionswebhook.Validator {
	return &namespacedCloudProfileValidator{}
}

type namespacedCloudProfileValidator struct{}

// Validate refuses a providerConfig in a NamespacedCloudProfile: the metal control planes and partitions are
// operator settings of the parent CloudProfile, and this extension does not merge a namespaced one into it, so it
// would be ignored without a word. Machine types and images, which Gardener merges itself, are fine.
func (v *namespacedCloudProfileValidator) Validate(_ context.Context, newObj, _ client.Object) error {
	profile, err := toNamespacedCloudProfile(newObj)
	if err != nil {
		return err
	}
	if profile.DeletionTimestamp != nil || profile.Spec.ProviderConfig == nil {
		return nil
	}
	return field.ErrorList{field.Forbidden(field.NewPath("spec", "providerConfig"),
		"the metal extension does not merge the providerConfig of a NamespacedCloudProfile into its parent; change the parent CloudProfile instead")}.ToAggregate()
}
