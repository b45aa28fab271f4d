// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalgarden/metalgarden/internal/testenv"
)

// stack is one of the IP family combinations a metal shoot can have, with the node and pod networks gardenlet and
// the Infrastructure controller record for it.
type stack struct {
	families []gardencorev1beta1.IPFamily
	// shootNodes are the node networks in the shoot's status (what gardenlet knows).
	shootNodes []string
	// infraNodes are the node networks of the Infrastructure's status (what was allocated).
	infraNodes []string
	pods       []string
}

var (
	ipv4 = gardencorev1beta1.IPFamilyIPv4
	ipv6 = gardencorev1beta1.IPFamilyIPv6

	dualStack = stack{
		families:   []gardencorev1beta1.IPFamily{ipv4, ipv6},
		shootNodes: []string{"10.0.16.0/22"},
		infraNodes: []string{"10.0.16.0/22", "2001:db8:16::/64"},
		pods:       []string{"10.244.0.0/16", "fd00:10:244::/56"},
	}
	ipv4Only = stack{
		families:   []gardencorev1beta1.IPFamily{ipv4},
		shootNodes: nil,
		infraNodes: []string{"10.0.20.0/22"},
		pods:       []string{"10.244.0.0/16"},
	}
	ipv6Only = stack{
		families:   []gardencorev1beta1.IPFamily{ipv6},
		shootNodes: []string{"2001:db8:20::/64"},
		infraNodes: []string{"2001:db8:20::/64"},
		pods:       []string{"fd00:10:244::/56"},
	}
)

// cloudProfileConfig has partition "isolated" with network isolation (IPv4 and IPv6 servers) and partition "open"
// without.
const cloudProfileConfig = `{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"CloudProfileConfig",
"metalControlPlanes":{"prod":{"endpoint":"https://metal-api.example.com","partitions":{
 "isolated":{"firewallTypes":["c1-xlarge-x86"],"networkIsolation":{
   "allowedNetworks":{"ingress":["10.9.0.0/16"],"egress":["10.9.0.0/16","2001:db8:9::/48"]},
   "dnsServers":["10.9.0.53","2001:db8:9::53"],
   "ntpServers":["10.9.0.123","2001:db8:9::123"],
   "registryMirrors":[{"name":"mirror","endpoint":"https://registry.example.com","ip":"10.9.0.5","port":443,"mirrorOf":["docker.io","ghcr.io"]}]}},
 "open":{"firewallTypes":["c1-xlarge-x86"]}}}}}`

func infrastructureConfig(partition string) []byte {
	return []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"` + partition +
		`","projectID":"p1","firewall":{"size":"c1-xlarge-x86","image":"firewall-ubuntu-3.0","networks":["internet"],"controllerVersion":"auto"}}`)
}

func controlPlaneConfig(accessType string) []byte {
	if accessType == "" {
		return nil
	}
	return []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"ControlPlaneConfig","networkAccessType":"` + accessType + `"}`)
}

// newCluster returns the Cluster of a shoot with the stack's families and node networks in the shoot's status.
func newCluster(s stack, partition, accessType string) *extensionscontroller.Cluster {
	shoot := testenv.NewShoot(testenv.ShootSpec{
		Project:              "dev",
		Name:                 "web",
		IPFamilies:           s.families,
		InfrastructureConfig: infrastructureConfig(partition),
		ControlPlaneConfig:   controlPlaneConfig(accessType),
		Workers:              []gardencorev1beta1.Worker{{Name: "pool-a"}},
	})
	if len(s.shootNodes) > 0 {
		shoot.Status.Networking = &gardencorev1beta1.NetworkingStatus{Nodes: s.shootNodes}
	}
	cloudProfile := testenv.NewCloudProfile([]byte(cloudProfileConfig), gardencorev1beta1.CloudProfileSpec{})
	return &extensionscontroller.Cluster{
		ObjectMeta:   metav1.ObjectMeta{Name: shoot.Status.TechnicalID},
		Shoot:        shoot,
		CloudProfile: cloudProfile,
	}
}
