// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"slices"
	"strings"
	"time"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

// The kube-apiserver of the test environment plays the seed's: it calls the control-plane webhook, served over HTTPS
// by a controller-runtime webhook server with the configuration the extension registers, for what gardenlet writes
// into the namespace of a dual-stack, restricted shoot.
var _ = Describe("control-plane webhook called by a real API server", Ordered, func() {
	var (
		c         client.Client
		namespace string
		mutated   = map[string]string{v1beta1constants.LabelExtensionProviderMutatedByControlplaneWebhook: "true"}
	)

	BeforeAll(func(ctx context.Context) {
		By("starting kube-apiserver and etcd with the extension CRDs and a serving certificate for the webhook server")
		env, err := testenv.Start(testenv.Options{
			CRDs:     append(slices.Clone(testenv.ExtensionCRDs), testenv.VPACRDs...),
			Webhooks: envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Stop)
		c = env.Client

		images := imagevector.ImageVector{{
			Name:       controlplane.ImageNameMachineControllerManagerProviderMetal,
			Repository: new("registry.example.com/metalgarden/machine-controller-manager-provider-metal"),
			Tag:        new("v0.1.0"),
		}}
		server, err := testenv.ServeWebhooks(env, "provider-metal", func(mgr manager.Manager) ([]*extensionswebhook.Webhook, error) {
			wh, err := controlplane.AddToManagerWithOptions(mgr, controlplane.AddOptions{ImageVector: images})
			return []*extensionswebhook.Webhook{wh}, err
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(server.Stop)
		Expect(server.SeedConfigs.MutatingWebhookConfig).NotTo(BeNil())

		By("writing the shoot namespace, Cluster and Infrastructure of a dual-stack restricted shoot")
		cluster := newCluster(dualStack, "isolated", "restricted")
		namespace, err = testenv.CreateShoot(ctx, c, cluster.Shoot, cluster.CloudProfile, testenv.NewSeed("seed"))
		Expect(err).NotTo(HaveOccurred())
		infra := &extensionsv1alpha1.Infrastructure{
			ObjectMeta: metav1.ObjectMeta{Name: cluster.Shoot.Name, Namespace: namespace},
			Spec: extensionsv1alpha1.InfrastructureSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType},
				Region:      "local",
				SecretRef:   corev1.SecretReference{Name: "cloudprovider", Namespace: namespace},
			},
		}
		Expect(c.Create(ctx, infra)).To(Succeed())
		infra.Status.Networking = &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: dualStack.infraNodes}
		Expect(c.Status().Update(ctx, infra)).To(Succeed())

		By("waiting until the API server calls the webhook and it sees the Infrastructure")
		Eventually(func(g Gomega) {
			probe := podDeployment(namespace, "vpn-seed-server", mutated, corev1.Container{Name: "vpn-seed-server", Image: "vpn"})
			g.Expect(c.Create(ctx, probe, client.DryRunAll)).To(Succeed())
			g.Expect(probe.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22,2001:db8:16::/64"}))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("runs kube-controller-manager with the external cloud provider and dual-stack mask sizes, on create and update", func(ctx context.Context) {
		kcm := podDeployment(namespace, "kube-controller-manager", mutated, corev1.Container{Name: "kube-controller-manager", Image: "kcm", Command: []string{
			"/usr/local/bin/kube-controller-manager", "--allocate-node-cidrs=true", "--cluster-cidr=" + strings.Join(dualStack.pods, ","), "--node-cidr-mask-size-ipv4=24",
		}})
		Expect(c.Create(ctx, kcm)).To(Succeed())
		stored := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(kcm), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Command).To(ContainElements("--cloud-provider=external", "--node-cidr-mask-size-ipv4=24", "--node-cidr-mask-size-ipv6=64"))

		By("restoring the flags when gardenlet writes its own command again")
		stored.Spec.Template.Spec.Containers[0].Command = kcm.Spec.Template.Spec.Containers[0].Command[:3]
		Expect(c.Update(ctx, stored)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(kcm), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Command).To(ContainElements("--cloud-provider=external", "--node-cidr-mask-size-ipv4=24", "--node-cidr-mask-size-ipv6=64"))
	})

	It("drops in-tree cloud provider flags from kube-apiserver and completes its VPN clients' node networks", func(ctx context.Context) {
		kapi := podDeployment(namespace, "kube-apiserver", mutated,
			corev1.Container{Name: "kube-apiserver", Image: "kapi", Command: []string{"/usr/local/bin/kube-apiserver"}, Args: []string{"--cloud-provider=gce", "--secure-port=443"}},
			corev1.Container{Name: "vpn-client-0", Image: "vpn", Env: []corev1.EnvVar{{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22"}}},
		)
		Expect(c.Create(ctx, kapi)).To(Succeed())
		stored := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(kapi), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Args).To(Equal([]string{"--secure-port=443"}))
		Expect(stored.Spec.Template.Spec.Containers[1].Env).To(ConsistOf(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22,2001:db8:16::/64"}))
	})

	It("keeps adding the metal driver to machine-controller-manager", func(ctx context.Context) {
		mcm := podDeployment(namespace, "machine-controller-manager", mutated, corev1.Container{Name: "machine-controller-manager", Image: "mcm"})
		// gardenlet mounts the generic token kubeconfig as volume "kubeconfig", which the provider sidecar shares.
		mcm.Spec.Template.Spec.Volumes = []corev1.Volume{{Name: "kubeconfig", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
		Expect(c.Create(ctx, mcm)).To(Succeed())
		stored := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(mcm), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers).To(ContainElement(HaveField("Name", "machine-controller-manager-metal")))
	})

	It("isolates the nodes of the restricted shoot and runs their kubelets with the external cloud provider", func(ctx context.Context) {
		osc := &extensionsv1alpha1.OperatingSystemConfig{
			ObjectMeta: metav1.ObjectMeta{Name: "osc-pool-a", Namespace: namespace, Labels: mutated},
			Spec: extensionsv1alpha1.OperatingSystemConfigSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: "ubuntu"},
				Purpose:     extensionsv1alpha1.OperatingSystemConfigPurposeReconcile,
				CRIConfig: &extensionsv1alpha1.CRIConfig{Name: extensionsv1alpha1.CRINameContainerD, Containerd: &extensionsv1alpha1.ContainerdConfig{
					SandboxImage: "registry.k8s.io/pause:3.10",
				}},
				Units: []extensionsv1alpha1.Unit{{
					Name:    "kubelet.service",
					Content: new("[Unit]\nDescription=kubelet daemon\n[Service]\nExecStart=/opt/bin/kubelet \\\n    --config=/var/lib/kubelet/config/kubelet \\\n    --v=2 $KUBELET_EXTRA_ARGS\n"),
				}},
			},
		}
		Expect(c.Create(ctx, osc)).To(Succeed())
		stored := &extensionsv1alpha1.OperatingSystemConfig{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(osc), stored)).To(Succeed())

		Expect(*stored.Spec.Units[0].Content).To(ContainSubstring("--cloud-provider=external"))
		Expect(stored.Spec.Files).To(ContainElements(
			And(HaveField("Path", controlplane.PathResolvedConfig), HaveField("Content.Inline.Data", ContainSubstring("DNS=10.9.0.53 2001:db8:9::53"))),
			And(HaveField("Path", controlplane.PathTimesyncdConfig), HaveField("Content.Inline.Data", ContainSubstring("NTP=10.9.0.123 2001:db8:9::123"))),
		))
		Expect(stored.Spec.CRIConfig.Containerd.Registries).To(ContainElements(
			HaveField("Upstream", "docker.io"), HaveField("Upstream", "ghcr.io"),
		))
		Expect(stored.Spec.CRIConfig.Containerd.Registries[0].Hosts).To(ConsistOf(HaveField("URL", "https://registry.example.com")))
	})

	It("leaves objects without the label of the control-plane webhook alone", func(ctx context.Context) {
		kcm := podDeployment(namespace, "kube-controller-manager-unlabelled", nil, corev1.Container{Name: "kube-controller-manager", Image: "kcm", Command: []string{"kcm"}})
		kcm.Name = "kube-controller-manager"
		other := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "other"}}
		Expect(c.Create(ctx, other)).To(Succeed())
		kcm.Namespace = other.Name
		Expect(c.Create(ctx, kcm)).To(Succeed())
		Expect(kcm.Spec.Template.Spec.Containers[0].Command).To(Equal([]string{"kcm"}))
	})
})

func podDeployment(namespace, name string, labels map[string]string, containers ...corev1.Container) *appsv1.Deployment {
	selector := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: selector},
				Spec:       corev1.PodSpec{Containers: containers},
			},
		},
	}
}
