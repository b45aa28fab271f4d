// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck_test

import (
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	extensionshealthcheck "github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("provider-metal health checks", Ordered, func() {
	const nodeName = "shoot--dev--health-worker-a"
	var namespace string

	condition := func(g Gomega, obj extensionsv1alpha1.Object, conditionType gardencorev1beta1.ConditionType) *gardencorev1beta1.Condition {
		g.Expect(c.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		cond := v1beta1helper.GetCondition(obj.GetExtensionStatus().GetConditions(), conditionType)
		g.Expect(cond).NotTo(BeNil(), "condition %s of %s", conditionType, obj.GetName())
		return cond
	}
	// eventually waits until the condition of the extension object satisfies check.
	eventually := func(obj extensionsv1alpha1.Object, conditionType gardencorev1beta1.ConditionType, check func(g Gomega, cond *gardencorev1beta1.Condition)) {
		GinkgoHelper()
		Eventually(func(g Gomega) { check(g, condition(g, obj, conditionType)) }).WithTimeout(15 * time.Second).WithPolling(100 * time.Millisecond).Should(Succeed())
	}
	healthy := func(g Gomega, cond *gardencorev1beta1.Condition) {
		g.Expect(cond.Status).To(Equal(gardencorev1beta1.ConditionTrue), cond.Message)
		g.Expect(cond.Reason).To(Equal(extensionshealthcheck.ReasonSuccessful))
	}
	unhealthy := func(message ...string) func(g Gomega, cond *gardencorev1beta1.Condition) {
		return func(g Gomega, cond *gardencorev1beta1.Condition) {
			g.Expect(cond.Status).To(Equal(gardencorev1beta1.ConditionFalse), cond.Message)
			g.Expect(cond.Reason).To(Equal(extensionshealthcheck.ReasonUnsuccessful))
			for _, m := range message {
				g.Expect(cond.Message).To(ContainSubstring(m))
			}
		}
	}

	setDeploymentIn := func(namespace, name string, available bool) {
		GinkgoHelper()
		deploy := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
		if err := c.Get(ctx, client.ObjectKeyFromObject(deploy), deploy); err != nil {
			labels := map[string]string{"app": name}
			deploy.Spec = appsv1.DeploymentSpec{
				Replicas: new(int32(1)),
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: name}}},
				},
			}
			Expect(c.Create(ctx, deploy)).To(Succeed())
		}
		cond := appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionTrue, Reason: "MinimumReplicasAvailable", Message: "Deployment has minimum availability."}
		var ready int32 = 1
		if !available {
			cond = appsv1.DeploymentCondition{Type: appsv1.DeploymentAvailable, Status: corev1.ConditionFalse, Reason: "MinimumReplicasUnavailable", Message: "Deployment does not have minimum availability."}
			ready = 0
		}
		now := metav1.Now()
		cond.LastUpdateTime, cond.LastTransitionTime = now, now
		deploy.Status = appsv1.DeploymentStatus{
			ObservedGeneration: deploy.Generation,
			Replicas:           1, UpdatedReplicas: 1, ReadyReplicas: ready, AvailableReplicas: ready,
			UnavailableReplicas: 1 - ready,
			Conditions:          []appsv1.DeploymentCondition{cond},
		}
		Expect(c.Status().Update(ctx, deploy)).To(Succeed())
	}
	setDeployment := func(name string, available bool) {
		GinkgoHelper()
		setDeploymentIn(namespace, name, available)
	}

	// setDaemonSet sets the status of a DaemonSet of the shoot as the DaemonSet controller reports it for two nodes.
	setDaemonSet := func(namespace, name string, ready int32) {
		GinkgoHelper()
		ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
		if err := c.Get(ctx, client.ObjectKeyFromObject(ds), ds); err != nil {
			labels := map[string]string{"app": name}
			ds.Spec = appsv1.DaemonSetSpec{
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: name, Image: name}}},
				},
			}
			Expect(c.Create(ctx, ds)).To(Succeed())
		}
		ds.Status = appsv1.DaemonSetStatus{
			ObservedGeneration:     ds.Generation,
			DesiredNumberScheduled: 2, CurrentNumberScheduled: 2, UpdatedNumberScheduled: 2,
			NumberReady: ready, NumberAvailable: ready, NumberUnavailable: 2 - ready,
		}
		Expect(c.Status().Update(ctx, ds)).To(Succeed())
	}

	setManagedResourceIn := func(namespace, name string) {
		GinkgoHelper()
		mr := &resourcesv1alpha1.ManagedResource{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}}
		mr.Spec.SecretRefs = []corev1.LocalObjectReference{{Name: "managedresource-" + name}}
		Expect(c.Create(ctx, mr)).To(Succeed())
		now := metav1.Now()
		mr.Status.ObservedGeneration = mr.Generation
		mr.Status.Conditions = []gardencorev1beta1.Condition{
			{Type: resourcesv1alpha1.ResourcesApplied, Status: gardencorev1beta1.ConditionTrue, LastTransitionTime: now, LastUpdateTime: now},
			{Type: resourcesv1alpha1.ResourcesHealthy, Status: gardencorev1beta1.ConditionTrue, LastTransitionTime: now, LastUpdateTime: now},
			{Type: resourcesv1alpha1.ResourcesProgressing, Status: gardencorev1beta1.ConditionFalse, LastTransitionTime: now, LastUpdateTime: now},
		}
		Expect(c.Status().Update(ctx, mr)).To(Succeed())
	}

	// setFirewalls sets the FirewallDeployment's status as firewall-controller-manager reports it.
	setFirewallsIn := func(namespace string, ready, unhealthy int, available fcmv2.Condition) {
		GinkgoHelper()
		deploy := &fcmv2.FirewallDeployment{ObjectMeta: metav1.ObjectMeta{Name: worker.FirewallDeploymentName, Namespace: namespace}}
		if err := c.Get(ctx, client.ObjectKeyFromObject(deploy), deploy); err != nil {
			deploy.Spec = fcmv2.FirewallDeploymentSpec{
				Replicas:   1,
				AutoUpdate: fcmv2.FirewallAutoUpdate{MachineImage: false},
				Template: fcmv2.FirewallTemplateSpec{Spec: fcmv2.FirewallSpec{
					Size: "c1-medium-x86", Image: "firewall-ubuntu-3.0", Partition: "partition-a", Project: "project-a", Networks: []string{"internet"},
				}},
			}
			Expect(c.Create(ctx, deploy)).To(Succeed())
		}
		deploy.Status = fcmv2.FirewallDeploymentStatus{TargetReplicas: 1, ReadyReplicas: ready, UnhealthyReplicas: unhealthy, ObservedRevision: 1, Conditions: fcmv2.Conditions{available}}
		Expect(c.Status().Update(ctx, deploy)).To(Succeed())
	}
	setFirewalls := func(ready, unhealthy int, available fcmv2.Condition) {
		GinkgoHelper()
		setFirewallsIn(namespace, ready, unhealthy, available)
	}
	firewallsAvailable := fcmv2.NewCondition(fcmv2.FirewallDeploymentAvailable, fcmv2.ConditionTrue, "MinimumReplicasAvailable", "Deployment has minimum availability.")

	setNodeReady := func(ready bool) {
		GinkgoHelper()
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName}}
		if err := c.Get(ctx, client.ObjectKeyFromObject(node), node); err != nil {
			Expect(c.Create(ctx, node)).To(Succeed())
		}
		now := metav1.Now()
		cond := corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status", LastHeartbeatTime: now, LastTransitionTime: now}
		if !ready {
			cond = corev1.NodeCondition{Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown", Message: "Kubelet stopped posting node status.", LastHeartbeatTime: now, LastTransitionTime: now}
		}
		node.Status.Conditions = []corev1.NodeCondition{cond}
		Expect(c.Status().Update(ctx, node)).To(Succeed())
	}

	cp := &extensionsv1alpha1.ControlPlane{}
	wk := &extensionsv1alpha1.Worker{}
	// ciliumCP is the ControlPlane of a cilium shoot (the same stand-in shoot): it has no MetalLB to check.
	ciliumCP := &extensionsv1alpha1.ControlPlane{}

	// newControlPlane creates the shoot namespace with a healthy control plane and the ControlPlane of the shoot.
	newControlPlane := func(shoot *gardencorev1beta1.Shoot, cp *extensionsv1alpha1.ControlPlane) string {
		GinkgoHelper()
		namespace, err := testenv.CreateShoot(ctx, c, shoot, testenv.NewCloudProfile(nil, gardencorev1beta1.CloudProfileSpec{}), testenv.NewSeed("seed"))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "gardener", Namespace: namespace},
			Data:       map[string][]byte{"kubeconfig": shootKubeconfig},
		})).To(Succeed())
		setDeploymentIn(namespace, controlplane.CloudControllerManagerName, true)
		setDeploymentIn(namespace, controlplane.FirewallControllerManagerName, true)
		setManagedResourceIn(namespace, genericactuator.ControlPlaneShootChartResourceName)
		setManagedResourceIn(namespace, genericactuator.StorageClassesChartResourceName)
		setFirewallsIn(namespace, 1, 0, firewallsAvailable)
		*cp = extensionsv1alpha1.ControlPlane{
			ObjectMeta: metav1.ObjectMeta{Name: shoot.Name, Namespace: namespace},
			Spec: extensionsv1alpha1.ControlPlaneSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType},
				Region:      "region-a",
				SecretRef:   corev1.SecretReference{Name: "cloudprovider", Namespace: namespace},
			},
		}
		Expect(c.Create(ctx, cp)).To(Succeed())
		return namespace
	}

	BeforeAll(func() {
		// The shoot's MetalLB (the shoot is calico, as NewShoot makes it).
		Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: controlplane.MetalLBNamespace}})).To(Succeed())
		setDeploymentIn(controlplane.MetalLBNamespace, controlplane.MetalLBControllerName, true)
		setDaemonSet(controlplane.MetalLBNamespace, controlplane.MetalLBSpeakerName, 2)
		setNodeReady(true)

		namespace = newControlPlane(testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "health"}), cp)
		cilium := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "health-cilium"})
		cilium.Spec.Networking.Type = new(controlplane.NetworkingTypeCilium)
		newControlPlane(cilium, ciliumCP)

		secretRef := corev1.SecretReference{Name: "cloudprovider", Namespace: namespace}
		*wk = extensionsv1alpha1.Worker{
			ObjectMeta: metav1.ObjectMeta{Name: "health", Namespace: namespace},
			Spec: extensionsv1alpha1.WorkerSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType},
				Region:      "region-a",
				SecretRef:   secretRef,
				Pools: []extensionsv1alpha1.WorkerPool{{
					Name: "worker-a", MachineType: "c1-large-x86", Minimum: 1, Maximum: 1,
					MaxSurge: intstr.FromInt32(1), MaxUnavailable: intstr.FromInt32(0),
					UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "worker-a-userdata"}, Key: "userdata"},
				}},
			},
		}
		Expect(c.Create(ctx, wk)).To(Succeed())
	})

	It("reports a healthy control plane, system components and nodes", func() {
		eventually(cp, gardencorev1beta1.ShootControlPlaneHealthy, healthy)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
		eventually(wk, gardencorev1beta1.ShootEveryNodeReady, healthy)
		eventually(ciliumCP, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
	})

	It("turns SystemComponentsHealthy False for an unavailable MetalLB controller of a calico shoot, not of a cilium shoot", func() {
		setDeploymentIn(controlplane.MetalLBNamespace, controlplane.MetalLBControllerName, false)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, unhealthy(
			"MetalLB's Deployment metallb-system/controller in the shoot is unhealthy",
			"MinimumReplicasUnavailable",
			"new LoadBalancer services get no address",
			"kubectl -n metallb-system describe deployment controller",
		))
		Consistently(func(g Gomega) { healthy(g, condition(g, cp, gardencorev1beta1.ShootControlPlaneHealthy)) }).WithTimeout(2 * time.Second).Should(Succeed())
		// The cilium shoot's check runs against the same unavailable controller, and skips it.
		Consistently(func(g Gomega) { healthy(g, condition(g, ciliumCP, gardencorev1beta1.ShootSystemComponentsHealthy)) }).WithTimeout(2 * time.Second).Should(Succeed())

		setDeploymentIn(controlplane.MetalLBNamespace, controlplane.MetalLBControllerName, true)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
	})

	It("turns SystemComponentsHealthy False for MetalLB speakers that are not ready", func() {
		setDaemonSet(controlplane.MetalLBNamespace, controlplane.MetalLBSpeakerName, 1)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, unhealthy(
			"MetalLB's DaemonSet metallb-system/speaker in the shoot is unhealthy: too many unavailable pods found (1/2)",
			"are not announced from the nodes without a ready speaker",
			"kubectl -n metallb-system describe daemonset speaker",
		))

		setDaemonSet(controlplane.MetalLBNamespace, controlplane.MetalLBSpeakerName, 2)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
	})

	It("turns SystemComponentsHealthy False when MetalLB's controller is missing from the shoot", func() {
		Expect(c.Delete(ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: controlplane.MetalLBNamespace, Name: controlplane.MetalLBControllerName}})).To(Succeed())
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, unhealthy(
			"MetalLB's Deployment metallb-system/controller in the shoot does not exist",
			"the ManagedResource extension-controlplane-shoot deploys it",
		))

		setDeploymentIn(controlplane.MetalLBNamespace, controlplane.MetalLBControllerName, true)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
	})

	It("turns ControlPlaneHealthy False for a failing cloud-controller-manager Deployment", func() {
		setDeployment(controlplane.CloudControllerManagerName, false)
		eventually(cp, gardencorev1beta1.ShootControlPlaneHealthy, unhealthy(
			`deployment "cloud-controller-manager" in namespace "`+namespace+`" is unhealthy`,
			"MinimumReplicasUnavailable",
			"LoadBalancer services get no address",
			"kubectl -n "+namespace+" describe deployment cloud-controller-manager",
		))
		Consistently(func(g Gomega) { healthy(g, condition(g, cp, gardencorev1beta1.ShootSystemComponentsHealthy)) }).WithTimeout(2 * time.Second).Should(Succeed())

		setDeployment(controlplane.CloudControllerManagerName, true)
		eventually(cp, gardencorev1beta1.ShootControlPlaneHealthy, healthy)
	})

	It("turns SystemComponentsHealthy False for an unhealthy FirewallDeployment", func() {
		setFirewalls(0, 1, fcmv2.NewCondition(fcmv2.FirewallDeploymentAvailable, fcmv2.ConditionFalse, "MinimumReplicasUnavailable", "Deployment does not have minimum availability."))
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, unhealthy(
			"FirewallDeployment "+namespace+"/shoot-firewall has 0 of 1 firewall(s) ready (1 unhealthy)",
			"Available: MinimumReplicasUnavailable Deployment does not have minimum availability.",
			"kubectl -n "+namespace+" get firewalls",
		))
		Consistently(func(g Gomega) { healthy(g, condition(g, cp, gardencorev1beta1.ShootControlPlaneHealthy)) }).WithTimeout(2 * time.Second).Should(Succeed())

		setFirewalls(1, 0, firewallsAvailable)
		eventually(cp, gardencorev1beta1.ShootSystemComponentsHealthy, healthy)
	})

	It("turns EveryNodeReady False for a NotReady node", func() {
		setNodeReady(false)
		eventually(wk, gardencorev1beta1.ShootEveryNodeReady, unhealthy(
			"1 of 1 node(s) not ready: node "+nodeName+": Ready is Unknown since",
			"(NodeStatusUnknown: Kubelet stopped posting node status.)",
			"check the kubelet and container runtime on the machine",
		))

		setNodeReady(true)
		eventually(wk, gardencorev1beta1.ShootEveryNodeReady, healthy)
	})
})
