// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package mutator holds the mutating webhook of the metal admission component: it fills what a metal Shoot leaves
// unset with defaults that fit metal-stack (see Defaults), and never changes what the Shoot sets.
package mutator

import (
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/pkg/admission"
)

const (
	// Name is the name of the webhook that defaults Shoots of provider type metal.
	Name = "mutator"
	// Path is the path the mutator webhook is served at.
	Path = "/webhooks/mutate"
)

var logger = log.Log.WithName("metal-mutator-webhook")

// New creates the webhook that defaults Shoots of provider type metal with the documented defaults.
func New(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	return NewWithDefaults(DefaultDefaults())(mgr)
}

// NewWithDefaults returns a factory of the webhook that defaults Shoots of provider type metal with the given
// defaults. Gardener labels these Shoots with provider.extensions.gardener.cloud/metal=true, which selects them.
func NewWithDefaults(defaults Defaults) func(manager.Manager) (*extensionswebhook.Webhook, error) {
	return func(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
		logger.Info("Setting up webhook", "name", Name)

		return extensionswebhook.New(mgr, extensionswebhook.Args{
			Name: Name,
			Path: Path,
			Mutators: map[extensionswebhook.Mutator][]extensionswebhook.Type{
				NewShootMutator(mgr.GetAPIReader(), defaults): {{Obj: &gardencorev1beta1.Shoot{}}},
			},
			Target: extensionswebhook.TargetSeed,
			ObjectSelector: &metav1.LabelSelector{
				MatchLabels: map[string]string{v1beta1constants.LabelExtensionProviderTypePrefix + admission.ProviderType: "true"},
			},
		})
	}
}
