// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot_test

import (
	"context"
	"time"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/shoot"
)

// One kube-apiserver plays both the seed's and the shoot's: it holds the shoot namespace with the Cluster, the
// Infrastructure and a kube-apiserver pod whose IP is the API server's own address, so that Gardener's webhook
// handler finds the calling shoot exactly as in a seed, and it calls the shoot webhook for vpn-shoot in
// kube-system.
var _ = Describe("shoot webhook called by a real API server", Ordered, func() {
	var c client.Client

	BeforeAll(func(ctx context.Context) {
		env, err := testenv.Start(testenv.Options{
			CRDs:     testenv.ExtensionCRDs,
			Webhooks: envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Stop)
		c = env.Client

		By("writing a dual-stack shoot whose IPv6 node network only the Infrastructure knows yet")
		cluster := newShootCluster([]gardencorev1beta1.IPFamily{ipv4, ipv6}, []string{"10.0.16.0/22"})
		cluster.Shoot.Spec.Networking.ProviderConfig = &runtime.RawExtension{Raw: []byte(ebpfNetworkConfig)}
		namespace, err := testenv.CreateShoot(ctx, c, cluster.Shoot, testenv.NewCloudProfile(nil, gardencorev1beta1.CloudProfileSpec{}), testenv.NewSeed("seed"))
		Expect(err).NotTo(HaveOccurred())
		infra := infrastructure(cluster, nil)
		infra.Spec = extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType},
			Region:      "local",
			SecretRef:   corev1.SecretReference{Name: "cloudprovider", Namespace: namespace},
		}
		Expect(c.Create(ctx, infra)).To(Succeed())
		infra.Status.Networking = &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: []string{"10.0.16.0/22", "2001:db8:16::/64"}}
		Expect(c.Status().Update(ctx, infra)).To(Succeed())

		By("running the shoot's kube-apiserver pod at the address the API server calls webhooks from")
		kapi := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: "kube-apiserver-0", Namespace: namespace, Labels: map[string]string{
				v1beta1constants.LabelApp: v1beta1constants.LabelKubernetes, v1beta1constants.LabelRole: v1beta1constants.LabelAPIServer,
			}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "kube-apiserver", Image: "kube-apiserver"}}},
		}
		Expect(c.Create(ctx, kapi)).To(Succeed())
		kapi.Status.PodIP = "127.0.0.1"
		kapi.Status.PodIPs = []corev1.PodIP{{IP: "127.0.0.1"}}
		Expect(c.Status().Update(ctx, kapi)).To(Succeed())

		By("labelling kube-system as Gardener does in every shoot")
		kubeSystem := &corev1.Namespace{}
		Expect(c.Get(ctx, client.ObjectKey{Name: metav1.NamespaceSystem}, kubeSystem)).To(Succeed())
		patch := client.MergeFrom(kubeSystem.DeepCopy())
		metav1.SetMetaDataLabel(&kubeSystem.ObjectMeta, v1beta1constants.GardenerPurpose, metav1.NamespaceSystem)
		Expect(c.Patch(ctx, kubeSystem, patch)).To(Succeed())

		server, err := testenv.ServeWebhooks(env, "provider-metal", func(mgr manager.Manager) ([]*extensionswebhook.Webhook, error) {
			wh, err := shoot.AddToManager(mgr)
			return []*extensionswebhook.Webhook{wh}, err
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(server.Stop)
		Expect(server.ShootConfigs.MutatingWebhookConfig).NotTo(BeNil())

		Eventually(func(g Gomega) {
			probe := vpnShoot("10.0.16.0/22")
			g.Expect(c.Create(ctx, probe, client.DryRunAll)).To(Succeed())
			g.Expect(probe.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22,2001:db8:16::/64"}))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("gives vpn-shoot both node networks on create and keeps them on update", func(ctx context.Context) {
		deploy := vpnShoot("10.0.16.0/22")
		Expect(c.Create(ctx, deploy)).To(Succeed())
		stored := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(deploy), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22,2001:db8:16::/64"}))

		stored.Spec.Template.Spec.Containers[0].Env = vpnShoot("10.0.16.0/22").Spec.Template.Spec.Containers[0].Env
		Expect(c.Update(ctx, stored)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(deploy), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22,2001:db8:16::/64"}))
	})

	It("makes calico-node of the eBPF shoot attach to the lan interfaces", func(ctx context.Context) {
		ds := calicoNode()
		Expect(c.Create(ctx, ds)).To(Succeed())
		stored := &appsv1.DaemonSet{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(ds), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Env).To(ContainElement(HaveField("Name", shoot.EnvBPFDataIfacePattern)))
	})

	It("leaves other objects in kube-system alone", func(ctx context.Context) {
		other := vpnShoot("10.0.16.0/22")
		other.Name = "coredns"
		other.Labels = map[string]string{"k8s-app": "kube-dns"}
		Expect(c.Create(ctx, other)).To(Succeed())
		Expect(other.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: "10.0.16.0/22"}))
	})
})
