// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OntapStatus is the providerStatus of the shoot's Extension of type "ontap": what the controller
// created on ONTAP and in the metal-api, so it can be found and freed again.
type OntapStatus struct {
	metav1.TypeMeta `json:",inline"`

	// Cluster is the name of the ONTAP cluster hosting the SVM.
	// +optional
	Cluster string `json:"cluster,omitempty"`
	// SVMName is the name of the SVM.
	// +optional
	SVMName string `json:"svmName,omitempty"`
	// SVMUUID is the UUID ONTAP assigned to the SVM.
	// +optional
	SVMUUID string `json:"svmUUID,omitempty"`
	// DataLIFs are the data LIFs of the SVM.
	// +optional
	DataLIFs []LIFStatus `json:"dataLIFs,omitempty"`
	// ManagementLIF is the management LIF of the SVM.
	// +optional
	ManagementLIF *LIFStatus `json:"managementLIF,omitempty"`
	// AllocatedIPs are the IPs the controller took from the metal-api, so they can be freed.
	// +optional
	AllocatedIPs []string `json:"allocatedIPs,omitempty"`
	// CredentialsSecretName is the name of the Secret in the shoot namespace of the seed that holds the
	// credentials of the SVM-scoped Trident account.
	// +optional
	CredentialsSecretName string `json:"credentialsSecretName,omitempty"`
}

// LIFStatus describes one logical interface (LIF) of the SVM.
type LIFStatus struct {
	// Name is the name of the LIF on ONTAP.
	Name string `json:"name"`
	// Address is the IP address of the LIF.
	Address string `json:"address"`
	// HomeNode is the ONTAP node the LIF lives on when not failed over.
	// +optional
	HomeNode string `json:"homeNode,omitempty"`
	// Protocol is the protocol the LIF serves; empty for the management LIF.
	// +optional
	Protocol Protocol `json:"protocol,omitempty"`
}
