// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package seedprovider_test

import (
	"context"
	"slices"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/seedprovider"
)

// The kube-apiserver of the test environment plays the seed's: it calls the seed provider webhook, served over HTTPS
// by a controller-runtime webhook server, for the etcds gardenlet writes into a shoot namespace of a metal seed.
var _ = Describe("seed provider webhook called by a real API server", Ordered, func() {
	var (
		c         client.Client
		namespace string
	)

	BeforeAll(func(ctx context.Context) {
		scheme, err := testenv.NewScheme()
		Expect(err).NotTo(HaveOccurred())
		Expect(druidcorev1alpha1.AddToScheme(scheme)).To(Succeed())
		env, err := testenv.Start(testenv.Options{
			CRDs:     append(slices.Clone(testenv.EtcdCRDs), testenv.ExtensionCRDs...),
			Webhooks: envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
			Scheme:   scheme,
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(env.Stop)
		c = env.Client

		server, err := testenv.ServeWebhooks(env, "provider-metal", func(mgr manager.Manager) ([]*extensionswebhook.Webhook, error) {
			wh, err := seedprovider.AddToManagerWithOptions(mgr, seedprovider.AddOptions{ETCD: etcdConfig()})
			return []*extensionswebhook.Webhook{wh}, err
		})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(server.Stop)

		shoot := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "web"})
		namespace, err = testenv.CreateShoot(ctx, c, shoot, testenv.NewCloudProfile(nil, gardencorev1beta1.CloudProfileSpec{}), testenv.NewSeed("seed"))
		Expect(err).NotTo(HaveOccurred())

		Eventually(func(g Gomega) {
			probe := etcd("etcd-main")
			probe.Namespace = namespace
			g.Expect(c.Create(ctx, probe, client.DryRunAll)).To(Succeed())
			g.Expect(probe.Spec.StorageClass).To(HaveValue(Equal("csi-lvm")))
		}).WithTimeout(30 * time.Second).Should(Succeed())
	})

	It("sets storage and backup on create, keeps the storage on update", func(ctx context.Context) {
		main := etcd("etcd-main")
		main.Namespace = namespace
		Expect(c.Create(ctx, main)).To(Succeed())
		stored := &druidcorev1alpha1.Etcd{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(main), stored)).To(Succeed())
		Expect(stored.Spec.StorageClass).To(HaveValue(Equal("csi-lvm")))
		Expect(stored.Spec.StorageCapacity.String()).To(Equal("25Gi"))
		Expect(stored.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("0 */6 * * *")))
		Expect(stored.Spec.Backup.DeltaSnapshotPeriod.Duration).To(Equal(5 * time.Minute))

		By("gardenlet writing its defaults again does not change the volume")
		stored.Spec.StorageClass, stored.Spec.StorageCapacity = new("default"), new(resource.MustParse("10Gi"))
		stored.Spec.Backup.FullSnapshotSchedule = new("42 3 * * *")
		Expect(c.Update(ctx, stored)).To(Succeed())
		Expect(c.Get(ctx, client.ObjectKeyFromObject(main), stored)).To(Succeed())
		Expect(stored.Spec.StorageClass).To(HaveValue(Equal("csi-lvm")))
		Expect(stored.Spec.StorageCapacity.String()).To(Equal("25Gi"))
		Expect(stored.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("0 */6 * * *")))
	})

	It("leaves etcds in namespaces of other seed providers alone", func(ctx context.Context) {
		other := etcd("etcd-main")
		other.Namespace = "default"
		Expect(c.Create(ctx, other)).To(Succeed())
		Expect(other.Spec.StorageClass).To(HaveValue(Equal("default")))
	})
})
