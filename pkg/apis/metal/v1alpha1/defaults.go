// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1

import (
	"net/url"
	"strconv"

	"k8s.io/apimachinery/pkg/runtime"
)

// FirewallControllerVersionAuto asks for the newest supported firewall-controller release of the CloudProfile.
const FirewallControllerVersionAuto = "auto"

// addDefaultingFuncs registers the generated defaulters, which call the SetDefaults_* functions below.
func addDefaultingFuncs(scheme *runtime.Scheme) error {
	return RegisterDefaults(scheme)
}

// SetDefaults_ControlPlaneConfig defaults the network access type to baseline and switches csi-lvm on.
func SetDefaults_ControlPlaneConfig(obj *ControlPlaneConfig) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// An unset network access type means no isolation.
	if obj.NetworkAccessType == nil {
		obj.NetworkAccessType = new(NetworkAccessBaseline)
	}
	// csi-lvm is deployed unless switched off, so that a shoot has a default StorageClass.
	if obj.FeatureGates.CSILVM == nil {
		obj.FeatureGates.CSILVM = new(true)
	}
}

// SetDefaults_Firewall defaults the firewall-controller version to `auto`.
func SetDefaults_Firewall(obj *Firewall) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	// Without a version the newest supported release of the CloudProfile is used.
	if obj.ControllerVersion == "" {
		obj.ControllerVersion = FirewallControllerVersionAuto
	}
}

// SetDefaults_CloudProfileConfig defaults the firewall-controller releases and registry mirrors of every metal
// control plane and partition. The walk is written by hand because defaulter-gen does not descend into maps.
func SetDefaults_CloudProfileConfig(obj *CloudProfileConfig) { //nolint:revive // defaulter-gen finds defaulters by the SetDefaults_ prefix
	for _, mcp := range obj.MetalControlPlanes {
		for i := range mcp.FirewallControllerVersions {
			defaultFirewallControllerVersion(&mcp.FirewallControllerVersions[i])
		}
		defaultNetworkIsolation(mcp.NetworkIsolation)
		for _, partition := range mcp.Partitions {
			defaultNetworkIsolation(partition.NetworkIsolation)
		}
	}
}

// defaultFirewallControllerVersion defaults the classification of a release to supported.
func defaultFirewallControllerVersion(obj *FirewallControllerVersion) {
	// A release an operator lists without a classification is one they support.
	if obj.Classification == nil {
		obj.Classification = new(ClassificationSupported)
	}
}

// defaultNetworkIsolation defaults the registry mirrors of a network isolation, if there is one.
func defaultNetworkIsolation(obj *NetworkIsolation) {
	if obj == nil {
		return
	}
	for i := range obj.RegistryMirrors {
		defaultRegistryMirror(&obj.RegistryMirrors[i])
	}
}

// defaultRegistryMirror defaults the port of a registry mirror to the port of its endpoint URL.
func defaultRegistryMirror(obj *RegistryMirror) {
	// The port is the explicit one of the endpoint, else 443 for https and 80 for http.
	if obj.Port == 0 {
		obj.Port = portOfEndpoint(obj.Endpoint)
	}
}

// portOfEndpoint returns the TCP port an http(s) URL points to, or 0 when the URL does not tell.
func portOfEndpoint(endpoint string) int32 {
	u, err := url.Parse(endpoint)
	if err != nil {
		return 0
	}
	if p := u.Port(); p != "" {
		port, err := strconv.ParseUint(p, 10, 16)
		if err != nil {
			return 0
		}
		return int32(port)
	}
	switch u.Scheme {
	case "https":
		return 443
	case "http":
		return 80
	}
	return 0
}
