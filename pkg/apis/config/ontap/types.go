// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

// Keys of the Secret that holds the admin credentials of an ONTAP cluster.
const (
	// SecretKeyAddress is the key of the cluster management address (host name or IP, optionally with port).
	SecretKeyAddress = "address"
	// SecretKeyUsername is the key of the admin user name.
	SecretKeyUsername = "username"
	// SecretKeyPassword is the key of the admin password.
	SecretKeyPassword = "password"
	// SecretKeyCABundle is the key of the PEM CA bundle that verifies the cluster's certificate.
	SecretKeyCABundle = "caBundle"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControllerConfiguration is the component configuration of gardener-extension-ontap.
type ControllerConfiguration struct {
	metav1.TypeMeta

	// ClientConnection configures the connection to the seed's API server.
	ClientConnection *componentbaseconfigv1alpha1.ClientConnectionConfiguration
	// Clusters are the ONTAP clusters the seed's shoots get their SVMs on.
	Clusters []ClusterReference
	// DataNetworkID is the metal-stack storage network LIF IPs are allocated from unless a shoot names
	// another one or gives explicit addresses.
	DataNetworkID string
	// InsecureSkipTLSVerify switches off the verification of the ONTAP clusters' certificates. For labs only.
	InsecureSkipTLSVerify bool
	// HealthCheckConfig configures the health check controller.
	HealthCheckConfig *healthcheckconfigv1alpha1.HealthCheckConfig
	// Trident configures the Trident CSI driver deployed into the shoots.
	Trident *TridentConfiguration
	// DefaultProtocols are the protocols enabled for shoots whose Extension carries no providerConfig.
	DefaultProtocols []string
}

// ClusterReference names an ONTAP cluster and the Secret with its admin credentials.
type ClusterReference struct {
	// Name identifies the cluster in shoots' OntapConfig (svm.cluster) and in their status.
	Name string
	// SecretRef references the Secret with the keys address, username, password and caBundle.
	SecretRef corev1.SecretReference
}

// TridentConfiguration configures the Trident CSI driver deployed into the shoots.
type TridentConfiguration struct {
	// Version overrides the Trident version of the image vector.
	Version string
}
