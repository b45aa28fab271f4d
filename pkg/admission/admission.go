// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package admission is the garden side of the metal extensions: validating and mutating webhooks that the
// (virtual) garden's API servers call for Shoots, CloudProfiles, NamespacedCloudProfiles, SecretBindings,
// CredentialsBindings and Secrets, so that bad input is refused with the field and the fix before it reaches a seed.
// The webhooks live in the subpackages validator and mutator; cmd holds their command line options.
package admission

import (
	gardencoreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	securityinstall "github.com/gardener/gardener/pkg/apis/security/install"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

const (
	// Name is the name of the admission component; webhook configurations and certificates are named after it.
	Name = "admission-metal"
	// ProviderType is the provider type of Shoots, CloudProfiles and credentials bindings the webhooks admit.
	ProviderType = "metal"
	// ExtensionTypeOntap is the type of the shoot Extension that gives a shoot ONTAP storage.
	ExtensionTypeOntap = "ontap"
)

// NewScheme returns a scheme with the Kubernetes types and Gardener's core and security APIs in all versions,
// including the internal ones the validators work on.
func NewScheme() (*runtime.Scheme, error) {
	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return nil, err
	}
	gardencoreinstall.Install(scheme)
	securityinstall.Install(scheme)
	return scheme, nil
}
