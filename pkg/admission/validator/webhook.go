// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validator holds the validating webhooks of the metal admission component. Each validator decodes the
// providerConfigs strictly and calls the validation functions of the provider APIs (pkg/apis/metal/validation,
// pkg/apis/ontap/validation); the rules live there, not here.
package validator

import (
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	"github.com/gardener/gardener/pkg/apis/core"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/apis/security"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/pkg/admission"
)

const (
	// Name is the name of the webhook that validates Shoots, CloudProfiles, NamespacedCloudProfiles, SecretBindings
	// and CredentialsBindings of provider type metal.
	Name = "validator"
	// SecretsValidatorName is the name of the webhook that validates Secrets with metal-api credentials.
	SecretsValidatorName = "secrets." + Name
	// OntapValidatorName is the name of the webhook that validates the ontap Extension of Shoots.
	OntapValidatorName = "ontap." + Name

	// Path is the path the validator webhook is served at.
	Path = "/webhooks/validate"
	// SecretsPath is the path the secrets validator webhook is served at.
	SecretsPath = "/webhooks/validate/secrets"
	// OntapPath is the path the ontap validator webhook is served at.
	OntapPath = "/webhooks/validate/ontap"
)

var logger = log.Log.WithName("metal-validator-webhook")

// New creates the webhook that validates Shoots, CloudProfiles, NamespacedCloudProfiles, SecretBindings and
// CredentialsBindings. Gardener labels these with provider.extensions.gardener.cloud/metal=true, which selects them.
func New(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	logger.Info("Setting up webhook", "name", Name)

	reader := mgr.GetAPIReader()
	return extensionswebhook.New(mgr, extensionswebhook.Args{
		Name: Name,
		Path: Path,
		Validators: map[extensionswebhook.Validator][]extensionswebhook.Type{
			NewShootValidator(reader):              {{Obj: &core.Shoot{}}},
			NewCloudProfileValidator():             {{Obj: &core.CloudProfile{}}},
			NewNamespacedCloudProfileValidator():   {{Obj: &core.NamespacedCloudProfile{}}},
			NewSecretBindingValidator(reader):      {{Obj: &core.SecretBinding{}}},
			NewCredentialsBindingValidator(reader): {{Obj: &security.CredentialsBinding{}}},
		},
		Target: extensionswebhook.TargetSeed,
		ObjectSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{v1beta1constants.LabelExtensionProviderTypePrefix + admission.ProviderType: "true"},
		},
	})
}

// NewSecretsWebhook creates the webhook that validates Secrets with metal-api credentials. Gardener labels the
// Secrets that bindings of provider type metal refer to with provider.shoot.gardener.cloud/metal=true.
func NewSecretsWebhook(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	logger.Info("Setting up webhook", "name", SecretsValidatorName)

	return extensionswebhook.New(mgr, extensionswebhook.Args{
		Name: SecretsValidatorName,
		Path: SecretsPath,
		Validators: map[extensionswebhook.Validator][]extensionswebhook.Type{
			NewSecretValidator(): {{Obj: &corev1.Secret{}}},
		},
		Target: extensionswebhook.TargetSeed,
		ObjectSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{v1beta1constants.LabelShootProviderPrefix + admission.ProviderType: "true"},
		},
	})
}

// NewOntapWebhook creates the webhook that validates the providerConfig of the ontap Extension of Shoots. Gardener
// labels Shoots that enable it with extensions.extensions.gardener.cloud/ontap=true.
func NewOntapWebhook(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	logger.Info("Setting up webhook", "name", OntapValidatorName)

	return extensionswebhook.New(mgr, extensionswebhook.Args{
		Name: OntapValidatorName,
		Path: OntapPath,
		Validators: map[extensionswebhook.Validator][]extensionswebhook.Type{
			NewOntapValidator(): {{Obj: &core.Shoot{}}},
		},
		Target: extensionswebhook.TargetSeed,
		ObjectSelector: &metav1.LabelSelector{
			MatchLabels: map[string]string{v1beta1constants.LabelExtensionExtensionTypePrefix + admission.ExtensionTypeOntap: "true"},
		},
	})
}
