// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// OntapStatus is the providerStatus of the shoot's Extension of type "ontap": what the controller
// created on ONTAP and in the metal-api, so it can be found and freed again.
type OntapStatus struct { //nolint:revive // the kind on the wire is OntapStatus
	metav1.TypeMeta

	// Cluster is the name of the ONTAP cluster hosting the SVM.
	Cluster string
	// SVMName is the name of the SVM.
	SVMName string
	// SVMUUID is the UUID ONTAP assigned to the SVM.
	SVMUUID string
	// DataLIFs are the data LIFs of the SVM.
	DataLIFs []LIFStatus
	// ManagementLIF is the management LIF of the SVM.
	ManagementLIF *LIFStatus
	// AllocatedIPs are the IPs the controller took from the metal-api, so they can be freed.
	AllocatedIPs []string
	// CredentialsSecretName is the name of the Secret in the shoot namespace of the seed that holds the
	// credentials of the SVM-scoped Trident account.
	CredentialsSecretName string
}

// LIFStatus describes one logical interface (LIF) of the SVM.
type LIFStatus struct {
	// Name is the name of the LIF on ONTAP.
	Name string
	// Address is the IP address of the LIF.
	Address string
	// HomeNode is the ONTAP node the LIF lives on when not failed over.
	HomeNode string
	// Protocol is the protocol the LIF serves; empty for the management LIF.
	Protocol Protocol
}
