// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package install registers the metal.provider.extensions.config.gardener.cloud API group in a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/v1alpha1"
)

var (
	schemeBuilder = runtime.NewSchemeBuilder(
		v1alpha1.AddToScheme,
		metal.AddToScheme,
		setVersionPriority,
	)

	// AddToScheme adds all versions of the API group to a scheme.
	AddToScheme = schemeBuilder.AddToScheme
)

func setVersionPriority(scheme *runtime.Scheme) error {
	return scheme.SetVersionPriority(v1alpha1.SchemeGroupVersion)
}

// Install adds all versions of the API group to a scheme and panics on failure.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(AddToScheme(scheme))
}
