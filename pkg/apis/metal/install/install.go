// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package install registers the metal provider API (internal and served versions) in a scheme.
package install

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

var (
	schemeBuilder = runtime.NewSchemeBuilder(
		v1alpha1.AddToScheme,
		metal.AddToScheme,
		setVersionPriority,
	)

	// AddToScheme adds the internal and all served versions of the metal provider API to a scheme.
	AddToScheme = schemeBuilder.AddToScheme
)

// setVersionPriority makes v1alpha1 the version objects are encoded in.
func setVersionPriority(scheme *runtime.Scheme) error {
	return scheme.SetVersionPriority(v1alpha1.SchemeGroupVersion)
}

// Install adds the metal provider API to a scheme and panics if that fails, which only a programming error can
// cause.
func Install(scheme *runtime.Scheme) {
	utilruntime.Must(AddToScheme(scheme))
}
