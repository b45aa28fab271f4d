// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControllerConfiguration is the component configuration of gardener-extension-provider-metal.
type ControllerConfiguration struct {
	metav1.TypeMeta `json:",inline"`

	// ClientConnection configures the connection to the seed's API server.
	// +optional
	ClientConnection *componentbaseconfigv1alpha1.ClientConnectionConfiguration `json:"clientConnection,omitempty"`
	// MachineImages is an optional global mapping of machine image names and versions to metal-stack
	// images. The cloud profile is authoritative; this mapping is only consulted for images it lacks.
	// +optional
	MachineImages []MachineImage `json:"machineImages,omitempty"`
	// ETCD configures the etcds of the shoot control planes.
	// +optional
	ETCD ETCD `json:"etcd"`
	// HealthCheckConfig configures the health check controllers.
	// +optional
	HealthCheckConfig *healthcheckconfigv1alpha1.HealthCheckConfig `json:"healthCheckConfig,omitempty"`
	// MetalAPI configures the clients of the metal-api.
	// +optional
	MetalAPI MetalAPIClientConfig `json:"metalAPI"`
	// FeatureGates enables or disables features of the extension by name.
	// +optional
	FeatureGates map[string]bool `json:"featureGates,omitempty"`
}

// MachineImage maps a machine image name and version to a metal-stack image.
type MachineImage struct {
	// Name is the name of the machine image in the Shoot.
	Name string `json:"name"`
	// Version is the version of the machine image in the Shoot.
	Version string `json:"version"`
	// Image is the metal-stack image ID.
	Image string `json:"image"`
}

// ETCD configures the etcds of the shoot control planes.
type ETCD struct {
	// Storage configures the volumes of the etcds.
	// +optional
	Storage ETCDStorage `json:"storage"`
	// Backup configures the backups of the etcds.
	// +optional
	Backup ETCDBackup `json:"backup"`
}

// ETCDStorage configures the volumes of the etcds.
type ETCDStorage struct {
	// ClassName is the name of the seed's storage class for etcd volumes. Defaults to "gardener.cloud-fast".
	// +optional
	ClassName *string `json:"className,omitempty"`
	// Capacity is the size of an etcd volume. Defaults to 25Gi.
	// +optional
	Capacity *resource.Quantity `json:"capacity,omitempty"`
}

// ETCDBackup configures the backups of the etcds.
type ETCDBackup struct {
	// Schedule is the cron schedule (five fields) of full snapshots. Defaults to "0 */24 * * *".
	// +optional
	Schedule *string `json:"schedule,omitempty"`
	// DeltaSnapshotPeriod is the period between delta snapshots; etcd-druid's default when unset.
	// +optional
	DeltaSnapshotPeriod *metav1.Duration `json:"deltaSnapshotPeriod,omitempty"`
}

// MetalAPIClientConfig configures the clients of the metal-api.
type MetalAPIClientConfig struct {
	// RequestTimeout bounds every request to the metal-api. Defaults to 30s.
	// +optional
	RequestTimeout *metav1.Duration `json:"requestTimeout,omitempty"`
	// QPS is the sustained rate of requests per second to the metal-api, per client. Defaults to 20.
	// +optional
	QPS *float32 `json:"qps,omitempty"`
	// Burst is the number of requests to the metal-api that may exceed QPS for a moment, per client.
	// Defaults to 40.
	// +optional
	Burst *int `json:"burst,omitempty"`
}
