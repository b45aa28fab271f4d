// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// +k8s:deepcopy-gen=package
// +k8s:conversion-gen=github.com/metalgarden/metalgarden/pkg/apis/ontap
// +k8s:defaulter-gen=TypeMeta

// Package v1alpha1 contains version v1alpha1 of the providerConfig (OntapConfig) and providerStatus
// (OntapStatus) of the shoot's Extension of type "ontap".
// +groupName=ontap.extensions.gardener.cloud
package v1alpha1 // import "github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
