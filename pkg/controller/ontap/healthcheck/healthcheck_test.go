// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck_test

import (
	"net/netip"
	"time"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

var _ = Describe("ontap health checks", Ordered, func() {
	const svm = "shoot_healthcheck"
	var (
		namespace string
		admin     *ontap.Client
		key       client.ObjectKey
	)

	condition := func(g Gomega) *gardencorev1beta1.Condition {
		ex := &extensionsv1alpha1.Extension{}
		g.Expect(c.Get(ctx, key, ex)).To(Succeed())
		cond := v1beta1helper.GetCondition(ex.Status.Conditions, gardencorev1beta1.ShootSystemComponentsHealthy)
		g.Expect(cond).NotTo(BeNil())
		return cond
	}
	eventually := func(check func(g Gomega, cond *gardencorev1beta1.Condition)) {
		GinkgoHelper()
		Eventually(func(g Gomega) { check(g, condition(g)) }).WithTimeout(20 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	}
	setManagedResource := func(name string, healthy bool) {
		GinkgoHelper()
		mr := &resourcesv1alpha1.ManagedResource{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
		if err := c.Get(ctx, client.ObjectKeyFromObject(mr), mr); err != nil {
			mr.Spec.SecretRefs = []corev1.LocalObjectReference{{Name: "managedresource-" + name}}
			Expect(c.Create(ctx, mr)).To(Succeed())
		}
		status := gardencorev1beta1.ConditionTrue
		if !healthy {
			status = gardencorev1beta1.ConditionFalse
		}
		now := metav1.Now()
		mr.Status.ObservedGeneration = mr.Generation
		mr.Status.Conditions = []gardencorev1beta1.Condition{
			{Type: resourcesv1alpha1.ResourcesApplied, Status: gardencorev1beta1.ConditionTrue, LastTransitionTime: now, LastUpdateTime: now},
			{Type: resourcesv1alpha1.ResourcesHealthy, Status: status, Reason: "DeploymentUnhealthy", Message: "deployment trident-operator is not ready", LastTransitionTime: now, LastUpdateTime: now},
			{Type: resourcesv1alpha1.ResourcesProgressing, Status: gardencorev1beta1.ConditionFalse, LastTransitionTime: now, LastUpdateTime: now},
		}
		Expect(c.Status().Update(ctx, mr)).To(Succeed())
	}

	BeforeAll(func() {
		user, password := sim.AdminCredentials()
		var err error
		admin, err = ontap.NewClient(ontap.ClientConfig{Name: "sim", Address: sim.Address(), Username: user, Password: password, CABundle: sim.CACert()})
		Expect(err).NotTo(HaveOccurred())
		Expect(admin.EnsureSVM(ctx, ontap.SVMSpec{Name: svm})).Error().NotTo(HaveOccurred())
		for i, node := range []string{"sim-cluster-01", "sim-cluster-02"} {
			Expect(admin.EnsureInterface(ctx, svm, ontap.LIFSpec{Name: []string{"nvme_1_1", "nvme_2_1"}[i], Address: netip.MustParsePrefix([]string{"10.64.0.2/22", "10.64.0.3/22"}[i]), HomeNode: node, ServicePolicy: "default-data-nvme-tcp"})).Error().NotTo(HaveOccurred())
		}
		Expect(admin.EnsureInterface(ctx, svm, ontap.LIFSpec{Name: "mgmt", Address: netip.MustParsePrefix("10.64.0.4/22"), HomeNode: "sim-cluster-01", ServicePolicy: "default-management"})).Error().NotTo(HaveOccurred())

		shoot := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "health"})
		namespace, err = testenv.CreateShoot(ctx, c, shoot, testenv.NewCloudProfile(nil, gardencorev1beta1.CloudProfileSpec{}), testenv.NewSeed("seed"))
		Expect(err).NotTo(HaveOccurred())
		setManagedResource(ontapcontroller.ManagedResourceTrident, true)
		setManagedResource(ontapcontroller.ManagedResourceStorage, true)

		ex := &extensionsv1alpha1.Extension{
			ObjectMeta: metav1.ObjectMeta{Name: "ontap", Namespace: namespace},
			Spec:       extensionsv1alpha1.ExtensionSpec{DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: ontapcontroller.Type}},
		}
		Expect(c.Create(ctx, ex)).To(Succeed())
		key = client.ObjectKeyFromObject(ex)
		ex.Status.ProviderStatus = &runtime.RawExtension{Object: &ontapv1alpha1.OntapStatus{
			TypeMeta: metav1.TypeMeta{APIVersion: ontapv1alpha1.SchemeGroupVersion.String(), Kind: "OntapStatus"},
			Cluster:  "sim",
			SVMName:  svm,
			DataLIFs: []ontapv1alpha1.LIFStatus{
				{Name: "nvme_1_1", Address: "10.64.0.2", HomeNode: "sim-cluster-01", Protocol: ontapv1alpha1.ProtocolNVMeTCP},
				{Name: "nvme_2_1", Address: "10.64.0.3", HomeNode: "sim-cluster-02", Protocol: ontapv1alpha1.ProtocolNVMeTCP},
			},
			ManagementLIF: &ontapv1alpha1.LIFStatus{Name: "mgmt", Address: "10.64.0.4", HomeNode: "sim-cluster-01"},
		}}
		Expect(c.Status().Update(ctx, ex)).To(Succeed())
	})

	It("reports the shoot's storage healthy when the SVM runs, its LIFs are up and Trident is ready", func() {
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).To(Equal(gardencorev1beta1.ConditionTrue), cond.Message)
		})
	})

	It("reports a LIF that is missing or drifted", func() {
		Expect(admin.DeleteInterface(ctx, svm, "nvme_2_1")).To(Succeed())
		Expect(sim.DriftInterface(svm, "nvme_1_1", ontapapi.InterfaceDrift{Address: "10.64.0.99"})).To(Succeed())
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).NotTo(Equal(gardencorev1beta1.ConditionTrue))
			g.Expect(cond.Message).To(And(ContainSubstring("LIF nvme_2_1 is missing"), ContainSubstring("LIF nvme_1_1 has address 10.64.0.99 instead of 10.64.0.2")))
		})
		Expect(sim.DriftInterface(svm, "nvme_1_1", ontapapi.InterfaceDrift{Address: "10.64.0.2"})).To(Succeed())
		Expect(admin.EnsureInterface(ctx, svm, ontap.LIFSpec{Name: "nvme_2_1", Address: netip.MustParsePrefix("10.64.0.3/22"), HomeNode: "sim-cluster-02", ServicePolicy: "default-data-nvme-tcp"})).Error().NotTo(HaveOccurred())
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).To(Equal(gardencorev1beta1.ConditionTrue), cond.Message)
		})
	})

	It("reports Trident not ready through its ManagedResource", func() {
		setManagedResource(ontapcontroller.ManagedResourceTrident, false)
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).NotTo(Equal(gardencorev1beta1.ConditionTrue))
			g.Expect(cond.Message).To(ContainSubstring("deployment trident-operator is not ready"))
		})
		setManagedResource(ontapcontroller.ManagedResourceTrident, true)
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).To(Equal(gardencorev1beta1.ConditionTrue), cond.Message)
		})
	})

	It("reports an unreachable cluster and a missing SVM", func() {
		sim.InjectFault(ontapapi.Fault{Path: "/api/*", DropRequest: true})
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).NotTo(Equal(gardencorev1beta1.ConditionTrue))
			g.Expect(cond.Message).To(ContainSubstring("on ONTAP cluster sim"))
		})
		sim.ClearFaults()

		Expect(admin.DeleteSVM(ctx, svm)).To(Succeed())
		eventually(func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).NotTo(Equal(gardencorev1beta1.ConditionTrue))
			g.Expect(cond.Message).To(ContainSubstring("SVM " + svm + " does not exist on ONTAP cluster sim"))
		})
	})
})
