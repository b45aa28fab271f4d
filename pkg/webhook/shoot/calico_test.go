// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot_test

import (
	"context"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metalgarden/metalgarden/pkg/webhook/shoot"
)

const ebpfNetworkConfig = `{"apiVersion":"calico.networking.extensions.gardener.cloud/v1alpha1","kind":"NetworkConfig","ebpfDataplane":{"enabled":true}}`

func calicoNode(env ...corev1.EnvVar) *appsv1.DaemonSet {
	labels := map[string]string{"k8s-app": shoot.AppCalicoNode}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "calico-node", Namespace: metav1.NamespaceSystem, Labels: labels},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "calico-node", Image: "calico/node", Env: env}}},
			},
		},
	}
}

var _ = Describe("calico-node", func() {
	withNetworkConfig := func(families []gardencorev1beta1.IPFamily, config string) context.Context {
		cluster := newShootCluster(families, nil)
		if config != "" {
			cluster.Shoot.Spec.Networking.ProviderConfig = &runtime.RawExtension{Raw: []byte(config)}
		}
		return context.WithValue(context.Background(), extensionswebhook.ClusterObjectContextKey{}, cluster)
	}

	DescribeTable("with the eBPF dataplane, felix attaches to metal-stack's lan interfaces too",
		func(families []gardencorev1beta1.IPFamily) {
			ctx := withNetworkConfig(families, ebpfNetworkConfig)
			ds := calicoNode(corev1.EnvVar{Name: "FELIX_BPFENABLED", Value: "true"})
			m := shoot.NewMutator(nil)
			Expect(m.Mutate(ctx, ds, nil)).To(Succeed())
			Expect(m.Mutate(ctx, ds, nil)).To(Succeed())
			env := ds.Spec.Template.Spec.Containers[0].Env
			Expect(env).To(HaveLen(2))
			Expect(env[1].Name).To(Equal(shoot.EnvBPFDataIfacePattern))
			Expect(env[1].Value).To(HavePrefix("(" + shoot.MetalDataIfacePattern + ")|("))
			for _, iface := range []string{"lan0", "lan1", "eth0", "ens3", "vxlan.calico"} {
				Expect(iface).To(MatchRegexp(env[1].Value))
			}
			Expect("lo").NotTo(MatchRegexp(env[1].Value))
		},
		Entry("dual-stack", []gardencorev1beta1.IPFamily{ipv4, ipv6}),
		Entry("IPv4-only", []gardencorev1beta1.IPFamily{ipv4}),
		Entry("IPv6-only", []gardencorev1beta1.IPFamily{ipv6}),
	)

	It("extends a pattern the calico extension set and keeps one that already matches lan0", func() {
		ctx := withNetworkConfig([]gardencorev1beta1.IPFamily{ipv4, ipv6}, ebpfNetworkConfig)
		m := shoot.NewMutator(nil)
		ds := calicoNode(corev1.EnvVar{Name: shoot.EnvBPFDataIfacePattern, Value: "^eth[0-9]+$"})
		Expect(m.Mutate(ctx, ds, nil)).To(Succeed())
		Expect(ds.Spec.Template.Spec.Containers[0].Env).To(ConsistOf(corev1.EnvVar{Name: shoot.EnvBPFDataIfacePattern, Value: `(^lan[0-9]+$)|(^eth[0-9]+$)`}))

		own := calicoNode(corev1.EnvVar{Name: shoot.EnvBPFDataIfacePattern, Value: "^(lan|eth).*"})
		Expect(m.Mutate(ctx, own, nil)).To(Succeed())
		Expect(own.Spec.Template.Spec.Containers[0].Env).To(ConsistOf(corev1.EnvVar{Name: shoot.EnvBPFDataIfacePattern, Value: "^(lan|eth).*"}))
	})

	DescribeTable("without the eBPF dataplane calico-node stays as it is",
		func(config string) {
			ctx := withNetworkConfig([]gardencorev1beta1.IPFamily{ipv4, ipv6}, config)
			ds := calicoNode()
			Expect(shoot.NewMutator(nil).Mutate(ctx, ds, nil)).To(Succeed())
			Expect(ds).To(Equal(calicoNode()))
		},
		Entry("no network config", ""),
		Entry("iptables dataplane with native routing", `{"apiVersion":"calico.networking.extensions.gardener.cloud/v1alpha1","kind":"NetworkConfig","overlay":{"enabled":false}}`),
		Entry("eBPF disabled", `{"ebpfDataplane":{"enabled":false}}`),
	)
})
