// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// testFinalizer stands in for gardener-resource-manager's finalizer on a ManagedResource.
const testFinalizer = "test.metalgarden/managed-resource"

func annotate(ctx context.Context, namespace, operation string) {
	GinkgoHelper()
	cp := &extensionsv1alpha1.ControlPlane{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
	patch := client.MergeFrom(cp.DeepCopy())
	metav1.SetMetaDataAnnotation(&cp.ObjectMeta, v1beta1constants.GardenerOperation, operation)
	Expect(env.Client.Patch(ctx, cp, patch)).To(Succeed())
}

func managedResourceGone(ctx context.Context, namespace, name string) func() bool {
	return func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &resourcesv1alpha1.ManagedResource{}))
	}
}

var _ = Describe("ControlPlane lifecycle", func() {
	allManagedResources := []string{
		genericactuator.ControlPlaneSeedChartResourceName,
		genericactuator.ControlPlaneShootChartResourceName,
		genericactuator.StorageClassesChartResourceName,
	}
	shootAccess := []string{"shoot-access-cloud-controller-manager", "shoot-access-firewall-controller-manager"}

	It("deletes its ManagedResources and shoot access secrets and asks nothing of the metal-api", func(ctx context.Context) {
		namespace, _ := newFixture("delete", familiesDual).create(ctx)
		reconciled(ctx, namespace, time.Time{})
		mark := sim.Mark()

		Expect(env.Client.Delete(ctx, &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "control-plane"}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, &extensionsv1alpha1.ControlPlane{}))
		}).WithTimeout(60 * time.Second).Should(BeTrue())
		for _, name := range allManagedResources {
			Expect(managedResourceGone(ctx, namespace, name)()).To(BeTrue(), name)
		}
		for _, name := range shootAccess {
			Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &corev1.Secret{}))).To(BeTrue(), name)
		}
		Expect(sim.CallsSince(mark)).To(BeEmpty())
	})

	It("keeps the shoot's objects when the control plane migrates away, and restores everything on the destination", func(ctx context.Context) {
		namespace, created := newFixture("migrate", familiesDual).create(ctx)
		reconciled(ctx, namespace, time.Time{})

		// gardener-resource-manager holds the shoot ManagedResources until it has acted on their deletion.
		for _, name := range []string{genericactuator.ControlPlaneShootChartResourceName, genericactuator.StorageClassesChartResourceName} {
			mr := &resourcesv1alpha1.ManagedResource{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, mr)).To(Succeed())
			patch := client.MergeFrom(mr.DeepCopy())
			controllerutil.AddFinalizer(mr, testFinalizer)
			Expect(env.Client.Patch(ctx, mr, patch)).To(Succeed())
		}

		annotate(ctx, namespace, v1beta1constants.GardenerOperationMigrate)
		for _, name := range []string{genericactuator.ControlPlaneShootChartResourceName, genericactuator.StorageClassesChartResourceName} {
			mr := &resourcesv1alpha1.ManagedResource{}
			Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, mr)).To(Succeed())
				g.Expect(mr.DeletionTimestamp).NotTo(BeNil())
			}).WithTimeout(30 * time.Second).Should(Succeed())
			Expect(mr.Spec.KeepObjects).To(HaveValue(BeTrue()), "%s must leave the shoot's objects in place", name)
			patch := client.MergeFrom(mr.DeepCopy())
			controllerutil.RemoveFinalizer(mr, testFinalizer)
			Expect(env.Client.Patch(ctx, mr, patch)).To(Succeed())
		}
		Eventually(func(g Gomega) {
			cp := &extensionsv1alpha1.ControlPlane{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
			g.Expect(cp.Status.LastOperation).NotTo(BeNil())
			g.Expect(cp.Status.LastOperation.Type).To(BeEquivalentTo("Migrate"))
			g.Expect(cp.Status.LastOperation.State).To(BeEquivalentTo("Succeeded"))
			// gardenlet waits for the annotation to go before it restores in the destination seed.
			g.Expect(cp.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		}).WithTimeout(60 * time.Second).Should(Succeed())
		for _, name := range allManagedResources {
			Expect(managedResourceGone(ctx, namespace, name)()).To(BeTrue(), name)
		}

		// gardenlet deletes the migrated object and creates it again with the restore annotation in the destination
		// seed (here: the same API server).
		Expect(env.Client.Delete(ctx, &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "control-plane"}})).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, &extensionsv1alpha1.ControlPlane{}))
		}).WithTimeout(30 * time.Second).Should(BeTrue())
		restored := &extensionsv1alpha1.ControlPlane{
			ObjectMeta: metav1.ObjectMeta{
				Namespace: namespace, Name: "control-plane",
				Annotations: map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationRestore},
			},
			Spec: created.Spec,
		}
		Expect(env.Client.Create(ctx, restored)).To(Succeed())
		Eventually(func(g Gomega) {
			cp := &extensionsv1alpha1.ControlPlane{}
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
			g.Expect(cp.Status.LastOperation).NotTo(BeNil())
			// Gardener's reconciler may follow the restore with a plain reconcile at once (the event of its own
			// status update), so a slow poll can see Reconcile; either way the restore annotation is consumed.
			g.Expect(cp.Status.LastOperation.Type).To(BeElementOf(gardencorev1beta1.LastOperationTypeRestore, gardencorev1beta1.LastOperationTypeReconcile))
			g.Expect(cp.Status.LastOperation.State).To(BeEquivalentTo("Succeeded"))
			g.Expect(cp.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		}).WithTimeout(60 * time.Second).Should(Succeed())
		for _, name := range allManagedResources {
			Expect(managedResourceGone(ctx, namespace, name)()).To(BeFalse(), name)
		}
	})
})
