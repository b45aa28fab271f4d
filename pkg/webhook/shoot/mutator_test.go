// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot_test

import (
	"context"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakeclient "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/shoot"
)

var (
	ipv4 = gardencorev1beta1.IPFamilyIPv4
	ipv6 = gardencorev1beta1.IPFamilyIPv6
)

// newShootCluster returns the Cluster of a shoot whose status knows shootNodes.
func newShootCluster(families []gardencorev1beta1.IPFamily, shootNodes []string) *extensionscontroller.Cluster {
	s := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "web", IPFamilies: families})
	if len(shootNodes) > 0 {
		s.Status.Networking = &gardencorev1beta1.NetworkingStatus{Nodes: shootNodes}
	}
	return &extensionscontroller.Cluster{ObjectMeta: metav1.ObjectMeta{Name: s.Status.TechnicalID}, Shoot: s}
}

func infrastructure(cluster *extensionscontroller.Cluster, nodes []string) *extensionsv1alpha1.Infrastructure {
	return &extensionsv1alpha1.Infrastructure{
		ObjectMeta: metav1.ObjectMeta{Name: cluster.Shoot.Name, Namespace: cluster.ObjectMeta.Name},
		Status:     extensionsv1alpha1.InfrastructureStatus{Networking: &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: nodes}},
	}
}

func vpnShoot(nodes string) *appsv1.Deployment {
	labels := map[string]string{"app": shoot.AppVPNShoot}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "vpn-shoot", Namespace: metav1.NamespaceSystem, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name:  "vpn-shoot",
					Image: "vpn-client",
					Env:   []corev1.EnvVar{{Name: "IS_SHOOT_CLIENT", Value: "true"}, {Name: "SHOOT_NODE_NETWORKS", Value: nodes}},
				}}},
			},
		},
	}
}

var _ = Describe("vpn-shoot", func() {
	DescribeTable("knows every node network of the shoot",
		func(ctx context.Context, families []gardencorev1beta1.IPFamily, shootNodes, infraNodes []string, want string) {
			cluster := newShootCluster(families, shootNodes)
			scheme, err := testenv.NewScheme()
			Expect(err).NotTo(HaveOccurred())
			seed := fakeclient.NewClientBuilder().WithScheme(scheme).WithObjects(infrastructure(cluster, infraNodes)).Build()
			ctx = context.WithValue(ctx, extensionswebhook.ClusterObjectContextKey{}, cluster)
			m := shoot.NewMutator(seed)

			deploy := vpnShoot(strings.Join(shootNodes, ","))
			Expect(m.Mutate(ctx, deploy, nil)).To(Succeed())
			Expect(m.Mutate(ctx, deploy, nil)).To(Succeed())
			Expect(deploy.Spec.Template.Spec.Containers[0].Env).To(ConsistOf(
				corev1.EnvVar{Name: "IS_SHOOT_CLIENT", Value: "true"},
				corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: want},
			))

			sts := &appsv1.StatefulSet{ObjectMeta: deploy.ObjectMeta, Spec: appsv1.StatefulSetSpec{Template: *vpnShoot("").Spec.Template.DeepCopy()}}
			Expect(m.Mutate(ctx, sts, nil)).To(Succeed())
			Expect(sts.Spec.Template.Spec.Containers[0].Env).To(ContainElement(corev1.EnvVar{Name: "SHOOT_NODE_NETWORKS", Value: want}))
		},
		Entry("dual-stack: the IPv6 node network allocated after gardenlet read the status", []gardencorev1beta1.IPFamily{ipv4, ipv6},
			[]string{"10.0.16.0/22"}, []string{"10.0.16.0/22", "2001:db8:16::/64"}, "10.0.16.0/22,2001:db8:16::/64"),
		Entry("IPv4-only", []gardencorev1beta1.IPFamily{ipv4}, nil, []string{"10.0.20.0/22"}, "10.0.20.0/22"),
		Entry("IPv6-only", []gardencorev1beta1.IPFamily{ipv6}, []string{"2001:db8:20::/64"}, []string{"2001:db8:20::/64"}, "2001:db8:20::/64"),
	)

	It("leaves other objects alone", func(ctx context.Context) {
		m := shoot.NewMutator(nil)
		other := vpnShoot("10.0.0.0/24")
		other.Labels = map[string]string{"app": "coredns"}
		before := other.DeepCopy()
		Expect(m.Mutate(ctx, other, nil)).To(Succeed())
		Expect(other).To(Equal(before))
	})

	It("refuses to guess without the Cluster of the calling shoot", func(ctx context.Context) {
		Expect(shoot.NewMutator(nil).Mutate(ctx, vpnShoot(""), nil)).To(MatchError(ContainSubstring("no Cluster")))
	})
})
