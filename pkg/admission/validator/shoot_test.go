// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"context"
	"fmt"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

const (
	infraPath   = "spec.provider.infrastructureConfig"
	cpPath      = "spec.provider.controlPlaneConfig"
	worker0Path = "spec.provider.workers[0]"
	tenantPath  = "metadata.annotations[cluster.metal-stack.io/tenant]"
	kcmPath     = "spec.kubernetes.kubeControllerManager"
)

var (
	ipv4      = gardencorev1beta1.IPFamilyIPv4
	ipv6      = gardencorev1beta1.IPFamilyIPv6
	ipv4Only  = []gardencorev1beta1.IPFamily{ipv4}
	ipv6Only  = []gardencorev1beta1.IPFamily{ipv6}
	dualStack = []gardencorev1beta1.IPFamily{ipv4, ipv6}
	families  = map[string][]gardencorev1beta1.IPFamily{"IPv4": ipv4Only, "IPv6": ipv6Only, "dual-stack": dualStack}
)

// editInfra, editFirewall and editCP change the providerConfigs of a shoot.
func editInfra(edit func(doc map[string]any)) func(*gardencorev1beta1.Shoot) {
	return func(s *gardencorev1beta1.Shoot) { fx.Edit(s.Spec.Provider.InfrastructureConfig, edit) }
}

func editFirewall(edit func(fw map[string]any)) func(*gardencorev1beta1.Shoot) {
	return editInfra(func(doc map[string]any) { edit(fx.Object(doc, "firewall")) })
}

func editCP(edit func(doc map[string]any)) func(*gardencorev1beta1.Shoot) {
	return func(s *gardencorev1beta1.Shoot) { fx.Edit(s.Spec.Provider.ControlPlaneConfig, edit) }
}

func accessType(t string) func(*gardencorev1beta1.Shoot) {
	return editCP(func(doc map[string]any) { doc["networkAccessType"] = t })
}

// inPartition moves a shoot into another partition of the profile, with its region and pool zones.
func inPartition(partition, region string) func(*gardencorev1beta1.Shoot) {
	return func(s *gardencorev1beta1.Shoot) {
		editFirewall(func(fw map[string]any) {
			if partition == "fra-equ02" {
				fw["image"] = "firewall-ubuntu-2.0.20230101"
			}
		})(s)
		editInfra(func(doc map[string]any) { doc["partitionID"] = partition })(s)
		s.Spec.Region = region
		s.Spec.Provider.Workers[0].Zones = []string{partition}
	}
}

// isolationOf makes the network isolation of the prod control plane serve one IP family only.
func isolationOf(family gardencorev1beta1.IPFamily) func(*gardencorev1beta1.CloudProfile) {
	return func(cp *gardencorev1beta1.CloudProfile) {
		fx.Edit(cp.Spec.ProviderConfig, func(doc map[string]any) {
			isolation := fx.Object(fx.Object(fx.Object(doc, "metalControlPlanes"), "prod"), "networkIsolation")
			mirrors := isolation["registryMirrors"].([]any)
			if family == ipv4 {
				isolation["allowedNetworks"] = map[string]any{"egress": []any{"10.1.0.0/24"}}
				isolation["dnsServers"] = []any{"10.1.0.53"}
				isolation["registryMirrors"] = mirrors[:1]
			} else {
				isolation["allowedNetworks"] = map[string]any{"egress": []any{"2001:db8:2::/48"}}
				isolation["dnsServers"] = []any{"2001:db8:2::53"}
				isolation["ntpServers"] = []any{"ntp.example.com", "ntp2.example.com", "ntp3.example.com"}
				isolation["registryMirrors"] = mirrors[1:]
			}
		})
	}
}

var _ = Describe("Shoot validator", func() {
	var (
		ctx          = context.Background()
		cloudProfile *gardencorev1beta1.CloudProfile
	)

	BeforeEach(func() {
		cloudProfile = fx.CloudProfile()
	})

	validate := func(shoot, oldShoot *gardencorev1beta1.Shoot, objects ...client.Object) error {
		GinkgoHelper()
		c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(append(objects, cloudProfile)...).Build()
		var oldObj client.Object
		if oldShoot != nil {
			oldObj = internal(oldShoot, &core.Shoot{})
		}
		return validator.NewShootValidator(c).Validate(ctx, internal(shoot, &core.Shoot{}), oldObj)
	}

	Describe("create", func() {
		var entries []TableEntry
		for name, fams := range families {
			for _, t := range []string{"baseline", "restricted", "forbidden"} {
				entries = append(entries, Entry(fmt.Sprintf("a valid %s shoot with network access %s", name, t), fams, accessType(t), nil))
			}
			entries = append(entries,
				Entry(fmt.Sprintf("a valid %s shoot without ControlPlaneConfig (baseline)", name), fams, func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.ControlPlaneConfig = nil }, nil),
				Entry(fmt.Sprintf("a %s shoot restricted in a partition without network isolation", name), fams, inPartition("ham-test01", "eu-north"), nil,
					forbidden(cpPath+".networkAccessType")),
				Entry(fmt.Sprintf("a %s shoot forbidden in a partition without network isolation", name), fams, func(s *gardencorev1beta1.Shoot) {
					inPartition("ham-test01", "eu-north")(s)
					accessType("forbidden")(s)
				}, nil, forbidden(cpPath+".networkAccessType")),
				Entry(fmt.Sprintf("a %s shoot with baseline access in a partition without network isolation", name), fams, func(s *gardencorev1beta1.Shoot) {
					inPartition("ham-test01", "eu-north")(s)
					accessType("baseline")(s)
				}, nil),
			)
		}

		DescribeTable("validates",
			func(fams []gardencorev1beta1.IPFamily, edit func(*gardencorev1beta1.Shoot), editProfile func(*gardencorev1beta1.CloudProfile), matchers ...types.GomegaMatcher) {
				shoot := fx.Shoot(fams...)
				if edit != nil {
					edit(shoot)
				}
				if editProfile != nil {
					editProfile(cloudProfile)
				}
				expectFieldErrors(validate(shoot, nil), matchers...)
			},
			entries,

			// IP families of the shoot against the partition's network isolation, for each access type
			Entry("an IPv6 shoot restricted where the isolation serves IPv4 only", ipv6Only, nil, isolationOf(ipv4),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no IPv6 egress network"),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no DNS server"),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no registry mirror")),
			Entry("an IPv4 shoot forbidden where the isolation serves IPv6 only", ipv4Only, accessType("forbidden"), isolationOf(ipv6),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no IPv4 egress network"),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no DNS server"),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no registry mirror")),
			Entry("a dual-stack shoot restricted where the isolation serves IPv4 only", dualStack, nil, isolationOf(ipv4),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no IPv6 egress network")),
			Entry("a dual-stack shoot forbidden where the isolation serves IPv6 only", dualStack, accessType("forbidden"), isolationOf(ipv6),
				withDetail(field.ErrorTypeForbidden, cpPath+".networkAccessType", "no IPv4 egress network")),
			Entry("an IPv4 shoot restricted where the isolation serves IPv4 only", ipv4Only, nil, isolationOf(ipv4)),
			Entry("an IPv6 shoot forbidden where the isolation serves IPv6 only", ipv6Only, accessType("forbidden"), isolationOf(ipv6)),
			Entry("an IPv6 shoot with baseline access where the isolation serves IPv4 only", ipv6Only, accessType("baseline"), isolationOf(ipv4)),

			// requested prefix lengths against the shoot's IP families
			Entry("an IPv4 shoot requesting an IPv6 node network", ipv4Only, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"prefixLengths": map[string]any{"ipv6": 64}}
			}), nil, forbidden(infraPath+".nodeNetwork.prefixLengths.ipv6")),
			Entry("an IPv6 shoot requesting an IPv4 node network", ipv6Only, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"prefixLengths": map[string]any{"ipv4": 24}}
			}), nil, forbidden(infraPath+".nodeNetwork.prefixLengths.ipv4")),
			Entry("a dual-stack shoot requesting both node networks", dualStack, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"prefixLengths": map[string]any{"ipv4": 24, "ipv6": 64}}
			}), nil),
			Entry("an IPv6 node network out of bounds", ipv6Only, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"prefixLengths": map[string]any{"ipv6": 124}}
			}), nil, invalid(infraPath+".nodeNetwork.prefixLengths.ipv6")),
			Entry("a parent network the partition does not offer", ipv4Only, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"parentNetworkID": "tenant-super-z"}
			}), nil, notSupported(infraPath+".nodeNetwork.parentNetworkID")),

			// node network size, maxPods and node CIDR mask sizes
			Entry("an IPv4 shoot whose maxPods exceed the node's pod range", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Kubernetes.Kubelet.MaxPods = new(int32(600))
			}, nil, invalid(kcmPath+".nodeCIDRMaskSize")),
			Entry("an IPv6 shoot whose maxPods exceed the node's pod range", ipv6Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSizeIPv6 = new(int32(121))
			}, nil, invalid(kcmPath+".nodeCIDRMaskSizeIPv6")),
			Entry("a dual-stack shoot whose pools outgrow the partition's default node network", dualStack, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Maximum = 1022
			}, nil, withDetail(field.ErrorTypeInvalid, infraPath+".nodeNetwork.prefixLengths.ipv4", "the default of partition \"fra-equ01\"")),
			Entry("an IPv4 shoot whose pod network has too few node ranges", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Pods = new("10.240.0.0/22")
			}, nil, invalid(kcmPath+".nodeCIDRMaskSize")),
			Entry("an IPv6 shoot with IPv4 nodes", ipv6Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Nodes = new("10.0.0.0/22")
			}, nil, invalid("spec.networking.nodes")),
			Entry("an IPv4 shoot with nodes of another size than the node network", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Nodes = new("10.0.0.0/24")
			}, nil, invalid("spec.networking.nodes")),

			// tenant
			Entry("no tenant", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Annotations = nil }, nil, required(tenantPath)),

			// decoding
			Entry("no InfrastructureConfig", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.InfrastructureConfig = nil }, nil,
				required(infraPath)),
			Entry("an InfrastructureConfig with an unknown field", dualStack, editFirewall(func(fw map[string]any) { fw["imagee"] = "x" }), nil,
				withDetail(field.ErrorTypeInvalid, infraPath, `unknown field "firewall.imagee"`)),
			Entry("an InfrastructureConfig of the wrong kind", ipv4Only, editInfra(func(doc map[string]any) { doc["kind"] = "WorkerConfig" }), nil,
				withDetail(field.ErrorTypeInvalid, infraPath, "decoding InfrastructureConfig")),
			Entry("an InfrastructureConfig without apiVersion", ipv4Only, editInfra(func(doc map[string]any) { delete(doc, "apiVersion") }), nil,
				withDetail(field.ErrorTypeInvalid, infraPath, "decoding InfrastructureConfig")),
			Entry("a ControlPlaneConfig with an unknown field", ipv6Only, editCP(func(doc map[string]any) { doc["networkAccess"] = "forbidden" }), nil,
				withDetail(field.ErrorTypeInvalid, cpPath, `unknown field "networkAccess"`)),
			Entry("a WorkerConfig with an unknown field", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.Workers[0].ProviderConfig, func(doc map[string]any) { doc["tag"] = "x" })
			}, nil, withDetail(field.ErrorTypeInvalid, worker0Path+".providerConfig", `unknown field "tag"`)),

			// the provider configs themselves
			Entry("an InfrastructureConfig without project and networks", ipv4Only, editInfra(func(doc map[string]any) {
				delete(doc, "projectID")
				delete(fx.Object(doc, "firewall"), "networks")
			}), nil, required(infraPath+".projectID"), required(infraPath+".firewall.networks")),
			Entry("an unknown network access type", ipv4Only, accessType("open"), nil, notSupported(cpPath+".networkAccessType")),
			Entry("a reserved worker tag", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.Workers[0].ProviderConfig, func(doc map[string]any) {
					doc["tags"] = map[string]any{"cluster.metal-stack.io/id": "x"}
				})
			}, nil, forbidden(worker0Path+".providerConfig.tags[cluster.metal-stack.io/id]")),

			// against the cloud profile
			Entry("a partition the profile does not offer", ipv4Only, inPartition("muc-01", "eu-central"), nil,
				notSupported(infraPath+".partitionID"), notSupported(infraPath+".partitionID")),
			Entry("a partition of another region", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				inPartition("ham-test01", "eu-north")(s)
				accessType("baseline")(s)
				s.Spec.Region = "eu-central"
			}, nil, notSupported(infraPath+".partitionID")),
			Entry("a firewall size the partition does not allow", ipv4Only, editFirewall(func(fw map[string]any) { fw["size"] = "c1-xlarge-x86" }), nil,
				notSupported(infraPath+".firewall.size")),
			Entry("a firewall image the partition does not allow", ipv6Only, editFirewall(func(fw map[string]any) { fw["image"] = "firewall-ubuntu-2.0.20230101" }), nil,
				notSupported(infraPath+".firewall.image")),
			Entry("a firewall-controller version the profile does not offer", dualStack, editFirewall(func(fw map[string]any) { fw["controllerVersion"] = "v9.9.9" }), nil,
				notSupported(infraPath+".firewall.controllerVersion")),
			Entry("a preview firewall-controller version on request", dualStack, editFirewall(func(fw map[string]any) { fw["controllerVersion"] = "v2.4.0-rc.1" }), nil),
			Entry("auto without a supported firewall-controller version", ipv4Only, nil, func(cp *gardencorev1beta1.CloudProfile) {
				fx.Edit(cp.Spec.ProviderConfig, func(doc map[string]any) {
					fx.Object(fx.Object(doc, "metalControlPlanes"), "prod")["firewallControllerVersions"] = []any{
						map[string]any{"version": "v2.4.0-rc.1", "url": "https://example.com/fc", "classification": "preview"},
					}
				})
			}, invalid(infraPath+".firewall.controllerVersion")),
			Entry("a pool in another zone than the partition", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Zones = []string{"fra-equ02"} }, nil,
				notSupported(worker0Path+".zones[0]")),
			Entry("a pool without zones", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Zones = nil }, nil,
				required(worker0Path+".zones")),
			Entry("a machine type the profile does not offer", ipv6Only, func(s *gardencorev1beta1.Shoot) { s.Spec.Provider.Workers[0].Machine.Type = "c9-huge-x86" }, nil,
				notSupported(worker0Path+".machine.type")),
			Entry("a machine image version the profile does not offer", dualStack, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Machine.Image.Version = new("22.4.0")
			}, nil, notSupported(worker0Path+".machine.image.version")),
			Entry("a machine image the profile does not offer", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Machine.Image.Name = "flatcar"
			}, nil, notSupported(worker0Path+".machine.image.name")),
			Entry("a machine type unavailable in the partition", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				inPartition("fra-equ02", "eu-central")(s)
				s.Spec.Provider.Workers[0].Machine.Type = "c1-xlarge-x86"
			}, nil, invalid(worker0Path+".zones[0]")),
		)
	})

	Describe("update", func() {
		DescribeTable("validates",
			func(fams []gardencorev1beta1.IPFamily, edit func(*gardencorev1beta1.Shoot), editProfile func(*gardencorev1beta1.CloudProfile), matchers ...types.GomegaMatcher) {
				oldShoot := fx.Shoot(fams...)
				shoot := oldShoot.DeepCopy()
				edit(shoot)
				if editProfile != nil {
					editProfile(cloudProfile)
				}
				expectFieldErrors(validate(shoot, oldShoot), matchers...)
			},

			Entry("a new pool", dualStack, func(s *gardencorev1beta1.Shoot) {
				pool := s.Spec.Provider.Workers[0]
				pool.Name = "second"
				s.Spec.Provider.Workers = append(s.Spec.Provider.Workers, pool)
			}, nil),
			Entry("a changed partition", ipv4Only, inPartition("fra-equ02", "eu-central"), nil,
				invalid(infraPath+".partitionID")),
			Entry("a changed project", ipv6Only, editInfra(func(doc map[string]any) { doc["projectID"] = "other" }), nil,
				invalid(infraPath+".projectID")),
			Entry("a changed node network", dualStack, editInfra(func(doc map[string]any) {
				doc["nodeNetwork"] = map[string]any{"parentNetworkID": "tenant-super-b"}
			}), nil),
			Entry("a changed tenant", ipv4Only, func(s *gardencorev1beta1.Shoot) { s.Annotations[fx.TenantAnnotation] = "evil" }, nil,
				invalid(tenantPath)),
			Entry("a removed tenant", ipv4Only, func(s *gardencorev1beta1.Shoot) { delete(s.Annotations, fx.TenantAnnotation) }, nil,
				required(tenantPath)),
			Entry("an unrelated change after the profile dropped the shoot's firewall image", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Labels = map[string]string{"team": "a"}
			}, func(cp *gardencorev1beta1.CloudProfile) {
				fx.Edit(cp.Spec.ProviderConfig, func(doc map[string]any) {
					fx.Object(fx.Object(doc, "metalControlPlanes"), "prod")["firewallImages"] = []any{"firewall-ubuntu-4.0.20260101"}
				})
			}),
			Entry("a firewall update to an image the profile does not allow", ipv4Only, editFirewall(func(fw map[string]any) {
				fw["image"] = "firewall-ubuntu-1.0.20200101"
			}), nil, notSupported(infraPath+".firewall.image")),
			Entry("a pool of a machine type the profile dropped, unchanged", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Maximum = 4
			}, func(cp *gardencorev1beta1.CloudProfile) { cp.Spec.MachineTypes = cp.Spec.MachineTypes[1:] }),
			Entry("a pool changed to a machine type the profile does not offer", ipv4Only, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Machine.Type = "c9-huge-x86"
			}, nil, notSupported(worker0Path+".machine.type")),
			Entry("restricted access where the profile dropped the isolation later, unchanged", ipv6Only, func(s *gardencorev1beta1.Shoot) {
				s.Labels = map[string]string{"team": "a"}
			}, isolationOf(ipv4)),
			Entry("a switch to restricted access where the isolation does not serve the shoot's family", ipv6Only, accessType("forbidden"), isolationOf(ipv4),
				forbidden(cpPath+".networkAccessType"), forbidden(cpPath+".networkAccessType"), forbidden(cpPath+".networkAccessType")),
		)
	})

	It("passes shoots of other providers, workerless and deleted shoots", func() {
		other := fx.Shoot()
		other.Spec.Provider.Type = "aws"
		other.Annotations = nil
		Expect(validate(other, nil)).To(Succeed())

		workerless := fx.Shoot()
		workerless.Spec.Provider.Workers = nil
		workerless.Annotations = nil
		Expect(validate(workerless, nil)).To(Succeed())

		deleted := fx.Shoot()
		deleted.DeletionTimestamp = &metav1.Time{}
		deleted.Annotations = nil
		Expect(validate(deleted, nil)).To(Succeed())
	})

	It("reports a cloud profile that does not exist", func() {
		shoot := fx.Shoot()
		shoot.Spec.CloudProfile.Name = "missing"
		expectFieldErrors(validate(shoot, nil), notFound("spec.cloudProfile"))
	})

	It("validates against the spec of a NamespacedCloudProfile", func() {
		namespaced := &gardencorev1beta1.NamespacedCloudProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: fx.Namespace},
			Spec:       gardencorev1beta1.NamespacedCloudProfileSpec{Parent: gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "metal"}},
			Status:     gardencorev1beta1.NamespacedCloudProfileStatus{CloudProfileSpec: cloudProfile.Spec},
		}
		namespaced.Status.CloudProfileSpec.MachineTypes = append(namespaced.Status.CloudProfileSpec.MachineTypes, gardencorev1beta1.MachineType{Name: "c2-custom-x86"})

		shoot := fx.Shoot()
		shoot.Spec.CloudProfile = &gardencorev1beta1.CloudProfileReference{Kind: "NamespacedCloudProfile", Name: "custom"}
		shoot.Spec.Provider.Workers[0].Machine.Type = "c2-custom-x86"
		Expect(validate(shoot, nil, namespaced)).To(Succeed())

		shoot.Spec.Provider.Workers[0].Machine.Type = "c9-huge-x86"
		expectFieldErrors(validate(shoot, nil, namespaced), notSupported(worker0Path+".machine.type"))
	})
})
