// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shootnetwork_test

import (
	"context"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	fakeclient "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/internal/shootnetwork"
)

var _ = Describe("node networks", func() {
	DescribeTable("are gathered from the shoot and the Infrastructure, once each, in canonical form",
		func(ctx context.Context, families []gardencorev1beta1.IPFamily, specNodes *string, statusNodes []string, infra *extensionsv1alpha1.InfrastructureStatus, want []string) {
			shoot := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "web", IPFamilies: families, Nodes: specNodes})
			if statusNodes != nil {
				shoot.Status.Networking = &gardencorev1beta1.NetworkingStatus{Nodes: statusNodes}
			}
			cluster := &extensionscontroller.Cluster{ObjectMeta: metav1.ObjectMeta{Name: shoot.Status.TechnicalID}, Shoot: shoot}
			scheme, err := testenv.NewScheme()
			Expect(err).NotTo(HaveOccurred())
			builder := fakeclient.NewClientBuilder().WithScheme(scheme)
			if infra != nil {
				builder = builder.WithObjects(&extensionsv1alpha1.Infrastructure{
					ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: shoot.Status.TechnicalID},
					Status:     *infra,
				})
			}
			got, err := shootnetwork.NodePrefixes(ctx, builder.Build(), cluster)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want))
		},
		Entry("dual-stack: IPv6 only in the providerStatus of the Infrastructure",
			[]gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6}, nil, []string{"10.0.16.0/22"},
			&extensionsv1alpha1.InfrastructureStatus{NodesCIDR: new("10.0.16.1/22"), DefaultStatus: extensionsv1alpha1.DefaultStatus{ProviderStatus: &runtime.RawExtension{
				Raw: []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureStatus","nodeNetwork":{"id":"n1","prefixes":["10.0.16.0/22","2001:db8:16::/64"]}}`),
			}}},
			[]string{"10.0.16.0/22", "2001:db8:16::/64"}),
		Entry("IPv4-only with the user's node network and no Infrastructure yet",
			[]gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}, new("10.1.0.0/24"), nil, nil, []string{"10.1.0.0/24"}),
		Entry("IPv6-only from the status networking of the Infrastructure",
			[]gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv6}, nil, nil,
			&extensionsv1alpha1.InfrastructureStatus{Networking: &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: []string{"2001:db8:20:0::/64"}}},
			[]string{"2001:db8:20::/64"}),
	)

	It("keeps a container's node networks in place and appends the missing ones", func() {
		c := &corev1.Container{Name: "vpn", Env: []corev1.EnvVar{{Name: "A", Value: "1"}, {Name: shootnetwork.EnvShootNodeNetworks, Value: "2001:db8:16::/64,10.0.16.0/22"}}}
		had, err := shootnetwork.EnsureNodeNetworksEnv(c, []string{"10.0.16.0/22", "10.0.99.0/24"})
		Expect(err).NotTo(HaveOccurred())
		Expect(had).To(BeTrue())
		Expect(c.Env).To(Equal([]corev1.EnvVar{{Name: "A", Value: "1"}, {Name: shootnetwork.EnvShootNodeNetworks, Value: "2001:db8:16::/64,10.0.16.0/22,10.0.99.0/24"}}))
	})

	It("refuses a value that is no prefix", func() {
		_, err := shootnetwork.Union([]string{"10.0.0.0/24"}, []string{"nodes"})
		Expect(err).To(MatchError(ContainSubstring(`parsing node network "nodes"`)))
	})
})
