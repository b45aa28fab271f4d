// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package seedprovider_test

import (
	"context"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalgarden/metalgarden/internal/testenv"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/webhook/seedprovider"
)

func etcdConfig() configmetal.ETCD {
	return configmetal.ETCD{
		Storage: configmetal.ETCDStorage{ClassName: new("csi-lvm"), Capacity: new(resource.MustParse("25Gi"))},
		Backup:  configmetal.ETCDBackup{Schedule: new("0 */6 * * *"), DeltaSnapshotPeriod: &metav1.Duration{Duration: 5 * time.Minute}},
	}
}

// etcd is an Etcd as gardenlet writes it: its own storage defaults, a backup store for etcd-main.
func etcd(name string) *druidcorev1alpha1.Etcd {
	e := &druidcorev1alpha1.Etcd{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shoot--dev--web"},
		Spec: druidcorev1alpha1.EtcdSpec{
			Replicas:        1,
			Labels:          map[string]string{"role": name},
			Selector:        &metav1.LabelSelector{MatchLabels: map[string]string{"role": name}},
			StorageClass:    new("default"),
			StorageCapacity: new(resource.MustParse("10Gi")),
			Backup:          druidcorev1alpha1.BackupSpec{FullSnapshotSchedule: new("42 3 * * *")},
		},
	}
	if name == "etcd-main" {
		e.Spec.Backup.Store = &druidcorev1alpha1.StoreSpec{Prefix: "shoot--dev--web"}
	}
	return e
}

func gctxFor(families ...gardencorev1beta1.IPFamily) extensionscontextwebhook.GardenContext {
	shoot := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "web", IPFamilies: families})
	return extensionscontextwebhook.NewInternalGardenContext(&extensionscontroller.Cluster{ObjectMeta: metav1.ObjectMeta{Name: shoot.Status.TechnicalID}, Shoot: shoot})
}

var _ = Describe("etcd", func() {
	var (
		ipv4 = gardencorev1beta1.IPFamilyIPv4
		ipv6 = gardencorev1beta1.IPFamilyIPv6
	)

	DescribeTable("a new etcd gets the storage and backup of the configuration, whatever the shoot's IP families",
		func(ctx context.Context, families []gardencorev1beta1.IPFamily) {
			ensurer := seedprovider.NewEnsurer(GinkgoLogr, etcdConfig())
			main, events := etcd("etcd-main"), etcd("etcd-events")
			Expect(ensurer.EnsureETCD(ctx, gctxFor(families...), main, nil)).To(Succeed())
			Expect(ensurer.EnsureETCD(ctx, gctxFor(families...), events, nil)).To(Succeed())

			for _, e := range []*druidcorev1alpha1.Etcd{main, events} {
				Expect(e.Spec.StorageClass).To(HaveValue(Equal("csi-lvm")))
				Expect(e.Spec.StorageCapacity.String()).To(Equal("25Gi"))
			}
			Expect(main.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("0 */6 * * *")))
			Expect(main.Spec.Backup.DeltaSnapshotPeriod).To(HaveValue(Equal(metav1.Duration{Duration: 5 * time.Minute})))
			Expect(events.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("42 3 * * *")), "etcd-events has no backup")
			Expect(events.Spec.Backup.DeltaSnapshotPeriod).To(BeNil())
		},
		Entry("dual-stack", []gardencorev1beta1.IPFamily{ipv4, ipv6}),
		Entry("IPv4-only", []gardencorev1beta1.IPFamily{ipv4}),
		Entry("IPv6-only", []gardencorev1beta1.IPFamily{ipv6}),
	)

	DescribeTable("an existing etcd keeps the storage it was created with; the backup schedule follows the configuration",
		func(ctx context.Context, families []gardencorev1beta1.IPFamily) {
			ensurer := seedprovider.NewEnsurer(GinkgoLogr, etcdConfig())
			old := etcd("etcd-main")
			old.Spec.StorageClass, old.Spec.StorageCapacity = new("premium"), new(resource.MustParse("16Gi"))
			newEtcd := etcd("etcd-main")
			Expect(ensurer.EnsureETCD(ctx, gctxFor(families...), newEtcd, old)).To(Succeed())
			Expect(newEtcd.Spec.StorageClass).To(HaveValue(Equal("premium")))
			Expect(newEtcd.Spec.StorageCapacity.String()).To(Equal("16Gi"))
			Expect(newEtcd.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("0 */6 * * *")))
		},
		Entry("dual-stack", []gardencorev1beta1.IPFamily{ipv4, ipv6}),
		Entry("IPv4-only", []gardencorev1beta1.IPFamily{ipv4}),
		Entry("IPv6-only", []gardencorev1beta1.IPFamily{ipv6}),
	)

	It("leaves gardenlet's values where the configuration says nothing", func(ctx context.Context) {
		ensurer := seedprovider.NewEnsurer(GinkgoLogr, configmetal.ETCD{})
		e := etcd("etcd-main")
		Expect(ensurer.EnsureETCD(ctx, gctxFor(), e, nil)).To(Succeed())
		Expect(e).To(Equal(etcd("etcd-main")))
	})

	It("sets no backup schedule on an etcd-main without backup store", func(ctx context.Context) {
		ensurer := seedprovider.NewEnsurer(GinkgoLogr, etcdConfig())
		e := etcd("etcd-main")
		e.Spec.Backup.Store = nil
		Expect(ensurer.EnsureETCD(ctx, gctxFor(), e, nil)).To(Succeed())
		Expect(e.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal("42 3 * * *")))
	})
})
