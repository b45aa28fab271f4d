// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +groupName=ontap.extensions.gardener.cloud

// Package ontap contains the internal types of the providerConfig and providerStatus of the shoot's
// Extension of type "ontap".
package ontap // import "github.com/metalgarden/metalgarden/pkg/apis/ontap"
