// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package v1alpha1_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

var _ = Describe("Defaults", func() {
	var scheme *runtime.Scheme

	BeforeEach(func() {
		scheme = runtime.NewScheme()
		Expect(v1alpha1.AddToScheme(scheme)).To(Succeed())
	})

	DescribeTable("through the scheme",
		func(obj, expected runtime.Object) {
			scheme.Default(obj)
			Expect(obj).To(Equal(expected))
		},

		Entry("ControlPlaneConfig: baseline network access and csi-lvm on",
			&v1alpha1.ControlPlaneConfig{},
			&v1alpha1.ControlPlaneConfig{NetworkAccessType: new(v1alpha1.NetworkAccessBaseline), FeatureGates: v1alpha1.ControlPlaneFeatures{CSILVM: new(true)}}),
		Entry("ControlPlaneConfig: set values stay",
			&v1alpha1.ControlPlaneConfig{NetworkAccessType: new(v1alpha1.NetworkAccessForbidden), FeatureGates: v1alpha1.ControlPlaneFeatures{CSILVM: new(false)}},
			&v1alpha1.ControlPlaneConfig{NetworkAccessType: new(v1alpha1.NetworkAccessForbidden), FeatureGates: v1alpha1.ControlPlaneFeatures{CSILVM: new(false)}}),

		Entry("InfrastructureConfig: controller version auto",
			&v1alpha1.InfrastructureConfig{},
			&v1alpha1.InfrastructureConfig{Firewall: v1alpha1.Firewall{ControllerVersion: v1alpha1.FirewallControllerVersionAuto}}),
		Entry("InfrastructureConfig: a set controller version stays",
			&v1alpha1.InfrastructureConfig{Firewall: v1alpha1.Firewall{ControllerVersion: "v2.3.4"}},
			&v1alpha1.InfrastructureConfig{Firewall: v1alpha1.Firewall{ControllerVersion: "v2.3.4"}}),

		Entry("CloudProfileConfig: empty stays empty", &v1alpha1.CloudProfileConfig{}, &v1alpha1.CloudProfileConfig{}),
		Entry("CloudProfileConfig: releases are supported unless classified otherwise",
			&v1alpha1.CloudProfileConfig{MetalControlPlanes: map[string]v1alpha1.MetalControlPlane{"prod": {FirewallControllerVersions: []v1alpha1.FirewallControllerVersion{
				{Version: "v2.3.4"}, {Version: "v2.4.0", Classification: new(v1alpha1.ClassificationPreview)},
			}}}},
			&v1alpha1.CloudProfileConfig{MetalControlPlanes: map[string]v1alpha1.MetalControlPlane{"prod": {FirewallControllerVersions: []v1alpha1.FirewallControllerVersion{
				{Version: "v2.3.4", Classification: new(v1alpha1.ClassificationSupported)}, {Version: "v2.4.0", Classification: new(v1alpha1.ClassificationPreview)},
			}}}}),
		Entry("CloudProfileConfig: mirror ports come from the endpoints of control planes and partitions",
			&v1alpha1.CloudProfileConfig{MetalControlPlanes: map[string]v1alpha1.MetalControlPlane{"prod": {
				NetworkIsolation: &v1alpha1.NetworkIsolation{RegistryMirrors: []v1alpha1.RegistryMirror{
					{Endpoint: "https://registry.example.com"},
					{Endpoint: "http://registry.example.com"},
					{Endpoint: "https://registry.example.com:8443/v2"},
					{Endpoint: "http://[2001:db8::5]:5000"},
					{Endpoint: "https://registry.example.com", Port: 4443},
					{Endpoint: "registry.example.com"},
					{Endpoint: "https://registry.example.com:99999"},
					{Endpoint: "https://registry example.com"},
				}},
				Partitions: map[string]v1alpha1.Partition{
					"fra-equ01": {NetworkIsolation: &v1alpha1.NetworkIsolation{RegistryMirrors: []v1alpha1.RegistryMirror{{Endpoint: "https://mirror.example.com"}}}},
					"fra-equ02": {},
				},
			}}},
			&v1alpha1.CloudProfileConfig{MetalControlPlanes: map[string]v1alpha1.MetalControlPlane{"prod": {
				NetworkIsolation: &v1alpha1.NetworkIsolation{RegistryMirrors: []v1alpha1.RegistryMirror{
					{Endpoint: "https://registry.example.com", Port: 443},
					{Endpoint: "http://registry.example.com", Port: 80},
					{Endpoint: "https://registry.example.com:8443/v2", Port: 8443},
					{Endpoint: "http://[2001:db8::5]:5000", Port: 5000},
					{Endpoint: "https://registry.example.com", Port: 4443},
					// Without a port to derive, it stays unset and validation reports it.
					{Endpoint: "registry.example.com"},
					{Endpoint: "https://registry.example.com:99999"},
					{Endpoint: "https://registry example.com"},
				}},
				Partitions: map[string]v1alpha1.Partition{
					"fra-equ01": {NetworkIsolation: &v1alpha1.NetworkIsolation{RegistryMirrors: []v1alpha1.RegistryMirror{{Endpoint: "https://mirror.example.com", Port: 443}}}},
					"fra-equ02": {},
				},
			}}}),

		Entry("WorkerConfig: nothing to default", &v1alpha1.WorkerConfig{}, &v1alpha1.WorkerConfig{}),
		Entry("InfrastructureStatus: nothing to default", &v1alpha1.InfrastructureStatus{}, &v1alpha1.InfrastructureStatus{}),
		Entry("WorkerStatus: nothing to default", &v1alpha1.WorkerStatus{}, &v1alpha1.WorkerStatus{}),
	)
})
