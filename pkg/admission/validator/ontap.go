// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator

import (
	"context"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	ontapvalidation "github.com/metalgarden/metalgarden/pkg/apis/ontap/validation"
)

// NewOntapValidator returns the validator of the providerConfig of a Shoot's Extension of type ontap.
func NewOntapValidator() extensionswebhook.Validator {
	return &ontapValidator{}
}

type ontapValidator struct{}

// Validate decodes the ontap Extension's providerConfig strictly and validates it, and on update that the SVM's
// cluster and data network stay as they are.
func (v *ontapValidator) Validate(_ context.Context, newObj, oldObj client.Object) error {
	shoot, err := toShoot(newObj)
	if err != nil {
		return err
	}
	oldShoot, err := toShoot(oldObj)
	if err != nil {
		return err
	}
	if shoot.DeletionTimestamp != nil {
		return nil
	}
	return validateOntapExtension(shoot, oldShoot).ToAggregate()
}

// validateOntapExtension validates every enabled Extension of type ontap of the shoot (Gardener allows one).
func validateOntapExtension(shoot, oldShoot *gardencorev1beta1.Shoot) field.ErrorList {
	allErrs := field.ErrorList{}
	for i, ext := range shoot.Spec.Extensions {
		if ext.Type != admission.ExtensionTypeOntap || (ext.Disabled != nil && *ext.Disabled) {
			continue
		}
		path := field.NewPath("spec", "extensions").Index(i).Child("providerConfig")
		cfg, err := ontaphelper.OntapConfigFromRawExtension(ext.ProviderConfig)
		if err != nil {
			allErrs = append(allErrs, decodeError(path, err))
			continue
		}
		allErrs = append(allErrs, ontapvalidation.ValidateOntapConfig(cfg, path)...)

		if oldRaw, ok := ontapProviderConfig(oldShoot); ok {
			// The old config was admitted before; if it no longer decodes there is nothing to compare with.
			if oldCfg, err := ontaphelper.OntapConfigFromRawExtension(oldRaw); err == nil {
				allErrs = append(allErrs, ontapvalidation.ValidateOntapConfigUpdate(oldCfg, cfg, path)...)
			}
		}
	}
	return allErrs
}

// ontapProviderConfig returns the providerConfig of the shoot's enabled ontap Extension, if it has one.
func ontapProviderConfig(shoot *gardencorev1beta1.Shoot) (*runtime.RawExtension, bool) {
	if shoot == nil {
		return nil, false
	}
	for _, ext := range shoot.Spec.Extensions {
		if ext.Type == admission.ExtensionTypeOntap && (ext.Disabled == nil || !*ext.Disabled) {
			return ext.ProviderConfig, true
		}
	}
	return nil, false
}
