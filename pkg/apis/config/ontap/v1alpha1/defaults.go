// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	"time"

	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"

	ontapv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
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
	// The same default as OntapConfig.protocols, so a shoot without providerConfig looks like one with an empty one.
	if len(obj.DefaultProtocols) == 0 {
		obj.DefaultProtocols = []string{string(ontapv1alpha1.ProtocolNVMeTCP)}
	}
}
