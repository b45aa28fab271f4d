// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// ControllerConfiguration is the component configuration of gardener-extension-provider-metal.
type ControllerConfiguration struct {
	metav1.TypeMeta

	// ClientConnection configures the connection to the seed's API server.
	ClientConnection *componentbaseconfigv1alpha1.ClientConnectionConfiguration
	// MachineImages is an optional global mapping of machine image names and versions to metal-stack
	// images. The cloud profile is authoritative; this mapping is only consulted for images it lacks.
	MachineImages []MachineImage
	// ETCD configures the etcds of the shoot control planes.
	ETCD ETCD
	// HealthCheckConfig configures the health check controllers.
	HealthCheckConfig *healthcheckconfigv1alpha1.HealthCheckConfig
	// MetalAPI configures the clients of the metal-api.
	MetalAPI MetalAPIClientConfig
	// FeatureGates enables or disables features of the extension by name.
	FeatureGates map[string]bool
}

// MachineImage maps a machine image name and version to a metal-stack image.
type MachineImage struct {
	// Name is the name of the machine image in the Shoot.
	Name string
	// Version is the version of the machine image in the Shoot.
	Version string
	// Image is the metal-stack image ID.
	Image string
}

// ETCD configures the etcds of the shoot control planes.
type ETCD struct {
	// Storage configures the volumes of the etcds.
	Storage ETCDStorage
	// Backup configures the backups of the etcds.
	Backup ETCDBackup
}

// ETCDStorage configures the volumes of the etcds.
type ETCDStorage struct {
	// ClassName is the name of the seed's storage class for etcd volumes.
	ClassName *string
	// Capacity is the size of an etcd volume.
	Capacity *resource.Quantity
}

// ETCDBackup configures the backups of the etcds.
type ETCDBackup struct {
	// Schedule is the cron schedule (five fields) of full snapshots.
	Schedule *string
	// DeltaSnapshotPeriod is the period between delta snapshots; etcd-druid's default when unset.
	DeltaSnapshotPeriod *metav1.Duration
}

// MetalAPIClientConfig configures the clients of the metal-api.
type MetalAPIClientConfig struct { //nolint:revive // mirrors the metalAPI field and the versioned type
	// RequestTimeout bounds every request to the metal-api.
	RequestTimeout *metav1.Duration
	// QPS is the sustained rate of requests per second to the metal-api, per client.
	QPS *float32
	// Burst is the number of requests to the metal-api that may exceed QPS for a moment, per client.
	Burst *int
}
