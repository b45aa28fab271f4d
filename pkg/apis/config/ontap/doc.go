// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +groupName=ontap.extensions.config.gardener.cloud

// Package ontap contains the internal types of the component configuration of gardener-extension-ontap.
package ontap // import "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
