// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/metalgarden/metalgarden/pkg/apis/config/metal
// +k8s:defaulter-gen=TypeMeta

// Package v1alpha1 contains version v1alpha1 of the component configuration of
// gardener-extension-provider-metal.
// +groupName=metal.provider.extensions.config.gardener.cloud
package v1alpha1 // import "github.com/metalgarden/metalgarden/pkg/apis/config/metal/v1alpha1"
