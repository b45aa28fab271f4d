// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mutator_test

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/pkg/admission"
	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/mutator"
)

var (
	ipv4      = gardencorev1beta1.IPFamilyIPv4
	ipv6      = gardencorev1beta1.IPFamilyIPv6
	ipv4Only  = []gardencorev1beta1.IPFamily{ipv4}
	ipv6Only  = []gardencorev1beta1.IPFamily{ipv6}
	dualStack = []gardencorev1beta1.IPFamily{ipv4, ipv6}
	ipv6First = []gardencorev1beta1.IPFamily{ipv6, ipv4}
)

// expected are the defaults a minimal shoot gets.
type expected struct {
	pods, services        string
	maskIPv4, maskIPv6    *int32
	networkConfig         map[string]any
	firewallImage, fwSize string
}

func firewall(shoot *gardencorev1beta1.Shoot) map[string]any {
	return fx.Object(fx.Doc(shoot.Spec.Provider.InfrastructureConfig), "firewall")
}

func calico(settings map[string]any) map[string]any {
	doc := map[string]any{
		"apiVersion": "calico.networking.extensions.gardener.cloud/v1alpha1",
		"kind":       "NetworkConfig",
		"backend":    "none",
		"typha":      map[string]any{"enabled": false},
	}
	for k, v := range settings {
		doc[k] = v
	}
	return doc
}

func cilium(settings map[string]any) map[string]any {
	doc := map[string]any{
		"apiVersion":        "cilium.networking.extensions.gardener.cloud/v1alpha1",
		"kind":              "NetworkConfig",
		"hubble":            map[string]any{"enabled": true},
		"tunnel":            "disabled",
		"devices":           []any{"lan+", "lo"},
		"loadBalancingMode": "dsr",
		"mtu":               float64(1440),
	}
	for k, v := range settings {
		doc[k] = v
	}
	return doc
}

var _ = Describe("Shoot mutator", func() {
	var (
		ctx          = context.Background()
		cloudProfile *gardencorev1beta1.CloudProfile
		seed         *gardencorev1beta1.Seed
	)

	BeforeEach(func() {
		cloudProfile = fx.CloudProfile()
		seed = &gardencorev1beta1.Seed{
			ObjectMeta: metav1.ObjectMeta{Name: "seed"},
			Spec: gardencorev1beta1.SeedSpec{Networks: gardencorev1beta1.SeedNetworks{
				Pods: "100.96.0.0/11", Services: "100.64.0.0/13",
				ShootDefaults: &gardencorev1beta1.ShootNetworks{Pods: new("10.100.0.0/16"), Services: new("10.101.0.0/20")},
			}},
		}
	})

	mutate := func(shoot, oldShoot *gardencorev1beta1.Shoot) {
		GinkgoHelper()
		scheme, err := admission.NewScheme()
		Expect(err).NotTo(HaveOccurred())
		c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(cloudProfile, seed).Build()
		var oldObj client.Object
		if oldShoot != nil {
			oldObj = oldShoot
		}
		Expect(mutator.NewShootMutator(c, mutator.DefaultDefaults()).Mutate(ctx, shoot, oldObj)).To(Succeed())
	}

	DescribeTable("defaults a new shoot",
		func(families []gardencorev1beta1.IPFamily, edit func(*gardencorev1beta1.Shoot), want expected) {
			shoot := fx.MinimalShoot(families...)
			if edit != nil {
				edit(shoot)
			}
			mutate(shoot, nil)

			Expect(shoot.Spec.Networking.Type).To(PointTo(Equal(want.networkConfig["apiVersion"].(string)[:6])))
			Expect(shoot.Spec.Networking.Pods).To(PointTo(Equal(want.pods)))
			Expect(shoot.Spec.Networking.Services).To(PointTo(Equal(want.services)))
			Expect(fx.Doc(shoot.Spec.Networking.ProviderConfig)).To(Equal(want.networkConfig))
			Expect(shoot.Spec.Kubernetes.Kubelet.MaxPods).To(PointTo(Equal(int32(250))))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize).To(Equal(want.maskIPv4))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6).To(Equal(want.maskIPv6))
			Expect(firewall(shoot)).To(HaveKeyWithValue("image", want.firewallImage))
			Expect(firewall(shoot)).To(HaveKeyWithValue("size", want.fwSize))
			Expect(firewall(shoot)).To(HaveKeyWithValue("networks", []any{"internet"}), "the rest of the config stays")
			Expect(shoot.Spec.Provider.Workers[0].Zones).To(Equal([]string{"fra-equ01"}))
		},
		Entry("IPv4", ipv4Only, nil, expected{
			pods: "10.240.0.0/13", services: "10.248.0.0/18", maskIPv4: new(int32(23)),
			networkConfig: calico(map[string]any{"ipv4": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv6", ipv6Only, nil, expected{
			pods: "fd00:10:240::/48", services: "fd00:10:248::/112", maskIPv6: new(int32(64)),
			networkConfig: calico(map[string]any{"ipv6": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("dual-stack", dualStack, nil, expected{
			pods: "10.240.0.0/13", services: "10.248.0.0/18", maskIPv4: new(int32(23)), maskIPv6: new(int32(64)),
			networkConfig: calico(map[string]any{"ipv4": map[string]any{"mode": "Never"}, "ipv6": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("dual-stack with IPv6 as primary family", ipv6First, nil, expected{
			pods: "fd00:10:240::/48", services: "fd00:10:248::/112", maskIPv4: new(int32(23)), maskIPv6: new(int32(64)),
			networkConfig: calico(map[string]any{"ipv4": map[string]any{"mode": "Never"}, "ipv6": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv4 with cilium", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Networking.Type = new("cilium") }, expected{
			pods: "10.240.0.0/13", services: "10.248.0.0/18", maskIPv4: new(int32(23)),
			networkConfig: cilium(map[string]any{"ipv4NativeRoutingCIDREnabled": true}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv6 with cilium", ipv6Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Networking.Type = new("cilium") }, expected{
			pods: "fd00:10:240::/48", services: "fd00:10:248::/112", maskIPv6: new(int32(64)),
			networkConfig: cilium(map[string]any{"ipv6": map[string]any{"enabled": true}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("dual-stack with cilium", dualStack, func(s *gardencorev1beta1.Shoot) { s.Spec.Networking.Type = new("cilium") }, expected{
			pods: "10.240.0.0/13", services: "10.248.0.0/18", maskIPv4: new(int32(23)), maskIPv6: new(int32(64)),
			networkConfig: cilium(map[string]any{"ipv4NativeRoutingCIDREnabled": true, "ipv6": map[string]any{"enabled": true}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv4 on a seed with shoot defaults", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.SeedName = new("seed") }, expected{
			pods: "10.100.0.0/16", services: "10.101.0.0/20", maskIPv4: new(int32(23)),
			networkConfig: calico(map[string]any{"ipv4": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv6 on a seed with IPv4 shoot defaults", ipv6Only, func(s *gardencorev1beta1.Shoot) { s.Spec.SeedName = new("seed") }, expected{
			pods: "fd00:10:240::/48", services: "fd00:10:248::/112", maskIPv6: new(int32(64)),
			networkConfig: calico(map[string]any{"ipv6": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
		Entry("IPv4 on a seed that does not exist (yet)", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.SeedName = new("other") }, expected{
			pods: "10.240.0.0/13", services: "10.248.0.0/18", maskIPv4: new(int32(23)),
			networkConfig: calico(map[string]any{"ipv4": map[string]any{"mode": "Never"}}),
			firewallImage: "firewall-ubuntu-3.0.20240601", fwSize: "n1-medium-x86",
		}),
	)

	It("takes the seed's IPv6 shoot defaults for an IPv6 shoot", func() {
		seed.Spec.Networks.ShootDefaults = &gardencorev1beta1.ShootNetworks{Pods: new("fd00:99::/56"), Services: new("fd00:98::/112")}
		shoot := fx.MinimalShoot(ipv6)
		shoot.Spec.SeedName = new("seed")
		mutate(shoot, nil)
		Expect(shoot.Spec.Networking.Pods).To(PointTo(Equal("fd00:99::/56")))
		Expect(shoot.Spec.Networking.Services).To(PointTo(Equal("fd00:98::/112")))
	})

	Describe("keeps what the shoot sets", func() {
		It("keeps a complete shoot's settings and only adds missing CNI settings", func() {
			shoot := fx.Shoot(dualStack...)
			shoot.Spec.Networking.ProviderConfig = &runtime.RawExtension{Raw: []byte(`{"apiVersion":"calico.networking.extensions.gardener.cloud/v1alpha1","kind":"NetworkConfig","backend":"bird","ipv4":{"mode":"Always"}}`)}
			want := shoot.DeepCopy()
			mutate(shoot, nil)

			Expect(fx.Doc(shoot.Spec.Networking.ProviderConfig)).To(Equal(calico(map[string]any{
				"backend": "bird", "ipv4": map[string]any{"mode": "Always"}, "ipv6": map[string]any{"mode": "Never"},
			})))
			shoot.Spec.Networking.ProviderConfig = want.Spec.Networking.ProviderConfig
			Expect(shoot).To(Equal(want))
		})

		It("keeps a CNI config that is no JSON object for the networking extension to refuse", func() {
			shoot := fx.MinimalShoot()
			shoot.Spec.Networking.ProviderConfig = &runtime.RawExtension{Raw: []byte(`[1,2]`)}
			mutate(shoot, nil)
			Expect(string(shoot.Spec.Networking.ProviderConfig.Raw)).To(Equal(`[1,2]`))
		})

		It("fits maxPods into a mask size Gardener defaulted", func() {
			shoot := fx.MinimalShoot(dualStack...)
			shoot.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(25))}
			mutate(shoot, nil)
			Expect(shoot.Spec.Kubernetes.Kubelet.MaxPods).To(PointTo(Equal(int32(126))))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize).To(PointTo(Equal(int32(25))))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6).To(PointTo(Equal(int32(64))))
		})

		It("reads an IPv6 single-stack mask size from nodeCIDRMaskSize, as Gardener sets it", func() {
			shoot := fx.MinimalShoot(ipv6)
			shoot.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(120))}
			mutate(shoot, nil)
			Expect(shoot.Spec.Kubernetes.Kubelet.MaxPods).To(PointTo(Equal(int32(250))))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6).To(BeNil())
		})

		It("derives the mask size from the shoot's maxPods", func() {
			shoot := fx.MinimalShoot()
			shoot.Spec.Kubernetes.Kubelet = &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(100))}
			mutate(shoot, nil)
			Expect(shoot.Spec.Kubernetes.Kubelet.MaxPods).To(PointTo(Equal(int32(100))))
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize).To(PointTo(Equal(int32(24))))
		})

		It("lengthens the mask size so that the pod network has a range for every node of the node network", func() {
			shoot := fx.MinimalShoot()
			shoot.Spec.Networking.Pods = new("10.240.0.0/18")
			shoot.Spec.Kubernetes.Kubelet = &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(10))}
			mutate(shoot, nil)
			// maxPods 10 alone gives a /27, 512 ranges of the /18; the partition's /22 node network has 1024 nodes.
			Expect(shoot.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize).To(PointTo(Equal(int32(28))))
		})

		It("keeps the firewall and the pool zones the shoot sets", func() {
			shoot := fx.MinimalShoot()
			fx.Edit(shoot.Spec.Provider.InfrastructureConfig, func(doc map[string]any) {
				fx.Object(doc, "firewall")["image"] = "firewall-ubuntu-3.0.20240101"
				fx.Object(doc, "firewall")["size"] = "c1-large-x86"
			})
			shoot.Spec.Provider.Workers[0].Zones = []string{"fra-equ02"}
			mutate(shoot, nil)
			Expect(firewall(shoot)).To(HaveKeyWithValue("image", "firewall-ubuntu-3.0.20240101"))
			Expect(firewall(shoot)).To(HaveKeyWithValue("size", "c1-large-x86"))
			Expect(shoot.Spec.Provider.Workers[0].Zones).To(Equal([]string{"fra-equ02"}))
		})
	})

	Describe("firewall defaults", func() {
		It("takes the partition's own images and types", func() {
			shoot := fx.MinimalShoot()
			fx.Edit(shoot.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { doc["partitionID"] = "fra-equ02" })
			mutate(shoot, nil)
			Expect(firewall(shoot)).To(HaveKeyWithValue("image", "firewall-ubuntu-2.0.20230101"))
			Expect(firewall(shoot)).To(HaveKeyWithValue("size", "c1-large-x86"))
		})

		It("takes the newest image of the OS the profile lists first", func() {
			fx.Edit(cloudProfile.Spec.ProviderConfig, func(doc map[string]any) {
				fx.Object(fx.Object(doc, "metalControlPlanes"), "prod")["firewallImages"] = []any{
					"firewall-debian-12.0.20250101", "firewall-ubuntu-9.0.20990101", "firewall-debian-12.1.20250601", "firewall-debian-12.0.20251231",
				}
			})
			shoot := fx.MinimalShoot()
			mutate(shoot, nil)
			Expect(firewall(shoot)).To(HaveKeyWithValue("image", "firewall-debian-12.1.20250601"))
		})

		It("leaves the image unset when the profile allows every image", func() {
			fx.Edit(cloudProfile.Spec.ProviderConfig, func(doc map[string]any) {
				delete(fx.Object(fx.Object(doc, "metalControlPlanes"), "prod"), "firewallImages")
			})
			shoot := fx.MinimalShoot()
			mutate(shoot, nil)
			Expect(firewall(shoot)).NotTo(HaveKey("image"))
			Expect(firewall(shoot)).To(HaveKeyWithValue("size", "n1-medium-x86"))
		})

		It("defaults the networking but not the firewall when the cloud profile does not exist", func() {
			shoot := fx.MinimalShoot()
			shoot.Spec.CloudProfile.Name = "missing"
			mutate(shoot, nil)
			Expect(shoot.Spec.Networking.Pods).To(PointTo(Equal("10.240.0.0/13")))
			Expect(firewall(shoot)).NotTo(HaveKey("image"))
		})

		It("leaves an InfrastructureConfig that does not decode to the validator", func() {
			shoot := fx.MinimalShoot()
			fx.Edit(shoot.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { doc["unknown"] = true })
			raw := string(shoot.Spec.Provider.InfrastructureConfig.Raw)
			mutate(shoot, nil)
			Expect(string(shoot.Spec.Provider.InfrastructureConfig.Raw)).To(Equal(raw))
			Expect(shoot.Spec.Provider.Workers[0].Zones).To(BeEmpty())
		})
	})

	Describe("update", func() {
		It("carries the firewall over from the old shoot instead of picking a newer image", func() {
			oldShoot := fx.MinimalShoot()
			fx.Edit(oldShoot.Spec.Provider.InfrastructureConfig, func(doc map[string]any) {
				fx.Object(doc, "firewall")["image"] = "firewall-ubuntu-3.0.20240101"
				fx.Object(doc, "firewall")["size"] = "c1-large-x86"
			})
			shoot := fx.MinimalShoot()
			shoot.Spec.Provider.Workers[0].Maximum = 5
			mutate(shoot, oldShoot)
			Expect(firewall(shoot)).To(HaveKeyWithValue("image", "firewall-ubuntu-3.0.20240101"))
			Expect(firewall(shoot)).To(HaveKeyWithValue("size", "c1-large-x86"))
		})

		It("does not fill the networking and kubernetes settings of an existing shoot", func() {
			oldShoot := fx.MinimalShoot()
			shoot := oldShoot.DeepCopy()
			shoot.Spec.Provider.Workers[0].Maximum = 5
			mutate(shoot, oldShoot)
			Expect(shoot.Spec.Networking.Pods).To(BeNil())
			Expect(shoot.Spec.Networking.Type).To(BeNil())
			Expect(shoot.Spec.Kubernetes.Kubelet).To(BeNil())
		})

		It("puts a new pool into the partition but leaves an existing one alone", func() {
			oldShoot := fx.MinimalShoot()
			shoot := oldShoot.DeepCopy()
			pool := shoot.Spec.Provider.Workers[0]
			pool.Name = "second"
			shoot.Spec.Provider.Workers = append(shoot.Spec.Provider.Workers, pool)
			mutate(shoot, oldShoot)
			Expect(shoot.Spec.Provider.Workers[0].Zones).To(BeEmpty())
			Expect(shoot.Spec.Provider.Workers[1].Zones).To(Equal([]string{"fra-equ01"}))
		})

		It("leaves an update without spec change alone", func() {
			oldShoot := fx.MinimalShoot()
			shoot := oldShoot.DeepCopy()
			shoot.Labels = map[string]string{"team": "a"}
			want := shoot.DeepCopy()
			mutate(shoot, oldShoot)
			Expect(shoot).To(Equal(want))
		})
	})

	It("leaves shoots of other providers, workerless and deleted shoots alone", func() {
		for _, edit := range []func(*gardencorev1beta1.Shoot){
			func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Type = "aws" },
			func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers = nil },
			func(s *gardencorev1beta1.Shoot) { s.DeletionTimestamp = &metav1.Time{} },
		} {
			shoot := fx.MinimalShoot()
			edit(shoot)
			want := shoot.DeepCopy()
			mutate(shoot, nil)
			Expect(shoot).To(Equal(want))
		}
	})

	DescribeTable("validates its defaults",
		func(edit func(*mutator.Defaults), match OmegaMatcher) {
			d := mutator.DefaultDefaults()
			edit(&d)
			Expect(d.Validate()).To(match)
		},
		Entry("the documented defaults", func(*mutator.Defaults) {}, Succeed()),
		Entry("an unknown networking type", func(d *mutator.Defaults) { d.NetworkingType = "flannel" }, MatchError(ContainSubstring("flannel"))),
		Entry("an IPv6 network as IPv4 default", func(d *mutator.Defaults) { d.PodsCIDRIPv4 = "fd00::/48" }, MatchError(ContainSubstring("not an IPv4 network"))),
		Entry("an IPv4 network as IPv6 default", func(d *mutator.Defaults) { d.ServicesCIDRIPv6 = "10.0.0.0/16" }, MatchError(ContainSubstring("not an IPv6 network"))),
		Entry("a network with host bits", func(d *mutator.Defaults) { d.ServicesCIDRIPv4 = "10.0.0.1/16" }, MatchError(ContainSubstring("host bits"))),
		Entry("a malformed network", func(d *mutator.Defaults) { d.PodsCIDRIPv6 = "fd00::" }, MatchError(ContainSubstring("IPv6 pod network"))),
		Entry("no pods", func(d *mutator.Defaults) { d.MaxPods = 0 }, MatchError(ContainSubstring("maxPods"))),
		Entry("an IPv6 mask size out of range", func(d *mutator.Defaults) { d.NodeCIDRMaskSizeIPv6 = 127 }, MatchError(ContainSubstring("mask size"))),
	)
})
