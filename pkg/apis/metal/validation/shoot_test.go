// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateTenantAnnotation", func() {
	const key = "cluster.metal-stack.io/tenant"
	path := field.NewPath("metadata", "annotations")

	DescribeTable("validates",
		func(annotations, oldAnnotations map[string]string, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateTenantAnnotation(annotations, oldAnnotations, path), matchers)
		},
		Entry("a tenant on create", map[string]string{key: "acme"}, nil),
		Entry("no tenant on create", map[string]string{"other": "x"}, nil, required("metadata.annotations[cluster.metal-stack.io/tenant]")),
		Entry("an empty tenant on create", map[string]string{key: ""}, nil, required("metadata.annotations[cluster.metal-stack.io/tenant]")),
		Entry("an unchanged tenant on update", map[string]string{key: "acme"}, map[string]string{key: "acme"}),
		Entry("a changed tenant on update", map[string]string{key: "evil"}, map[string]string{key: "acme"}, invalid("metadata.annotations[cluster.metal-stack.io/tenant]")),
		Entry("a removed tenant on update", map[string]string{}, map[string]string{key: "acme"}, required("metadata.annotations[cluster.metal-stack.io/tenant]")),
		Entry("a tenant added on update to a shoot without one", map[string]string{key: "acme"}, map[string]string{}, invalid("metadata.annotations[cluster.metal-stack.io/tenant]")),
	)
})

func cloudProfileSpec() *gardencorev1beta1.CloudProfileSpec {
	return &gardencorev1beta1.CloudProfileSpec{
		Type: "metal",
		Regions: []gardencorev1beta1.Region{
			{Name: "eu-central", Zones: []gardencorev1beta1.AvailabilityZone{
				{Name: "fra-equ01"},
				{Name: "fra-equ02", UnavailableMachineTypes: []string{"c1-xlarge-x86"}},
			}},
			{Name: "eu-north", Zones: []gardencorev1beta1.AvailabilityZone{{Name: "ham-test01"}}},
		},
		MachineTypes: []gardencorev1beta1.MachineType{
			{Name: "c1-large-x86"},
			{Name: "c1-xlarge-x86"},
			{Name: "n1-legacy-x86", Usable: new(false)},
		},
		MachineImages: []gardencorev1beta1.MachineImage{
			{Name: "ubuntu", Versions: []gardencorev1beta1.MachineImageVersion{{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "24.4.20250101"}}}},
			{Name: "debian", Versions: []gardencorev1beta1.MachineImageVersion{{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "12.0.20250101"}}}},
		},
	}
}

var _ = Describe("ValidatePartitionInRegion", func() {
	path := field.NewPath("infrastructureConfig", "partitionID")

	DescribeTable("validates",
		func(partitionID, region string, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidatePartitionInRegion(partitionID, region, cloudProfileSpec().Regions, path), matchers)
		},
		Entry("a zone of the region", "fra-equ02", "eu-central"),
		Entry("a zone of another region", "ham-test01", "eu-central", notSupported("infrastructureConfig.partitionID")),
		Entry("no zone at all", "muc-01", "eu-north", notSupported("infrastructureConfig.partitionID")),
		Entry("a region the profile does not know (Gardener reports it)", "fra-equ01", "us-east"),
		Entry("no partition (required elsewhere)", "", "eu-central"),
	)
})

var _ = Describe("ValidateWorkerZones", func() {
	path := field.NewPath("spec", "provider", "workers")

	DescribeTable("validates",
		func(zones [][]string, matchers ...types.GomegaMatcher) {
			var workers []gardencorev1beta1.Worker
			for _, z := range zones {
				workers = append(workers, gardencorev1beta1.Worker{Zones: z})
			}
			expectErrors(validation.ValidateWorkerZones(workers, "fra-equ01", path), matchers)
		},
		Entry("pools in the partition", [][]string{{"fra-equ01"}, {"fra-equ01"}}),
		Entry("a pool in another zone", [][]string{{"fra-equ01"}, {"fra-equ02"}}, notSupported("spec.provider.workers[1].zones[0]")),
		Entry("a pool in two zones", [][]string{{"fra-equ01", "fra-equ02"}}, notSupported("spec.provider.workers[0].zones[1]")),
		Entry("a pool without zones", [][]string{nil}, required("spec.provider.workers[0].zones")),
	)

	It("leaves a missing partition to the infrastructure validation", func() {
		Expect(validation.ValidateWorkerZones([]gardencorev1beta1.Worker{{Zones: []string{"x"}}}, "", path)).To(BeEmpty())
	})
})

var _ = Describe("ValidateWorkerAgainstCloudProfile", func() {
	path := field.NewPath("spec", "provider", "workers").Index(0)

	worker := func(machineType, image string, version *string, zones ...string) gardencorev1beta1.Worker {
		w := gardencorev1beta1.Worker{Name: "pool", Zones: zones, Machine: gardencorev1beta1.Machine{Type: machineType}}
		if image != "" {
			w.Machine.Image = &gardencorev1beta1.ShootMachineImage{Name: image, Version: version}
		}
		return w
	}

	DescribeTable("validates",
		func(w gardencorev1beta1.Worker, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateWorkerAgainstCloudProfile(&w, "eu-central", cloudProfileSpec(), path), matchers)
		},
		Entry("an offered type and image version", worker("c1-large-x86", "ubuntu", new("24.4.20250101"), "fra-equ01")),
		Entry("an offered image without version (Gardener defaults it)", worker("c1-large-x86", "debian", nil, "fra-equ01")),
		Entry("no image (Gardener defaults it)", worker("c1-large-x86", "", nil, "fra-equ01")),
		Entry("an unknown machine type", worker("c9-huge-x86", "ubuntu", nil, "fra-equ01"), notSupported("spec.provider.workers[0].machine.type")),
		Entry("an unusable machine type", worker("n1-legacy-x86", "ubuntu", nil, "fra-equ01"), notSupported("spec.provider.workers[0].machine.type")),
		Entry("a machine type unavailable in the zone", worker("c1-xlarge-x86", "ubuntu", nil, "fra-equ02"), invalid("spec.provider.workers[0].zones[0]")),
		Entry("a machine type available in the zone", worker("c1-xlarge-x86", "ubuntu", nil, "fra-equ01")),
		Entry("a machine type unavailable in the second zone", worker("c1-xlarge-x86", "ubuntu", nil, "fra-equ01", "fra-equ02"), invalid("spec.provider.workers[0].zones[1]")),
		Entry("an unknown image", worker("c1-large-x86", "flatcar", nil, "fra-equ01"), notSupported("spec.provider.workers[0].machine.image.name")),
		Entry("an unknown image version", worker("c1-large-x86", "ubuntu", new("22.4.0"), "fra-equ01"), notSupported("spec.provider.workers[0].machine.image.version")),
	)
})

var _ = Describe("ValidateShootNodeNetwork", func() {
	const (
		mask     = "spec.kubernetes.kubeControllerManager.nodeCIDRMaskSize"
		maskIPv6 = "spec.kubernetes.kubeControllerManager.nodeCIDRMaskSizeIPv6"
		prefix4  = "spec.provider.infrastructureConfig.nodeNetwork.prefixLengths.ipv4"
		prefix6  = "spec.provider.infrastructureConfig.nodeNetwork.prefixLengths.ipv6"
		nodes    = "spec.networking.nodes"
	)

	// shoot returns a shoot of the families with a pod network of the primary family, the masks of Gardener's
	// defaults, maxPods 250 and one pool of at most 10 nodes.
	shoot := func(families []gardencorev1beta1.IPFamily) *gardencorev1beta1.Shoot {
		pods := "10.240.0.0/13"
		if families[0] == ipv6 {
			pods = "fd00:10:240::/48"
		}
		return &gardencorev1beta1.Shoot{Spec: gardencorev1beta1.ShootSpec{
			Networking: &gardencorev1beta1.Networking{IPFamilies: families, Pods: new(pods)},
			Kubernetes: gardencorev1beta1.Kubernetes{
				KubeControllerManager: &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(24)), NodeCIDRMaskSizeIPv6: new(int32(64))},
				Kubelet:               &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(250))},
			},
			Provider: gardencorev1beta1.Provider{Workers: []gardencorev1beta1.Worker{{Name: "pool", Maximum: 10}}},
		}}
	}
	partition := func(id string) *metal.Partition {
		_, _, p, err := helper.FindMetalControlPlane(validCloudProfileConfig(), id)
		Expect(err).NotTo(HaveOccurred())
		return p
	}

	DescribeTable("validates",
		func(families []gardencorev1beta1.IPFamily, mutate func(*gardencorev1beta1.Shoot, *metal.InfrastructureConfig), matchers ...types.GomegaMatcher) {
			s, infra := shoot(families), validInfrastructureConfig()
			if mutate != nil {
				mutate(s, infra)
			}
			expectErrors(validation.ValidateShootNodeNetwork(s, infra, partition(infra.PartitionID)), matchers)
		},

		Entry("IPv4", ipv4Only, nil),
		Entry("IPv6", ipv6Only, nil),
		Entry("dual-stack", dualStack, nil),
		Entry("dual-stack, IPv6 first", []gardencorev1beta1.IPFamily{ipv6, ipv4}, nil),
		Entry("no networking (Gardener reports it)", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) { s.Spec.Networking = nil }),

		// maxPods against the node CIDR mask size
		Entry("IPv4: maxPods beyond the pod range per node", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.Kubelet.MaxPods = new(int32(300))
		}, invalid(mask)),
		Entry("IPv4: a pool's maxPods beyond the pod range per node", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Provider.Workers[0].Kubernetes = &gardencorev1beta1.WorkerKubernetes{Kubelet: &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(300))}}
		}, invalid(mask)),
		Entry("IPv4: the kubelet default maxPods in a /25", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.Kubelet = nil
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize = new(int32(25))
		}),
		Entry("IPv4: kube-controller-manager's default mask", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager = nil
		}),
		Entry("IPv4: a mask beyond the address length", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize = new(int32(33))
		}, invalid(mask)),
		Entry("IPv6: maxPods beyond the pod range per node", ipv6Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6 = new(int32(121))
		}, invalid(maskIPv6)),
		Entry("IPv6 single-stack: nodeCIDRMaskSize is the IPv6 mask without nodeCIDRMaskSizeIPv6", ipv6Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(121))}
		}, invalid(mask)),
		Entry("IPv6 single-stack: Gardener's default /64 in nodeCIDRMaskSize", ipv6Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(64))}
		}),
		Entry("dual-stack: maxPods beyond both pod ranges per node", dualStack, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6 = new(int32(121))
			s.Spec.Kubernetes.Kubelet.MaxPods = new(int32(300))
		}, invalid(mask), invalid(maskIPv6)),

		// the pod network against the nodes
		Entry("IPv4: a mask shorter than the pod network", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize = new(int32(12))
		}, invalid(mask)),
		Entry("IPv4: a pod network with fewer pod ranges than nodes", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Pods = new("10.240.0.0/22")
		}, invalid(mask)),
		Entry("IPv6: a pod network with fewer pod ranges than nodes", ipv6Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Pods = new("fd00:10:240::/61")
		}, invalid(maskIPv6)),
		Entry("dual-stack: only the pod network of the spec is checked", dualStack, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Pods = new("10.240.0.0/22")
		}, invalid(mask)),
		Entry("no pod network yet (Gardener fills it)", dualStack, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Pods = nil
		}),

		// the node network against the nodes
		Entry("IPv4: a requested node network too small for the pools", ipv4Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork.PrefixLengths.IPv4 = new(int32(28))
			s.Spec.Provider.Workers[0].Maximum = 14
		}, invalid(prefix4)),
		Entry("IPv4: a requested node network just large enough", ipv4Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork.PrefixLengths.IPv4 = new(int32(28))
			s.Spec.Provider.Workers[0].Maximum = 13
		}),
		Entry("IPv4: the partition's default node network too small for the pools", ipv4Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork = nil
			s.Spec.Networking.Pods = new("10.0.0.0/8")
			s.Spec.Provider.Workers = append(s.Spec.Provider.Workers, gardencorev1beta1.Worker{Name: "big", Maximum: 1100})
		}, invalid(prefix4)),
		Entry("IPv6: a requested node network too small for the pools", ipv6Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork.PrefixLengths.IPv6 = new(int32(120))
			s.Spec.Provider.Workers[0].Maximum = 255
		}, invalid(prefix6)),
		Entry("dual-stack: both node networks too small", dualStack, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork.PrefixLengths = &metal.NodePrefixLengths{IPv4: new(int32(28)), IPv6: new(int32(120))}
			s.Spec.Provider.Workers[0].Maximum = 300
		}, invalid(prefix4), invalid(prefix6)),
		Entry("an unknown node network (the metal-api's default) is not checked", ipv4Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork = nil
			infra.PartitionID = "ham-test01"
			s.Spec.Provider.Workers[0].Maximum = 100000
			s.Spec.Networking.Pods = new("10.0.0.0/4")
			s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize = new(int32(24))
		}),

		// spec.networking.nodes
		Entry("IPv4: nodes of the requested size", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("10.0.0.0/24")
		}),
		Entry("IPv4: nodes of another size than requested", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("10.0.0.0/22")
		}, invalid(nodes)),
		Entry("IPv4: nodes of the other family", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("2001:db8::/64")
		}, invalid(nodes)),
		Entry("IPv6: nodes of the other family", ipv6Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("10.0.0.0/24")
		}, invalid(nodes)),
		Entry("dual-stack: IPv6 nodes of the requested size", dualStack, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("2001:db8:1::/64")
		}),
		Entry("nodes tell the node network size when nothing else does", ipv4Only, func(s *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig) {
			infra.NodeNetwork = nil
			infra.PartitionID = "ham-test01"
			s.Spec.Networking.Nodes = new("10.0.0.0/28")
			s.Spec.Provider.Workers[0].Maximum = 20
		}, invalid(nodes)),
		Entry("malformed nodes are left to Gardener", ipv4Only, func(s *gardencorev1beta1.Shoot, _ *metal.InfrastructureConfig) {
			s.Spec.Networking.Nodes = new("10.0.0.0")
		}),
	)

	DescribeTable("MaxPodsForNodeCIDRMaskSize",
		func(maskSize int32, family gardencorev1beta1.IPFamily, expected int32) {
			Expect(validation.MaxPodsForNodeCIDRMaskSize(maskSize, family)).To(Equal(expected))
		},
		Entry("IPv4 /24", int32(24), ipv4, int32(254)),
		Entry("IPv4 /23", int32(23), ipv4, int32(510)),
		Entry("IPv4 /32", int32(32), ipv4, int32(0)),
		Entry("IPv4 /33", int32(33), ipv4, int32(0)),
		Entry("IPv6 /120", int32(120), ipv6, int32(254)),
		Entry("IPv6 /64 saturates", int32(64), ipv6, int32(1<<31-1)),
	)

	DescribeTable("NodeCIDRMaskSizeForMaxPods",
		func(maxPods int32, family gardencorev1beta1.IPFamily, expected int32) {
			Expect(validation.NodeCIDRMaskSizeForMaxPods(maxPods, family)).To(Equal(expected))
		},
		Entry("IPv4 110 pods (Gardener's default /24)", int32(110), ipv4, int32(24)),
		Entry("IPv4 250 pods", int32(250), ipv4, int32(23)),
		Entry("IPv4 256 pods", int32(256), ipv4, int32(23)),
		Entry("IPv4 257 pods", int32(257), ipv4, int32(22)),
		Entry("IPv6 250 pods", int32(250), ipv6, int32(119)),
		Entry("no pods", int32(0), ipv4, int32(31)),
	)
})
