// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"encoding/json"
	"slices"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

const (
	// sshKey is the shoot's public SSH key.
	sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbG7cu+1bh8rJrZ0AXqGWrqnLj0BcBYXUcpSi8gKSo2 shoot"
	// poolUserData is the user data of the pools' OSC secrets.
	poolUserData = "#cloud-config\nbootstrap-token: <<BOOTSTRAP_TOKEN>>\n"
)

// fixture describes a shoot with its configs, as gardenlet hands them to the Worker controller.
type fixture struct {
	project, name string
	families      []gardencorev1beta1.IPFamily
	infra         metalv1alpha1.InfrastructureConfig
	controlPlane  *metalv1alpha1.ControlPlaneConfig
	cloudProfile  metalv1alpha1.CloudProfileConfig
	endpoint      string
	pools         []extensionsv1alpha1.WorkerPool
	nodeNetwork   metalv1alpha1.NodeNetworkStatus
	hibernated    bool

	shoot *gardencorev1beta1.Shoot
}

func raw(obj any) *runtime.RawExtension {
	data, err := json.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	return &runtime.RawExtension{Raw: data}
}

// newFixture is a dual-stack shoot in the simulator's default partition with two pools: pool-a of the large size
// and pool-b of the small size with the storage network as additional network.
func newFixture(project, name, endpoint string) *fixture {
	f := &fixture{
		project:  project,
		name:     name,
		endpoint: endpoint,
		families: []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6},
		infra: metalv1alpha1.InfrastructureConfig{
			TypeMeta:    metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "InfrastructureConfig"},
			PartitionID: metalapi.DefaultPartitionID,
			ProjectID:   metalapi.DefaultProjectID,
			Firewall: metalv1alpha1.Firewall{
				Size:                   metalapi.FirewallSizeID,
				Image:                  metalapi.FirewallImageID,
				Networks:               []string{metalapi.InternetNetworkID, metalapi.StorageNetworkID},
				RateLimits:             []metalv1alpha1.RateLimit{{NetworkID: metalapi.InternetNetworkID, RateLimit: 1000}},
				EgressRules:            []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{"203.0.113.10", "2001:db8:ff00::10"}}},
				LogAcceptedConnections: true,
				ControllerVersion:      "auto",
				AutoUpdateMachineImage: true,
			},
		},
		cloudProfile: metalv1alpha1.CloudProfileConfig{
			TypeMeta: metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "CloudProfileConfig"},
		},
		nodeNetwork: metalv1alpha1.NodeNetworkStatus{ID: "node-network", Prefixes: []string{"10.0.4.0/22", "2001:db8:0:10::1:0/112"}},
		pools: []extensionsv1alpha1.WorkerPool{
			{
				Name: "pool-a", MachineType: metalapi.MachineSizeID, Minimum: 2, Maximum: 2,
				MaxSurge: intstr.FromInt32(1), MaxUnavailable: intstr.FromInt32(0),
				MachineImage:      extensionsv1alpha1.MachineImage{Name: "ubuntu", Version: "24.04"},
				UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "osc-pool-a"}, Key: "cloud_config"},
				Zones:             []string{metalapi.DefaultPartitionID},
				Labels:            map[string]string{"node.example.com/tier": "large"},
				Annotations:       map[string]string{"example.com/owner": "team-a"},
				Taints:            []corev1.Taint{{Key: "dedicated", Value: "large", Effect: corev1.TaintEffectNoSchedule}},
				Priority:          new(int32(10)),
			},
			{
				Name: "pool-b", MachineType: metalapi.SmallMachineSizeID, Minimum: 2, Maximum: 2,
				MaxSurge: intstr.FromInt32(1), MaxUnavailable: intstr.FromInt32(0),
				MachineImage:      extensionsv1alpha1.MachineImage{Name: "ubuntu", Version: "24.04"},
				UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "osc-pool-b"}, Key: "cloud_config"},
				ProviderConfig: raw(metalv1alpha1.WorkerConfig{
					TypeMeta:           metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "WorkerConfig"},
					AdditionalNetworks: []string{metalapi.StorageNetworkID},
					Tags:               map[string]string{"team": "storage"},
				}),
			},
		},
	}
	f.cloudProfile.MetalControlPlanes = map[string]metalv1alpha1.MetalControlPlane{
		"sim": {
			Endpoint: endpoint,
			Partitions: map[string]metalv1alpha1.Partition{
				metalapi.DefaultPartitionID: {FirewallTypes: []string{metalapi.FirewallSizeID}},
			},
			FirewallImages: []string{metalapi.FirewallImageID},
			FirewallControllerVersions: []metalv1alpha1.FirewallControllerVersion{
				{Version: "v2.3.4", URL: "https://images.example.com/fwc/v2.3.4", Classification: new(metalv1alpha1.VersionClassification("supported"))},
				{Version: "v2.10.0", URL: "https://images.example.com/fwc/v2.10.0", Classification: new(metalv1alpha1.VersionClassification("supported"))},
				{Version: "v2.11.0-rc.1", URL: "https://images.example.com/fwc/v2.11.0-rc.1", Classification: new(metalv1alpha1.VersionClassification("preview"))},
				{Version: "v2.2.0", URL: "https://images.example.com/fwc/v2.2.0", Classification: new(metalv1alpha1.VersionClassification("deprecated"))},
			},
			NftablesExporter: &metalv1alpha1.NftablesExporter{Version: "v0.2.7", URL: "https://images.example.com/nftables-exporter/v0.2.7"},
			NetworkIsolation: &metalv1alpha1.NetworkIsolation{
				AllowedNetworks: metalv1alpha1.AllowedNetworks{Ingress: []string{"100.64.0.0/10"}, Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}},
				DNSServers:      []string{"100.64.0.53", "2001:db8:2::53"},
				NTPServers:      []string{"100.64.0.123", "100.64.1.123", "100.64.2.123"},
				RegistryMirrors: []metalv1alpha1.RegistryMirror{{Name: "mirror", Endpoint: "https://registry.example.com", IP: "100.64.0.80", Port: 443, MirrorOf: []string{"docker.io"}}},
			},
		},
	}
	return f
}

// build creates the shoot, the cloud profile and the seed as gardenlet's Cluster holds them.
func (f *fixture) build() (*gardencorev1beta1.Shoot, *gardencorev1beta1.CloudProfile, *gardencorev1beta1.Seed) {
	spec := testenv.ShootSpec{
		Project: f.project, Name: f.name, IPFamilies: f.families, Hibernated: f.hibernated,
	}
	infra, err := json.Marshal(f.infra)
	Expect(err).NotTo(HaveOccurred())
	spec.InfrastructureConfig = infra
	if f.controlPlane != nil {
		f.controlPlane.TypeMeta = metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "ControlPlaneConfig"}
		data, err := json.Marshal(f.controlPlane)
		Expect(err).NotTo(HaveOccurred())
		spec.ControlPlaneConfig = data
	}
	shoot := testenv.NewShoot(spec)
	shoot.Spec.Networking.Pods = new("100.96.0.0/11")
	shoot.Spec.Networking.Services = new("100.64.0.0/13")
	shoot.Status.Networking = &gardencorev1beta1.NetworkingStatus{
		Pods:     []string{"100.96.0.0/11"},
		Services: []string{"100.64.0.0/13"},
		Nodes:    f.nodeNetwork.Prefixes,
	}
	if slices.Contains(f.families, gardencorev1beta1.IPFamilyIPv6) {
		shoot.Status.Networking.Pods = append(shoot.Status.Networking.Pods, "2001:db8:100::/56")
		shoot.Status.Networking.Services = append(shoot.Status.Networking.Services, "2001:db8:200::/112")
	}
	if f.shoot != nil {
		// Keep the identity of a shoot built before.
		shoot.UID, shoot.Status.UID = f.shoot.UID, f.shoot.Status.UID
	}
	f.shoot = shoot
	cloudProfileConfig, err := json.Marshal(f.cloudProfile)
	Expect(err).NotTo(HaveOccurred())
	cloudProfile := testenv.NewCloudProfile(cloudProfileConfig, gardencorev1beta1.CloudProfileSpec{
		Regions: []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: metalapi.DefaultPartitionID}}}},
		MachineImages: []gardencorev1beta1.MachineImage{{Name: "ubuntu", Versions: []gardencorev1beta1.MachineImageVersion{
			{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "24.04"}},
		}}},
		MachineTypes: []gardencorev1beta1.MachineType{{Name: metalapi.MachineSizeID}, {Name: metalapi.SmallMachineSizeID}},
	})
	return shoot, cloudProfile, testenv.NewSeed("seed")
}

// cluster is the extensions Cluster of the fixture, decoded.
func (f *fixture) cluster() *extensionscontroller.Cluster {
	shoot, cloudProfile, seed := f.build()
	return &extensionscontroller.Cluster{Shoot: shoot, CloudProfile: cloudProfile, Seed: seed}
}

// worker is the fixture's Worker in a namespace.
func (f *fixture) worker(namespace string) *extensionsv1alpha1.Worker {
	status := metalv1alpha1.InfrastructureStatus{
		TypeMeta:    metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "InfrastructureStatus"},
		NodeNetwork: &f.nodeNetwork,
	}
	return &extensionsv1alpha1.Worker{
		ObjectMeta: metav1.ObjectMeta{
			Name: f.name, Namespace: namespace,
			Annotations: map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile},
		},
		Spec: extensionsv1alpha1.WorkerSpec{
			DefaultSpec:                  extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType},
			InfrastructureProviderStatus: raw(status),
			Region:                       "local",
			SecretRef:                    corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: namespace},
			SSHPublicKey:                 []byte(sshKey),
			Pools:                        f.pools,
		},
	}
}
