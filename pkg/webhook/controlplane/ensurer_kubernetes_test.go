// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/coreos/go-systemd/v22/unit"
	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	fakeclient "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

func deployment(name string, containers ...corev1.Container) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shoot--dev--web"},
		Spec:       appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: containers}}},
	}
}

// seedWith returns a seed client holding the Infrastructure of the cluster with the stack's node networks.
func seedWith(s stack, cluster *extensionscontroller.Cluster) client.Reader {
	scheme, err := testenv.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	infra := &extensionsv1alpha1.Infrastructure{
		ObjectMeta: metav1.ObjectMeta{Name: cluster.Shoot.Name, Namespace: cluster.ObjectMeta.Name},
		Status: extensionsv1alpha1.InfrastructureStatus{
			Networking: &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: s.infraNodes},
		},
	}
	return fakeclient.NewClientBuilder().WithScheme(scheme).WithObjects(infra).WithStatusSubresource(infra).Build()
}

var _ = Describe("Kubernetes components", func() {
	Describe("kube-controller-manager", func() {
		kcm := func(s stack, extra ...string) *appsv1.Deployment {
			command := append([]string{
				"/usr/local/bin/kube-controller-manager",
				"--cloud-provider=gce",
				"--cloud-config=/etc/kubernetes/cloudprovider/cloudprovider.conf",
				"--node-cidr-mask-size=24",
				"--allocate-node-cidrs=true",
				"--cluster-cidr=" + strings.Join(s.pods, ","),
			}, extra...)
			return deployment("kube-controller-manager", corev1.Container{Name: "kube-controller-manager", Command: command})
		}

		DescribeTable("runs with the external cloud provider and a node CIDR mask size per family",
			func(ctx context.Context, s stack, configure func(*gardencorev1beta1.Shoot), want, absent []string) {
				cluster := newCluster(s, "open", "")
				if configure != nil {
					configure(cluster.Shoot)
				}
				ensurer := controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{})
				deploy := kcm(s)
				gctx := extensionscontextwebhook.NewInternalGardenContext(cluster)
				Expect(ensurer.EnsureKubeControllerManagerDeployment(ctx, gctx, deploy, nil)).To(Succeed())
				Expect(ensurer.EnsureKubeControllerManagerDeployment(ctx, gctx, deploy, nil)).To(Succeed(), "idempotent")

				command := deploy.Spec.Template.Spec.Containers[0].Command
				Expect(command).To(ContainElement("--cloud-provider=external"))
				Expect(command).NotTo(ContainElement(HavePrefix("--cloud-config=")))
				Expect(command).To(ContainElements(want))
				for _, a := range absent {
					Expect(command).NotTo(ContainElement(HavePrefix(a)))
				}
				Expect(command).To(HaveLen(len(kcm(s).Spec.Template.Spec.Containers[0].Command)-2+len(want)), "no duplicated flags: %v", command)
			},
			Entry("dual-stack: one mask per family, IPv4 from maxPods 110, IPv6 /64", dualStack, nil,
				[]string{"--node-cidr-mask-size-ipv4=24", "--node-cidr-mask-size-ipv6=64"}, []string{"--node-cidr-mask-size="}),
			Entry("dual-stack with maxPods 250 and a configured IPv6 mask", dualStack, func(shoot *gardencorev1beta1.Shoot) {
				shoot.Spec.Kubernetes.Kubelet = &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(250))}
				shoot.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSizeIPv6: new(int32(80))}
			}, []string{"--node-cidr-mask-size-ipv4=23", "--node-cidr-mask-size-ipv6=80"}, []string{"--node-cidr-mask-size="}),
			Entry("IPv4-only: the single-stack flag", ipv4Only, nil,
				[]string{"--node-cidr-mask-size=24"}, []string{"--node-cidr-mask-size-ipv4=", "--node-cidr-mask-size-ipv6="}),
			Entry("IPv4-only with a worker pool of maxPods 500", ipv4Only, func(shoot *gardencorev1beta1.Shoot) {
				shoot.Spec.Provider.Workers[0].Kubernetes = &gardencorev1beta1.WorkerKubernetes{Kubelet: &gardencorev1beta1.KubeletConfig{MaxPods: new(int32(500))}}
			}, []string{"--node-cidr-mask-size=22"}, []string{"--node-cidr-mask-size-ipv4="}),
			Entry("IPv6-only: the single-stack flag with /64", ipv6Only, nil,
				[]string{"--node-cidr-mask-size=64"}, []string{"--node-cidr-mask-size-ipv4=", "--node-cidr-mask-size-ipv6="}),
			Entry("IPv6-only with the mask set through nodeCIDRMaskSize, as Gardener allows", ipv6Only, func(shoot *gardencorev1beta1.Shoot) {
				shoot.Spec.Kubernetes.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(96))}
			}, []string{"--node-cidr-mask-size=96"}, []string{"--node-cidr-mask-size-ipv6="}),
		)

		DescribeTable("refuses masks that do not fit the pod network or maxPods",
			func(ctx context.Context, s stack, kcmConfig *gardencorev1beta1.KubeControllerManagerConfig, maxPods *int32, message string) {
				cluster := newCluster(s, "open", "")
				cluster.Shoot.Spec.Kubernetes.KubeControllerManager = kcmConfig
				if maxPods != nil {
					cluster.Shoot.Spec.Kubernetes.Kubelet = &gardencorev1beta1.KubeletConfig{MaxPods: maxPods}
				}
				ensurer := controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{})
				err := ensurer.EnsureKubeControllerManagerDeployment(ctx, extensionscontextwebhook.NewInternalGardenContext(cluster), kcm(s), nil)
				Expect(err).To(MatchError(ContainSubstring(message)))
			},
			Entry("dual-stack: IPv4 mask shorter than the /16 pod network", dualStack,
				&gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(12))}, nil, "/12 of IPv4 is larger than the pod network 10.244.0.0/16"),
			Entry("IPv4-only: /28 cannot hold 110 pods", ipv4Only,
				&gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSize: new(int32(28))}, nil, "holds 16 addresses, fewer than maxPods 110"),
			Entry("IPv6-only: /120 cannot hold 300 pods", ipv6Only,
				&gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSizeIPv6: new(int32(120))}, new(int32(300)), "holds 256 addresses, fewer than maxPods 300"),
			Entry("IPv6-only: mask shorter than the /56 pod network", ipv6Only,
				&gardencorev1beta1.KubeControllerManagerConfig{NodeCIDRMaskSizeIPv6: new(int32(48))}, nil, "larger than the pod network fd00:10:244::/56"),
		)

		It("leaves node IPAM alone for a kube-controller-manager without cluster CIDR (workerless shoot)", func(ctx context.Context) {
			deploy := deployment("kube-controller-manager", corev1.Container{Name: "kube-controller-manager", Command: []string{"kcm", "--cloud-provider=aws"}})
			ensurer := controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{})
			Expect(ensurer.EnsureKubeControllerManagerDeployment(ctx, extensionscontextwebhook.NewInternalGardenContext(newCluster(dualStack, "open", "")), deploy, nil)).To(Succeed())
			Expect(deploy.Spec.Template.Spec.Containers[0].Command).To(Equal([]string{"kcm", "--cloud-provider=external"}))
		})
	})

	DescribeTable("kube-apiserver: no in-tree cloud provider, VPN clients know every node network",
		func(ctx context.Context, s stack, want string) {
			cluster := newCluster(s, "open", "")
			ensurer := controlplane.NewEnsurer(GinkgoLogr, seedWith(s, cluster), imagevector.ImageVector{})
			deploy := deployment("kube-apiserver",
				corev1.Container{Name: "kube-apiserver", Command: []string{"/usr/local/bin/kube-apiserver"}, Args: []string{"--cloud-provider=external", "--cloud-config=/x", "--secure-port=443"}},
				corev1.Container{Name: "vpn-client-0", Env: []corev1.EnvVar{{Name: "SHOOT_NODE_NETWORKS", Value: strings.Join(s.shootNodes, ",")}}},
				corev1.Container{Name: "vpn-path-controller"},
			)
			gctx := extensionscontextwebhook.NewInternalGardenContext(cluster)
			Expect(ensurer.EnsureKubeAPIServerDeployment(ctx, gctx, deploy, nil)).To(Succeed())
			Expect(ensurer.EnsureKubeAPIServerDeployment(ctx, gctx, deploy, nil)).To(Succeed())

			containers := deploy.Spec.Template.Spec.Containers
			Expect(containers[0].Args).To(Equal([]string{"--secure-port=443"}))
			Expect(containers[1].Env).To(ConsistOf(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: want}))
			Expect(containers[2].Env).To(BeEmpty(), "containers without the variable keep their environment")
		},
		Entry("dual-stack: the IPv6 prefix of the Infrastructure is added", dualStack, "10.0.16.0/22,2001:db8:16::/64"),
		Entry("IPv4-only: the Infrastructure's prefix before the shoot's status has it", ipv4Only, "10.0.20.0/22"),
		Entry("IPv6-only", ipv6Only, "2001:db8:20::/64"),
	)

	DescribeTable("vpn-seed-server knows every node network",
		func(ctx context.Context, s stack, want string) {
			cluster := newCluster(s, "open", "")
			ensurer := controlplane.NewEnsurer(GinkgoLogr, seedWith(s, cluster), imagevector.ImageVector{})
			gctx := extensionscontextwebhook.NewInternalGardenContext(cluster)

			deploy := deployment("vpn-seed-server", corev1.Container{Name: "vpn-seed-server", Env: []corev1.EnvVar{{Name: "IP_FAMILIES", Value: "x"}}})
			Expect(ensurer.EnsureVPNSeedServerDeployment(ctx, gctx, deploy, nil)).To(Succeed())
			Expect(deploy.Spec.Template.Spec.Containers[0].Env).To(ConsistOf(
				corev1.EnvVar{Name: "IP_FAMILIES", Value: "x"},
				corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: want},
			))

			sts := &appsv1.StatefulSet{Spec: appsv1.StatefulSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{
				{Name: "vpn-seed-server", Env: []corev1.EnvVar{{Name: "SHOOT_NODE_NETWORKS", Value: strings.Join(s.shootNodes, ",")}}},
			}}}}}
			Expect(ensurer.EnsureVPNSeedServerStatefulSet(ctx, gctx, sts, nil)).To(Succeed())
			Expect(ensurer.EnsureVPNSeedServerStatefulSet(ctx, gctx, sts, nil)).To(Succeed())
			Expect(sts.Spec.Template.Spec.Containers[0].Env).To(ConsistOf(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: want}))
		},
		Entry("dual-stack", dualStack, "10.0.16.0/22,2001:db8:16::/64"),
		Entry("IPv4-only", ipv4Only, "10.0.20.0/22"),
		Entry("IPv6-only", ipv6Only, "2001:db8:20::/64"),
	)

	It("runs the kubelet with the external cloud provider, once", func(ctx context.Context) {
		opts := []*unit.UnitOption{
			{Section: "Service", Name: "ExecStart", Value: "/opt/bin/kubelet \\\n    --config=/var/lib/kubelet/config/kubelet \\\n    --v=2 $KUBELET_EXTRA_ARGS"},
		}
		ensurer := controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{})
		gctx := extensionscontextwebhook.NewInternalGardenContext(newCluster(dualStack, "open", ""))
		version := semver.MustParse("1.35.5")
		opts, err := ensurer.EnsureKubeletServiceUnitOptions(ctx, gctx, version, opts, nil)
		Expect(err).NotTo(HaveOccurred())
		opts, err = ensurer.EnsureKubeletServiceUnitOptions(ctx, gctx, version, opts, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(strings.Count(opts[0].Value, "--cloud-provider=external")).To(Equal(1))
		Expect(opts[0].Value).To(ContainSubstring("--config=/var/lib/kubelet/config/kubelet"))
		Expect(opts[0].Value).To(HaveSuffix("$KUBELET_EXTRA_ARGS"))
	})
})
