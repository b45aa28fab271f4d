// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap_test

import (
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ontapwebhook "github.com/metalgarden/metalgarden/pkg/webhook/ontap"
)

// The kube-apiserver of the test environment plays the shoot's API server: it calls the webhook, served over HTTPS
// by a controller-runtime webhook server, for what Trident's operator creates. Ordered, because the last spec stops
// the webhook server.
var _ = Describe("Trident shoot webhook", Ordered, func() {
	waitForCSINode := v1beta1constants.AnnotationPrefixWaitForCSINode + "trident"

	It("is deployed into shoots failing closed, for Trident's objects in kube-system only", func() {
		Expect(shootWebhookConfig.Webhooks).To(HaveLen(1))
		wh := shootWebhookConfig.Webhooks[0]
		Expect(wh.FailurePolicy).To(HaveValue(Equal(admissionregistrationv1.Fail)))
		Expect(wh.SideEffects).To(HaveValue(Equal(admissionregistrationv1.SideEffectClassNone)))
		Expect(wh.ObjectSelector).To(Equal(ontapwebhook.ObjectSelector()))
		Expect(wh.NamespaceSelector.MatchExpressions).To(ConsistOf(metav1.LabelSelectorRequirement{
			Key: v1beta1constants.GardenerPurpose, Operator: metav1.LabelSelectorOpIn, Values: []string{metav1.NamespaceSystem},
		}))
		var resources []string
		for _, rule := range wh.Rules {
			Expect(rule.Operations).To(ConsistOf(admissionregistrationv1.Create, admissionregistrationv1.Update))
			resources = append(resources, rule.Resources...)
		}
		Expect(resources).To(ConsistOf("deployments", "daemonsets", "services"))
		Expect(wh.ClientConfig.URL).To(HaveValue(Equal("https://" + webhookAddress + "/shoot")))
	})

	It("labels Trident's controller Deployment and Service on create so that Gardener's cleanup keeps them", func() {
		deploy := tridentController("trident-controller")
		Expect(c.Create(ctx, deploy)).To(Succeed())
		DeferCleanup(c.Delete, ctx, deploy)

		stored := &appsv1.Deployment{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(deploy), stored)).To(Succeed())
		Expect(stored.Labels).To(HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"))
		Expect(stored.Spec.Template.Labels).To(HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"))
		Expect(stored.Labels).NotTo(HaveKey(v1beta1constants.LabelNodeCriticalComponent))

		svc := &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: "trident-csi", Namespace: metav1.NamespaceSystem, Labels: map[string]string{"app": ontapwebhook.AppTridentController}},
			Spec: corev1.ServiceSpec{
				Selector: map[string]string{"app": ontapwebhook.AppTridentController},
				Ports:    []corev1.ServicePort{{Name: "https", Port: 34571, TargetPort: intstr.FromInt32(8443)}},
			},
		}
		Expect(c.Create(ctx, svc)).To(Succeed())
		DeferCleanup(c.Delete, ctx, svc)
		storedSvc := &corev1.Service{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(svc), storedSvc)).To(Succeed())
		Expect(storedSvc.Labels).To(HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"))
	})

	It("makes the node plugin a node-critical component that waits for Trident's CSI driver", func() {
		ds := tridentNode()
		Expect(c.Create(ctx, ds)).To(Succeed())
		DeferCleanup(c.Delete, ctx, ds)

		stored := &appsv1.DaemonSet{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(ds), stored)).To(Succeed())
		Expect(stored.Labels).To(And(
			HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"),
			HaveKeyWithValue(v1beta1constants.LabelNodeCriticalComponent, "true"),
		))
		Expect(stored.Spec.Template.Labels).To(And(
			HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"),
			HaveKeyWithValue(v1beta1constants.LabelNodeCriticalComponent, "true"),
			HaveKeyWithValue("app", ontapwebhook.AppTridentNode),
		))
		Expect(stored.Spec.Template.Annotations).To(HaveKeyWithValue(waitForCSINode, ontapwebhook.TridentCSIDriver))
	})

	It("puts the labels back when an update removes them, as Trident's operator does when it reconciles", func() {
		ds := tridentNode()
		Expect(c.Create(ctx, ds)).To(Succeed())
		DeferCleanup(c.Delete, ctx, ds)

		stored := &appsv1.DaemonSet{}
		Expect(c.Get(ctx, client.ObjectKeyFromObject(ds), stored)).To(Succeed())
		delete(stored.Labels, v1beta1constants.ShootNoCleanup)
		delete(stored.Labels, v1beta1constants.LabelNodeCriticalComponent)
		delete(stored.Spec.Template.Annotations, waitForCSINode)
		stored.Spec.Template.Spec.Containers[0].Image = "docker.io/netapp/trident:24.06.1"
		Expect(c.Update(ctx, stored)).To(Succeed())

		Expect(c.Get(ctx, client.ObjectKeyFromObject(ds), stored)).To(Succeed())
		Expect(stored.Spec.Template.Spec.Containers[0].Image).To(Equal("docker.io/netapp/trident:24.06.1"))
		Expect(stored.Labels).To(And(
			HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"),
			HaveKeyWithValue(v1beta1constants.LabelNodeCriticalComponent, "true"),
		))
		Expect(stored.Spec.Template.Annotations).To(HaveKeyWithValue(waitForCSINode, ontapwebhook.TridentCSIDriver))

		By("changing nothing on an update that finds the labels in place")
		rv := stored.ResourceVersion
		Expect(c.Update(ctx, stored)).To(Succeed())
		Expect(stored.ResourceVersion).To(Equal(rv), "a no-op update does not write")
	})

	It("leaves objects alone that are not Trident's or not in kube-system", func() {
		other := tridentController("coredns")
		other.Labels = map[string]string{"app": "coredns"}
		other.Spec.Selector.MatchLabels = map[string]string{"app": "coredns"}
		other.Spec.Template.Labels = map[string]string{"app": "coredns"}
		Expect(c.Create(ctx, other)).To(Succeed())
		DeferCleanup(c.Delete, ctx, other)
		Expect(other.Labels).NotTo(HaveKey(v1beta1constants.ShootNoCleanup))

		elsewhere := tridentController("trident-controller")
		elsewhere.Namespace = metav1.NamespaceDefault
		Expect(c.Create(ctx, elsewhere)).To(Succeed())
		DeferCleanup(c.Delete, ctx, elsewhere)
		Expect(elsewhere.Labels).NotTo(HaveKey(v1beta1constants.ShootNoCleanup))
	})

	It("fails closed: while the webhook server is down, Trident's objects are refused and nothing else is", func() {
		stopWebhookServer()
		Eventually(func() bool { return listening(webhookAddress) }).Should(BeFalse(), "the webhook server still accepts connections")

		deploy := tridentController("trident-controller")
		err := c.Create(ctx, deploy)
		Expect(err).To(HaveOccurred())
		Expect(apierrors.IsInternalError(err)).To(BeTrue(), "%v", err)
		Expect(err).To(MatchError(ContainSubstring("failed calling webhook")))
		Expect(apierrors.IsNotFound(c.Get(ctx, client.ObjectKeyFromObject(deploy), &appsv1.Deployment{}))).To(BeTrue(), "nothing was created")
		Expect(c.Create(ctx, tridentNode())).To(MatchError(ContainSubstring("failed calling webhook")))

		By("admitting objects the webhook does not select")
		other := tridentController("metrics-server")
		other.Labels = map[string]string{"app": "metrics-server"}
		other.Spec.Selector.MatchLabels = map[string]string{"app": "metrics-server"}
		other.Spec.Template.Labels = map[string]string{"app": "metrics-server"}
		Expect(c.Create(ctx, other)).To(Succeed())
		DeferCleanup(c.Delete, ctx, other)
	})
})

// tridentController is the Deployment of Trident's controller as Trident's operator creates it, unlabelled.
func tridentController(name string) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceSystem, Labels: map[string]string{"app": ontapwebhook.AppTridentController}},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": ontapwebhook.AppTridentController}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": ontapwebhook.AppTridentController}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "trident-main", Image: "docker.io/netapp/trident:24.06.0"}}},
			},
		},
	}
}

// tridentNode is the DaemonSet of Trident's node plugin as Trident's operator creates it, unlabelled.
func tridentNode() *appsv1.DaemonSet {
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "trident-node-linux", Namespace: metav1.NamespaceSystem, Labels: map[string]string{"app": ontapwebhook.AppTridentNode}},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": ontapwebhook.AppTridentNode}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": ontapwebhook.AppTridentNode}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "trident-main", Image: "docker.io/netapp/trident:24.06.0"}}},
			},
		},
	}
}
