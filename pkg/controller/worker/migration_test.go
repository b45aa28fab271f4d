// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/extensions"
	"github.com/gardener/gardener/pkg/utils/gardener/shootstate"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

// fcmObjects simulates what firewall-controller-manager made of the FirewallDeployment: a FirewallSet and a
// Firewall, owned down the chain and held by FCM's finalizer, and FCM's own Deployment.
func fcmObjects(ctx context.Context, namespace string) (*fcmv2.FirewallSet, *fcmv2.Firewall) {
	GinkgoHelper()
	fcm := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: FirewallControllerManagerDeploymentName, Namespace: namespace},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "firewall-controller-manager"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "firewall-controller-manager"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "fcm", Image: "fcm"}}},
			},
		},
	}
	Expect(env.Client.Create(ctx, fcm)).To(Succeed())

	deploy := &fcmv2.FirewallDeployment{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)).To(Succeed())
	patch := client.MergeFrom(deploy.DeepCopy())
	controllerutil.AddFinalizer(deploy, fcmv2.FinalizerName)
	Expect(env.Client.Patch(ctx, deploy, patch)).To(Succeed())

	set := &fcmv2.FirewallSet{
		ObjectMeta: metav1.ObjectMeta{Name: FirewallDeploymentName + "-x7k2p", Namespace: namespace, Finalizers: []string{fcmv2.FinalizerName},
			Annotations: map[string]string{fcmv2.RevisionAnnotation: "0"}},
		Spec: fcmv2.FirewallSetSpec{Replicas: 1, Template: deploy.Spec.Template},
	}
	Expect(controllerutil.SetControllerReference(deploy, set, env.Scheme)).To(Succeed())
	Expect(env.Client.Create(ctx, set)).To(Succeed())
	fw := &fcmv2.Firewall{
		ObjectMeta: metav1.ObjectMeta{Name: set.Name + "-m4wq9", Namespace: namespace, Finalizers: []string{fcmv2.FinalizerName}},
		Spec:       deploy.Spec.Template.Spec,
		Distance:   3,
	}
	Expect(controllerutil.SetControllerReference(set, fw, env.Scheme)).To(Succeed())
	Expect(env.Client.Create(ctx, fw)).To(Succeed())
	return set, fw
}

// migrateAndRestore takes the Worker through gardenlet's control plane migration: Migrate in the source seed,
// the ShootState computed by gardenlet's own code, the source namespace's objects gone, the Worker deployed
// and restored from the ShootState in the destination, all with the real controller.
func migrateAndRestore(ctx context.Context, f *fixture, namespace string) {
	GinkgoHelper()
	set, fw := fcmObjects(ctx, namespace)

	By("migrating")
	annotate(ctx, env.Client, getWorker(ctx, env.Client, namespace, f.name), v1beta1constants.GardenerOperationMigrate)
	w := reconciled(ctx, env.Client, namespace, f.name, "Migrate", time.Minute)
	Expect(w.Status.State).To(BeNil(), "status.state is gardenlet's machine state")
	Expect(w.Status.Resources).To(ConsistOf(HaveField("Name", FirewallStateResourceName)))
	secret := &corev1.Secret{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallStateSecretName(w)}, secret)).To(Succeed())
	Expect(secret.Data).To(HaveKey("state"))
	for _, o := range []named{{&fcmv2.FirewallDeployment{}, FirewallDeploymentName}, {&fcmv2.FirewallSet{}, set.Name}, {&fcmv2.Firewall{}, fw.Name}} {
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: o.name}, o.obj)).To(Succeed())
		Expect(o.obj.GetFinalizers()).To(BeEmpty(), "deleting the old namespace must not free the firewall of %s", o.name)
	}
	fcm := &appsv1.Deployment{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallControllerManagerDeploymentName}, fcm)).To(Succeed())
	Expect(*fcm.Spec.Replicas).To(BeZero(), "firewall-controller-manager is stopped")

	By("computing the ShootState as gardenlet does")
	scheme := runtime.NewScheme()
	Expect(gardencorev1beta1.AddToScheme(scheme)).To(Succeed())
	garden := fake.NewClientBuilder().WithScheme(scheme).Build()
	Expect(shootstate.Deploy(ctx, clock.RealClock{}, garden, env.Client, f.shoot, namespace, true)).To(Succeed())
	shootState := &gardencorev1beta1.ShootState{}
	Expect(garden.Get(ctx, client.ObjectKey{Namespace: f.shoot.Namespace, Name: f.shoot.Name}, shootState)).To(Succeed())
	Expect(shootState.Spec.Resources).To(ContainElement(HaveField("CrossVersionObjectReference.Name", secret.Name)))

	By("leaving the source seed: the Worker, the firewall objects and the state secret go with the namespace")
	Expect(env.Client.Delete(ctx, w)).To(Succeed())
	for _, obj := range []client.Object{fw, set, &fcmv2.FirewallDeployment{ObjectMeta: metav1.ObjectMeta{Name: FirewallDeploymentName, Namespace: namespace}}, secret} {
		Expect(client.IgnoreNotFound(env.Client.Delete(ctx, obj))).To(Succeed())
	}
	Eventually(func(g Gomega) {
		for _, o := range []named{
			{&extensionsv1alpha1.Worker{}, f.name}, {&fcmv2.Firewall{}, fw.Name}, {&fcmv2.FirewallSet{}, set.Name},
			{&fcmv2.FirewallDeployment{}, FirewallDeploymentName}, {&corev1.Secret{}, secret.Name},
		} {
			g.Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: o.name}, o.obj))).To(BeTrue(), "%T %s", o.obj, o.name)
		}
	}).Should(Succeed())

	By("restoring in the destination seed, where firewall-controller-manager's webhooks fail closed while it is stopped")
	unreachableFCMWebhooks(ctx, namespace)
	Expect(extensions.RestoreExtensionWithDeployFunction(ctx, env.Client, shootState, extensionsv1alpha1.WorkerResource,
		func(ctx context.Context, operation string) (extensionsv1alpha1.Object, error) {
			restored := f.worker(namespace)
			restored.Annotations[v1beta1constants.GardenerOperation] = operation
			return restored, env.Client.Create(ctx, restored)
		})).To(Succeed())
	w = reconciled(ctx, env.Client, namespace, f.name, "", 2*time.Minute)
	Expect(w.Status.Resources).To(BeEmpty())
	Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(secret), &corev1.Secret{}))).To(BeTrue(), "the state secret is gone after the restore")

	deploy := &fcmv2.FirewallDeployment{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)).To(Succeed())
	restoredSet := &fcmv2.FirewallSet{}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(set), restoredSet)).To(Succeed())
	Expect(metav1.IsControlledBy(restoredSet, deploy)).To(BeTrue(), "the set belongs to the restored deployment")
	Expect(restoredSet.Spec).To(Equal(set.Spec))
	Expect(restoredSet.Annotations).To(HaveKeyWithValue(fcmv2.RevisionAnnotation, "0"))
	restoredFirewall := &fcmv2.Firewall{}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fw), restoredFirewall)).To(Succeed())
	Expect(metav1.IsControlledBy(restoredFirewall, restoredSet)).To(BeTrue(), "the firewall belongs to the restored set")
	Expect(restoredFirewall.Spec).To(Equal(fw.Spec))
	Expect(restoredFirewall.Distance).To(Equal(fw.Distance))
	for _, obj := range []client.Object{deploy, restoredSet, restoredFirewall} {
		Expect(obj.GetLabels()).To(HaveKeyWithValue(FirewallRestoredLabel, "true"), "%T %s", obj, obj.GetName())
	}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fcm), fcm)).To(Succeed())
	Expect(*fcm.Spec.Replicas).To(Equal(int32(1)), "firewall-controller-manager runs again")

	// FCM would remove the objects' finalizers itself on deletion; the simulated objects carry none after restore.
	Expect(env.Client.Delete(ctx, fcm)).To(Succeed())
}

// named is an object type with the name of one object of it.
type named struct {
	obj  client.Object
	name string
}

// unreachableFCMWebhooks registers a defaulting webhook for the firewall objects of the namespace as the
// ControlPlane's seed chart does for firewall-controller-manager (failing closed, skipping restored objects), but
// with a server nobody answers, as while FCM is stopped; it is removed when the spec ends. A create of a firewall
// object without FirewallRestoredLabel fails with it (the API server calls it before it checks the schema).
func unreachableFCMWebhooks(ctx context.Context, namespace string) {
	GinkgoHelper()
	fail, none := admissionregistrationv1.Fail, admissionregistrationv1.SideEffectClassNone
	url := "https://127.0.0.1:1/unreachable"
	rules := []admissionregistrationv1.RuleWithOperations{{
		Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
		Rule: admissionregistrationv1.Rule{APIGroups: []string{fcmv2.GroupVersion.Group}, APIVersions: []string{"v2"},
			Resources: []string{"firewalldeployments", "firewallsets", "firewalls"}},
	}}
	webhook := admissionregistrationv1.MutatingWebhook{
		Name: "firewalls.metal-stack.io", AdmissionReviewVersions: []string{"v1"}, FailurePolicy: &fail, SideEffects: &none,
		ClientConfig:      admissionregistrationv1.WebhookClientConfig{URL: &url},
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: namespace}},
		ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: FirewallRestoredLabel, Operator: metav1.LabelSelectorOpDoesNotExist},
		}},
		Rules: rules,
	}
	config := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "firewall-controller-manager-" + namespace},
		Webhooks:   []admissionregistrationv1.MutatingWebhook{webhook},
	}
	Expect(env.Client.Create(ctx, config)).To(Succeed())
	DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(env.Client.Delete(ctx, config))).To(Succeed()) })

	// The API server learns of a new configuration through its informer: wait until it refuses an unlabelled object.
	Eventually(func(g Gomega) {
		probe := &fcmv2.FirewallSet{ObjectMeta: metav1.ObjectMeta{Name: "webhook-probe", Namespace: namespace}}
		err := env.Client.Create(ctx, probe, client.DryRunAll)
		g.Expect(err).To(MatchError(ContainSubstring("firewalls.metal-stack.io")), "a firewall object without the label is refused")
	}).Should(Succeed())
}
