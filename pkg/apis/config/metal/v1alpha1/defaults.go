// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	"time"

	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_ControllerConfiguration sets the defaults of a ControllerConfiguration. The client connection
// and health check defaults are set here rather than in SetDefaults_<Type> functions of their own because
// defaulter-gen allows one such function per type across all packages it generates for at once.
func SetDefaults_ControllerConfiguration(obj *ControllerConfiguration) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	if obj.ClientConnection == nil {
		obj.ClientConnection = &componentbaseconfigv1alpha1.ClientConnectionConfiguration{}
	}
	// The same rate limits as gardener's own controllers.
	if obj.ClientConnection.QPS == 0 {
		obj.ClientConnection.QPS = 50
	}
	// Room for the burst of a reconcile of all objects of one shoot.
	if obj.ClientConnection.Burst == 0 {
		obj.ClientConnection.Burst = 100
	}

	if obj.HealthCheckConfig == nil {
		obj.HealthCheckConfig = &healthcheckconfigv1alpha1.HealthCheckConfig{}
	}
	// The sync period gardener's health check framework documents as its default.
	if obj.HealthCheckConfig.SyncPeriod.Duration == 0 {
		obj.HealthCheckConfig.SyncPeriod = metav1.Duration{Duration: 30 * time.Second}
	}
}

// SetDefaults_ETCDStorage sets the defaults of the etcd volumes.
func SetDefaults_ETCDStorage(obj *ETCDStorage) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// The SSD-backed storage class gardener expects every seed to offer.
	if obj.ClassName == nil {
		obj.ClassName = new("gardener.cloud-fast")
	}
	// Room for etcd's 8Gi quota plus headroom for compaction and defragmentation.
	if obj.Capacity == nil {
		obj.Capacity = new(resource.MustParse("25Gi"))
	}
}

// SetDefaults_ETCDBackup sets the defaults of the etcd backups.
func SetDefaults_ETCDBackup(obj *ETCDBackup) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// One full snapshot a day; delta snapshots cover the time in between.
	if obj.Schedule == nil {
		obj.Schedule = new("0 */24 * * *")
	}
}

// SetDefaults_MetalAPIClientConfig sets the defaults of the metal-api clients.
func SetDefaults_MetalAPIClientConfig(obj *MetalAPIClientConfig) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// Long enough for a machine or network allocation, short enough to free a worker from a hung request.
	if obj.RequestTimeout == nil {
		obj.RequestTimeout = &metav1.Duration{Duration: 30 * time.Second}
	}
	// The metal-api is shared by every seed of the installation: stay modest.
	if obj.QPS == nil {
		obj.QPS = new(float32(20))
	}
	// Twice QPS: a shoot's first reconcile asks for networks, IPs and machines in a burst.
	if obj.Burst == nil {
		obj.Burst = new(40)
	}
}
