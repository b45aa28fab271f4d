// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +groupName=metal.provider.extensions.config.gardener.cloud

// Package metal contains the internal types of the component configuration of
// gardener-extension-provider-metal.
package metal // import "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
