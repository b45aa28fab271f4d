// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +groupName=metal.provider.extensions.gardener.cloud

// Package metal is the internal version of the metal provider API: the providerConfig and providerStatus
// shapes that Gardener resources of type `metal` carry. Controllers and validation work on these types only;
// the served versions are converted to them by the scheme in package install.
package metal // import "github.com/metalgarden/metalgarden/pkg/apis/metal"
