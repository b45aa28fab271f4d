// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControllerConfiguration is the component configuration of gardener-extension-ontap.
type ControllerConfiguration struct {
	metav1.TypeMeta `json:",inline"`

	// ClientConnection configures the connection to the seed's API server.
	// +optional
	ClientConnection *componentbaseconfigv1alpha1.ClientConnectionConfiguration `json:"clientConnection,omitempty"`
	// Clusters are the ONTAP clusters the seed's shoots get their SVMs on. Admin credentials come from
	// Secrets, never from this configuration.
	Clusters []ClusterReference `json:"clusters"`
	// DataNetworkID is the metal-stack storage network LIF IPs are allocated from unless a shoot names
	// another one or gives explicit addresses.
	DataNetworkID string `json:"dataNetworkID"`
	// InsecureSkipTLSVerify switches off the verification of the ONTAP clusters' certificates. For labs
	// only: it exposes the admin credentials to anyone on the path to the cluster.
	// +optional
	InsecureSkipTLSVerify bool `json:"insecureSkipTLSVerify,omitempty"`
	// HealthCheckConfig configures the health check controller.
	// +optional
	HealthCheckConfig *healthcheckconfigv1alpha1.HealthCheckConfig `json:"healthCheckConfig,omitempty"`
	// Trident configures the Trident CSI driver deployed into the shoots.
	// +optional
	Trident *TridentConfiguration `json:"trident,omitempty"`
	// DefaultProtocols are the protocols (nvme-tcp, iscsi, nfs) enabled for shoots whose Extension carries
	// no providerConfig. Defaults to [nvme-tcp], the default of OntapConfig.protocols.
	// +optional
	DefaultProtocols []string `json:"defaultProtocols,omitempty"`
}

// ClusterReference names an ONTAP cluster and the Secret with its admin credentials.
type ClusterReference struct {
	// Name identifies the cluster in shoots' OntapConfig (svm.cluster) and in their status; a DNS-1123 label.
	Name string `json:"name"`
	// SecretRef references the Secret with the keys address, username, password and caBundle.
	SecretRef corev1.SecretReference `json:"secretRef"`
}

// TridentConfiguration configures the Trident CSI driver deployed into the shoots.
type TridentConfiguration struct {
	// Version overrides the Trident version of the image vector, e.g. "24.06.0".
	// +optional
	Version string `json:"version,omitempty"`
}
