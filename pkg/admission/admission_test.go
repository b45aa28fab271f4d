// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package admission_test

import (
	"fmt"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
)

const (
	validatorWebhook = `admission webhook "validator.admission-metal.extensions.gardener.cloud" denied the request`
	secretsWebhook   = `admission webhook "secrets.validator.admission-metal.extensions.gardener.cloud" denied the request`
	ontapWebhook     = `admission webhook "ontap.validator.admission-metal.extensions.gardener.cloud" denied the request`
)

// deniedBy matches the refusal of one of our webhooks that names the field.
func deniedBy(webhook, message string) OmegaMatcher {
	return MatchError(And(ContainSubstring(webhook), ContainSubstring(message)))
}

var (
	ipv4      = gardencorev1beta1.IPFamilyIPv4
	ipv6      = gardencorev1beta1.IPFamilyIPv6
	dualStack = []gardencorev1beta1.IPFamily{ipv4, ipv6}
)

func editProd(cp *gardencorev1beta1.CloudProfile, edit func(prod map[string]any)) {
	fx.Edit(cp.Spec.ProviderConfig, func(doc map[string]any) { edit(fx.Object(fx.Object(doc, "metalControlPlanes"), "prod")) })
}

var _ = Describe("Metal admission in a garden", Ordered, func() {
	BeforeAll(func() {
		Expect(testClient.Create(ctx, fx.CloudProfile())).To(Succeed())
	})

	Describe("CloudProfiles", func() {
		It("admits a valid profile that Gardener labelled for the metal webhooks", func() {
			cp := &gardencorev1beta1.CloudProfile{}
			Expect(testClient.Get(ctx, client.ObjectKey{Name: "metal"}, cp)).To(Succeed())
			Expect(cp.Labels).To(HaveKeyWithValue("provider.extensions.gardener.cloud/metal", "true"))
		})

		DescribeTable("refuses an invalid profile with the field path",
			func(edit func(*gardencorev1beta1.CloudProfile), message string) {
				cp := fx.CloudProfile()
				cp.Name = "invalid"
				edit(cp)
				Expect(testClient.Create(ctx, cp)).To(deniedBy(validatorWebhook, message))
			},
			Entry("an unknown field", func(cp *gardencorev1beta1.CloudProfile) {
				editProd(cp, func(prod map[string]any) { prod["endpoints"] = []any{"https://x"} })
			}, `spec.providerConfig: Invalid value: decoding CloudProfileConfig: strict decoding error: unknown field "metalControlPlanes.prod.endpoints"`),
			Entry("a partition that is no zone", func(cp *gardencorev1beta1.CloudProfile) {
				cp.Spec.Regions[0].Zones = cp.Spec.Regions[0].Zones[:1]
			}, `spec.providerConfig.metalControlPlanes[prod].partitions[fra-equ02]: Invalid value: "fra-equ02": a partition must be a zone of a region`),
			Entry("a repeated firewall-controller version", func(cp *gardencorev1beta1.CloudProfile) {
				editProd(cp, func(prod map[string]any) {
					versions := prod["firewallControllerVersions"].([]any)
					prod["firewallControllerVersions"] = append(versions, versions[0])
				})
			}, `spec.providerConfig.metalControlPlanes[prod].firewallControllerVersions[2].version: Duplicate value: "v2.3.4"`),
			Entry("four DNS servers", func(cp *gardencorev1beta1.CloudProfile) {
				editProd(cp, func(prod map[string]any) {
					fx.Object(prod, "networkIsolation")["dnsServers"] = []any{"10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.4"}
				})
			}, `spec.providerConfig.metalControlPlanes[prod].networkIsolation.dnsServers: Too many: 4: must have at most 3 items`),
			Entry("a DNS server outside of the egress networks", func(cp *gardencorev1beta1.CloudProfile) {
				editProd(cp, func(prod map[string]any) { fx.Object(prod, "networkIsolation")["dnsServers"] = []any{"192.0.2.53"} })
			}, `spec.providerConfig.metalControlPlanes[prod].networkIsolation.dnsServers[0]: Invalid value: "192.0.2.53"`),
		)

		It("refuses an update that breaks the profile", func() {
			cp := &gardencorev1beta1.CloudProfile{}
			Expect(testClient.Get(ctx, client.ObjectKey{Name: "metal"}, cp)).To(Succeed())
			editProd(cp, func(prod map[string]any) { delete(fx.Object(prod, "networkIsolation"), "registryMirrors") })
			Expect(testClient.Update(ctx, cp)).To(deniedBy(validatorWebhook,
				"spec.providerConfig.metalControlPlanes[prod].networkIsolation.registryMirrors: Required value"))
		})

		It("refuses a NamespacedCloudProfile with a providerConfig", func() {
			profile := &gardencorev1beta1.NamespacedCloudProfile{
				ObjectMeta: metav1.ObjectMeta{Name: "custom", Namespace: fx.Namespace},
				Spec: gardencorev1beta1.NamespacedCloudProfileSpec{
					Parent:         gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: "metal"},
					ProviderConfig: fx.CloudProfile().Spec.ProviderConfig,
				},
			}
			Expect(testClient.Create(ctx, profile)).To(deniedBy(validatorWebhook, "spec.providerConfig: Forbidden"))
			profile.Spec.ProviderConfig = nil
			Expect(testClient.Create(ctx, profile)).To(Succeed())
		})
	})

	Describe("credentials", func() {
		const token = "t0p-s3cr3t-t0k3n"

		It("admits a Secret with a token and refuses one with two credentials, without echoing them", func() {
			secret := fx.Secret("good")
			Expect(testClient.Create(ctx, secret)).To(Succeed())

			bad := fx.Secret("both")
			bad.Data = map[string][]byte{"metalAPIKey": []byte(token), "metalAPIHMac": []byte(token)}
			err := testClient.Create(ctx, bad)
			Expect(err).To(deniedBy(secretsWebhook, "data[metalAPIHMac]: Forbidden"))
			Expect(err.Error()).NotTo(ContainSubstring(token))

			bad.Data = map[string][]byte{"metalAPIHMac": []byte(token + "\n")}
			err = testClient.Create(ctx, bad)
			Expect(err).To(deniedBy(secretsWebhook, "data[metalAPIHMac]: Invalid value: must not begin or end with whitespace"))
			Expect(err.Error()).NotTo(ContainSubstring(token))
		})

		It("refuses to change a Secret's credentials into invalid ones", func() {
			secret := &corev1.Secret{}
			Expect(testClient.Get(ctx, client.ObjectKey{Namespace: fx.Namespace, Name: "good"}, secret)).To(Succeed())
			secret.Data["metalAPIKey"] = nil
			Expect(testClient.Update(ctx, secret)).To(deniedBy(secretsWebhook, "data[metalAPIKey]: Required value"))
		})

		It("admits a SecretBinding of valid credentials and refuses one of invalid credentials", func() {
			// Not yet labelled as metal credentials, so the Secret itself passes; the binding must not.
			unlabelled := fx.Secret("unlabelled")
			unlabelled.Labels = nil
			unlabelled.Data = map[string][]byte{"metalAPIKey": {}}
			Expect(testClient.Create(ctx, unlabelled)).To(Succeed())

			err := testClient.Create(ctx, fx.SecretBinding("invalid", "unlabelled"))
			Expect(err).To(deniedBy(validatorWebhook,
				`secretRef: Invalid value: "garden-dev/unlabelled": the referenced credentials are not valid: data[metalAPIKey]: Required value`))
			Expect(testClient.Create(ctx, fx.SecretBinding("missing", "nothing"))).To(deniedBy(validatorWebhook,
				`secretRef: Not found: "garden-dev/nothing"`))
			Expect(testClient.Create(ctx, fx.SecretBinding("valid", "good"))).To(Succeed())
		})

		It("admits a CredentialsBinding of valid credentials and refuses one of invalid credentials or a workload identity", func() {
			Expect(testClient.Create(ctx, fx.CredentialsBinding("invalid", "unlabelled"))).To(deniedBy(validatorWebhook,
				`credentialsRef: Invalid value: "garden-dev/unlabelled": the referenced credentials are not valid: data[metalAPIKey]: Required value`))

			workloadIdentity := fx.CredentialsBinding("workload-identity", "")
			workloadIdentity.CredentialsRef = corev1.ObjectReference{APIVersion: "security.gardener.cloud/v1alpha1", Kind: "WorkloadIdentity", Namespace: fx.Namespace, Name: "wi"}
			Expect(testClient.Create(ctx, workloadIdentity)).To(deniedBy(validatorWebhook, "credentialsRef.kind: Forbidden"))

			Expect(testClient.Create(ctx, fx.CredentialsBinding("metal-credentials", "good"))).To(Succeed())
			binding := &securityv1alpha1.CredentialsBinding{}
			Expect(testClient.Get(ctx, client.ObjectKey{Namespace: fx.Namespace, Name: "metal-credentials"}, binding)).To(Succeed())
			Expect(binding.Labels).To(HaveKeyWithValue("provider.extensions.gardener.cloud/metal", "true"))
		})
	})

	Describe("Shoots", func() {
		DescribeTable("admits and defaults a minimal shoot",
			func(name string, families []gardencorev1beta1.IPFamily, pods, services string, calico Keys) {
				shoot := fx.MinimalShoot(families...)
				shoot.Name = name
				Expect(testClient.Create(ctx, shoot)).To(Succeed())

				stored := &gardencorev1beta1.Shoot{}
				Expect(testClient.Get(ctx, client.ObjectKeyFromObject(shoot), stored)).To(Succeed())
				Expect(stored.Labels).To(HaveKeyWithValue("provider.extensions.gardener.cloud/metal", "true"))
				Expect(stored.Spec.Networking.Type).To(PointTo(Equal("calico")))
				Expect(stored.Spec.Networking.Pods).To(PointTo(Equal(pods)))
				Expect(stored.Spec.Networking.Services).To(PointTo(Equal(services)))
				Expect(fx.Doc(stored.Spec.Networking.ProviderConfig)).To(MatchAllKeys(calico))
				Expect(stored.Spec.Kubernetes.Kubelet.MaxPods).To(PointTo(Equal(int32(250))))
				Expect(stored.Spec.Provider.Workers[0].Zones).To(Equal([]string{"fra-equ01"}))
				firewall := fx.Object(fx.Doc(stored.Spec.Provider.InfrastructureConfig), "firewall")
				Expect(firewall).To(HaveKeyWithValue("image", "firewall-ubuntu-3.0.20240601"))
				Expect(firewall).To(HaveKeyWithValue("size", "n1-medium-x86"))
				Expect(firewall).To(HaveKeyWithValue("networks", []any{"internet"}))
			},
			Entry("IPv4", "ipv4", []gardencorev1beta1.IPFamily{ipv4}, "10.240.0.0/13", "10.248.0.0/18", Keys{
				"apiVersion": Equal("calico.networking.extensions.gardener.cloud/v1alpha1"), "kind": Equal("NetworkConfig"),
				"backend": Equal("none"), "typha": Equal(map[string]any{"enabled": false}), "ipv4": Equal(map[string]any{"mode": "Never"}),
			}),
			Entry("IPv6", "ipv6", []gardencorev1beta1.IPFamily{ipv6}, "fd00:10:240::/48", "fd00:10:248::/112", Keys{
				"apiVersion": Equal("calico.networking.extensions.gardener.cloud/v1alpha1"), "kind": Equal("NetworkConfig"),
				"backend": Equal("none"), "typha": Equal(map[string]any{"enabled": false}), "ipv6": Equal(map[string]any{"mode": "Never"}),
			}),
			Entry("dual-stack", "dual", dualStack, "10.240.0.0/13", "10.248.0.0/18", Keys{
				"apiVersion": Equal("calico.networking.extensions.gardener.cloud/v1alpha1"), "kind": Equal("NetworkConfig"),
				"backend": Equal("none"), "typha": Equal(map[string]any{"enabled": false}),
				"ipv4": Equal(map[string]any{"mode": "Never"}), "ipv6": Equal(map[string]any{"mode": "Never"}),
			}),
		)

		It("keeps what the shoot sets", func() {
			shoot := fx.Shoot(dualStack...)
			shoot.Name = "complete"
			Expect(testClient.Create(ctx, shoot)).To(Succeed())

			stored := &gardencorev1beta1.Shoot{}
			Expect(testClient.Get(ctx, client.ObjectKeyFromObject(shoot), stored)).To(Succeed())
			Expect(stored.Spec.Kubernetes.KubeControllerManager.NodeCIDRMaskSize).To(PointTo(Equal(int32(23))))
			Expect(fx.Object(fx.Doc(stored.Spec.Provider.InfrastructureConfig), "firewall")).To(HaveKeyWithValue("size", "c1-large-x86"))
			Expect(stored.Spec.Extensions[0].ProviderConfig).NotTo(BeNil())
		})

		DescribeTable("refuses an invalid shoot with the field path",
			func(families []gardencorev1beta1.IPFamily, edit func(*gardencorev1beta1.Shoot), webhook, message string) {
				shoot := fx.MinimalShoot(families...)
				shoot.Name = "invalid"
				edit(shoot)
				// The ontap webhook selects shoots by the label Gardener sets from the extension's registration,
				// which its informer may learn about a moment after the suite created it.
				Eventually(func() error { return testClient.Create(ctx, shoot, client.DryRunAll) }).Should(deniedBy(webhook, message))
			},
			Entry("without tenant", dualStack, func(s *gardencorev1beta1.Shoot) { s.Annotations = nil },
				validatorWebhook, "metadata.annotations[cluster.metal-stack.io/tenant]: Required value"),
			Entry("with an unknown field in the InfrastructureConfig", []gardencorev1beta1.IPFamily{ipv4}, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { fx.Object(doc, "firewall")["imagee"] = "x" })
			}, validatorWebhook, `spec.provider.infrastructureConfig: Invalid value: decoding InfrastructureConfig: strict decoding error: unknown field "firewall.imagee"`),
			Entry("with a firewall size the partition does not allow", []gardencorev1beta1.IPFamily{ipv6}, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { fx.Object(doc, "firewall")["size"] = "c1-xlarge-x86" })
			}, validatorWebhook, `spec.provider.infrastructureConfig.firewall.size: Unsupported value: "c1-xlarge-x86"`),
			Entry("restricted in a partition without network isolation", []gardencorev1beta1.IPFamily{ipv6}, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { doc["partitionID"] = "ham-test01" })
				s.Spec.Region = "eu-north"
				s.Spec.Provider.ControlPlaneConfig = fx.Shoot().Spec.Provider.ControlPlaneConfig
			}, validatorWebhook, `spec.provider.controlPlaneConfig.networkAccessType: Forbidden: partition "ham-test01" has no network isolation settings`),
			Entry("requesting an IPv6 node network in an IPv4 shoot", []gardencorev1beta1.IPFamily{ipv4}, func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) {
					doc["nodeNetwork"] = map[string]any{"prefixLengths": map[string]any{"ipv6": 64}}
				})
			}, validatorWebhook, "spec.provider.infrastructureConfig.nodeNetwork.prefixLengths.ipv6: Forbidden: the shoot does not use IPv6"),
			// Gardener checks maxPods against the IPv4 mask size itself, not against the IPv6 one.
			Entry("with more pods than a node's IPv6 pod range holds", dualStack, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Kubernetes.Kubelet = &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(250))}
				s.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSizeIPv6: new(int32(121))}
			}, validatorWebhook, "spec.kubernetes.kubeControllerManager.nodeCIDRMaskSizeIPv6: Invalid value: 121"),
			Entry("with a pod network of fewer node ranges than nodes", []gardencorev1beta1.IPFamily{ipv4}, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Networking.Pods = new("10.240.0.0/24")
			}, validatorWebhook, "spec.kubernetes.kubeControllerManager.nodeCIDRMaskSize: Invalid value: 24: the pod network 10.240.0.0/24 (spec.networking.pods) splits into 1 pod range(s) of /24, fewer than the 3 nodes"),
			Entry("with more nodes than the partition's node network holds", []gardencorev1beta1.IPFamily{ipv4}, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Maximum = 1022
			}, validatorWebhook, "spec.provider.infrastructureConfig.nodeNetwork.prefixLengths.ipv4: Invalid value: 22"),
			Entry("with a machine type the profile does not offer", []gardencorev1beta1.IPFamily{ipv4}, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Provider.Workers[0].Machine.Type = "c9-huge-x86"
			}, validatorWebhook, `spec.provider.workers[0].machine.type: Unsupported value: "c9-huge-x86"`),
			Entry("with an invalid ontap providerConfig", dualStack, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Extensions = fx.Shoot().Spec.Extensions
				fx.Edit(s.Spec.Extensions[0].ProviderConfig, func(doc map[string]any) { doc["protocols"] = []any{"smb"} })
			}, ontapWebhook, `spec.extensions[0].providerConfig.protocols[0]: Unsupported value: "smb"`),
			Entry("with an unknown field in the ontap providerConfig", dualStack, func(s *gardencorev1beta1.Shoot) {
				s.Spec.Extensions = fx.Shoot().Spec.Extensions
				fx.Edit(s.Spec.Extensions[0].ProviderConfig, func(doc map[string]any) { doc["protocol"] = "nfs" })
			}, ontapWebhook, `spec.extensions[0].providerConfig: Invalid value: decoding OntapConfig: strict decoding error: unknown field "protocol"`),
		)

		DescribeTable("refuses to change what is fixed once the shoot exists",
			func(edit func(*gardencorev1beta1.Shoot), message string) {
				shoot := &gardencorev1beta1.Shoot{}
				Expect(testClient.Get(ctx, client.ObjectKey{Namespace: fx.Namespace, Name: "dual"}, shoot)).To(Succeed())
				edit(shoot)
				Expect(testClient.Update(ctx, shoot)).To(deniedBy(validatorWebhook, message))
			},
			Entry("the partition", func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { doc["partitionID"] = "fra-equ02" })
			}, `spec.provider.infrastructureConfig.partitionID: Invalid value: "fra-equ02": field is immutable`),
			Entry("the project", func(s *gardencorev1beta1.Shoot) {
				fx.Edit(s.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { doc["projectID"] = "another" })
			}, `spec.provider.infrastructureConfig.projectID: Invalid value: "another": field is immutable`),
			Entry("the tenant", func(s *gardencorev1beta1.Shoot) { s.Annotations[fx.TenantAnnotation] = "evil" },
				`metadata.annotations[cluster.metal-stack.io/tenant]: Invalid value: "evil": field is immutable`),
		)

		It("admits an update of an existing shoot and keeps its firewall", func() {
			shoot := &gardencorev1beta1.Shoot{}
			Expect(testClient.Get(ctx, client.ObjectKey{Namespace: fx.Namespace, Name: "ipv6"}, shoot)).To(Succeed())
			shoot.Spec.Provider.Workers[0].Maximum = 5
			fx.Edit(shoot.Spec.Provider.InfrastructureConfig, func(doc map[string]any) { delete(fx.Object(doc, "firewall"), "image") })
			Expect(testClient.Update(ctx, shoot)).To(Succeed())
			Expect(fx.Object(fx.Doc(shoot.Spec.Provider.InfrastructureConfig), "firewall")).To(HaveKeyWithValue("image", "firewall-ubuntu-3.0.20240601"))
		})

		It("leaves shoots of other providers to their own webhooks", func() {
			shoot := fx.MinimalShoot()
			shoot.Name = "other"
			shoot.Annotations = nil
			shoot.Spec.Provider.Type = "local"
			shoot.Spec.Networking.Type = new("calico")
			err := testClient.Create(ctx, shoot, client.DryRunAll)
			if err != nil {
				Expect(strings.Contains(err.Error(), "admission-metal")).To(BeFalse(), fmt.Sprintf("refused by a metal webhook: %v", err))
			}
		})
	})
})
