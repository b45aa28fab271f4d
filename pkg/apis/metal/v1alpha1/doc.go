// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/metalgarden/metalgarden/pkg/apis/metal
// +k8s:defaulter-gen=TypeMeta

// Package v1alpha1 is the served version of the metal provider API: the providerConfig and providerStatus
// documents of Gardener resources of type `metal`.
// +groupName=metal.provider.extensions.gardener.cloud
package v1alpha1 // import "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
