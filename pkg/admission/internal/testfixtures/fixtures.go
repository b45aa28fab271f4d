// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package testfixtures provides the objects the admission tests start from: a metal CloudProfile, a complete and
// a minimal metal Shoot (YAML under testdata), credentials, and helpers to edit providerConfigs in place.
package testfixtures

import (
	"embed"
	"encoding/json"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"
)

//go:embed testdata/*.yaml
var files embed.FS

const (
	// Namespace is the project namespace of the fixtures.
	Namespace = "garden-dev"
	// Tenant is the metal-stack tenant of the fixture shoots.
	Tenant = "acme"
	// TenantAnnotation is the annotation that names the tenant.
	TenantAnnotation = "cluster.metal-stack.io/tenant"
)

func load[T any](name string) *T {
	data, err := files.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	obj := new(T)
	if err := yaml.UnmarshalStrict(data, obj); err != nil {
		panic(fmt.Sprintf("%s: %v", name, err))
	}
	return obj
}

// CloudProfile returns the metal CloudProfile with partitions fra-equ01 and fra-equ02 (region eu-central) of the
// metal control plane prod, whose network isolation serves both IP families, and ham-test01 (region eu-north) of
// the metal control plane test, which has no network isolation.
func CloudProfile() *gardencorev1beta1.CloudProfile {
	return load[gardencorev1beta1.CloudProfile]("cloudprofile.yaml")
}

// Shoot returns a complete, valid metal shoot of the given IP families (IPv4 when none are given) in partition
// fra-equ01 with a restricted network access type and ONTAP storage. Its pod and service networks are of the
// primary family.
func Shoot(families ...gardencorev1beta1.IPFamily) *gardencorev1beta1.Shoot {
	shoot := load[gardencorev1beta1.Shoot]("shoot.yaml")
	setFamilies(shoot, families)
	if shoot.Spec.Networking.IPFamilies[0] == gardencorev1beta1.IPFamilyIPv6 {
		shoot.Spec.Networking.Pods, shoot.Spec.Networking.Services = new("fd00:10:240::/48"), new("fd00:10:248::/112")
	}
	return shoot
}

// MinimalShoot returns a metal shoot of the given IP families (IPv4 when none are given) that leaves everything
// the mutator defaults unset: networking type, pod and service networks, maxPods, node CIDR mask sizes, the
// firewall's image and size and the worker pool's zones.
func MinimalShoot(families ...gardencorev1beta1.IPFamily) *gardencorev1beta1.Shoot {
	shoot := load[gardencorev1beta1.Shoot]("shoot-minimal.yaml")
	setFamilies(shoot, families)
	return shoot
}

func setFamilies(shoot *gardencorev1beta1.Shoot, families []gardencorev1beta1.IPFamily) {
	if len(families) > 0 {
		shoot.Spec.Networking.IPFamilies = families
	}
}

// Edit changes a JSON providerConfig in place through its generic form.
func Edit(raw *runtime.RawExtension, edit func(doc map[string]any)) {
	doc := Doc(raw)
	edit(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	raw.Raw, raw.Object = data, nil
}

// Doc returns the generic form of a JSON providerConfig.
func Doc(raw *runtime.RawExtension) map[string]any {
	doc := map[string]any{}
	if err := json.Unmarshal(raw.Raw, &doc); err != nil {
		panic(err)
	}
	return doc
}

// Object returns the object under a key of a generic document, creating it when missing.
func Object(doc map[string]any, key string) map[string]any {
	if obj, ok := doc[key].(map[string]any); ok {
		return obj
	}
	obj := map[string]any{}
	doc[key] = obj
	return obj
}

// Secret returns a Secret with a metal-api token, labelled as Gardener labels the Secrets of metal bindings.
func Secret(name string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: map[string]string{"provider.shoot.gardener.cloud/metal": "true"}},
		Data:       map[string][]byte{"metalAPIKey": []byte("a-metal-api-token")},
	}
}

// SecretBinding returns a SecretBinding of provider type metal for the Secret.
func SecretBinding(name, secretName string) *gardencorev1beta1.SecretBinding {
	return &gardencorev1beta1.SecretBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace},
		SecretRef:  corev1.SecretReference{Name: secretName, Namespace: Namespace},
		Provider:   &gardencorev1beta1.SecretBindingProvider{Type: "metal"},
	}
}

// CredentialsBinding returns a CredentialsBinding of provider type metal for the Secret.
func CredentialsBinding(name, secretName string) *securityv1alpha1.CredentialsBinding {
	return &securityv1alpha1.CredentialsBinding{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: Namespace},
		Provider:       securityv1alpha1.CredentialsBindingProvider{Type: "metal"},
		CredentialsRef: corev1.ObjectReference{APIVersion: "v1", Kind: "Secret", Name: secretName, Namespace: Namespace},
	}
}
