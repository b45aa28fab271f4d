// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
)

// metalLBCRDs are the CustomResourceDefinitions MetalLB's controller and speaker watch.
var metalLBCRDs = []string{
	"bfdprofiles.metallb.io", "bgpadvertisements.metallb.io", "bgppeers.metallb.io", "communities.metallb.io",
	"ipaddresspools.metallb.io", "l2advertisements.metallb.io", "servicel2statuses.metallb.io",
}

// pinnedImage is the image of the embedded vector (no IMAGEVECTOR_OVERWRITE in these tests).
func pinnedImage(name string) string {
	GinkgoHelper()
	vector, err := controlplane.ImageVector()
	Expect(err).NotTo(HaveOccurred())
	found, err := vector.FindImage(name)
	Expect(err).NotTo(HaveOccurred())
	Expect(found.Tag).NotTo(BeNil(), "image %s is pinned to a tag", name)
	return found.String()
}

// applyForReal creates the objects in the API server (the stand-in shoot), or leaves them as an earlier test created
// them.
func applyForReal(ctx context.Context, objs ...client.Object) {
	GinkgoHelper()
	for _, obj := range objs {
		Expect(client.IgnoreAlreadyExists(env.Client.Create(ctx, obj.DeepCopyObject().(client.Object)))).To(Succeed(), "creating %s", obj.GetName())
	}
}

// canI asks the API server whether the service account may do verb on resource.group in namespace.
func canI(ctx context.Context, serviceAccount, verb, group, resource, namespace string) bool {
	GinkgoHelper()
	review := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
		User:               "system:serviceaccount:" + serviceAccount,
		Groups:             []string{"system:serviceaccounts", "system:authenticated"},
		ResourceAttributes: &authorizationv1.ResourceAttributes{Namespace: namespace, Verb: verb, Group: group, Resource: resource},
	}}
	Expect(env.Client.Create(ctx, review)).To(Succeed())
	return review.Status.Allowed
}

// metalCCMObject is a MetalLB configuration object as metal-ccm writes it (pkg/controllers/loadbalancer/config of
// metal-stack/metal-ccm): unstructured, since the API is MetalLB's.
func metalCCMObject(apiVersion, kind, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(controlplane.MetalLBNamespace)
	u.SetName(name)
	return u
}

var _ = Describe("Load balancer and node-init in the shoot", func() {
	DescribeTable("deploys MetalLB for a calico shoot, with the pinned images, and configures metal-ccm for it",
		func(ctx context.Context, name string, families []gardencorev1beta1.IPFamily, poolAddress string, nodeInit bool) {
			f := newFixture(name, families)
			namespace, _ := f.create(ctx)
			reconciled(ctx, namespace, time.Time{})

			By("the seed's cloud-controller-manager runs metal-ccm in metallb mode")
			seed := applySeedObjects(ctx, namespace)
			ccm := seed["Deployment/"+controlplane.CloudControllerManagerName].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
			Expect(containerEnv(ccm)).To(HaveKeyWithValue("LOADBALANCER", "metallb"))

			By("the shoot gets MetalLB's namespace, CRDs, RBAC, controller and speaker, all valid")
			shoot := managedObjects(ctx, namespace, genericactuator.ControlPlaneShootChartResourceName, false)
			validateShootObjects(ctx, shoot)
			Expect(shoot).To(HaveKey("Namespace/" + controlplane.MetalLBNamespace))
			for _, crd := range metalLBCRDs {
				Expect(shoot).To(HaveKey("CustomResourceDefinition/"+crd), crd)
			}
			Expect(shoot).NotTo(HaveKey("ClusterRole/system:metal-ccm:cilium-load-balancer"))

			controller := shoot["Deployment/"+controlplane.MetalLBControllerName].(*appsv1.Deployment)
			Expect(controller.Namespace).To(Equal(controlplane.MetalLBNamespace))
			Expect(controller.Spec.Template.Spec.ServiceAccountName).To(Equal("controller"))
			Expect(controller.Spec.Template.Spec.Containers).To(HaveLen(1))
			Expect(controller.Spec.Template.Spec.Containers[0].Image).To(Equal(pinnedImage("metallb-controller")))
			Expect(controller.Spec.Template.Spec.Containers[0].Args).To(ContainElement("--webhook-mode=disabled"))

			speaker := shoot["DaemonSet/"+controlplane.MetalLBSpeakerName].(*appsv1.DaemonSet)
			Expect(speaker.Namespace).To(Equal(controlplane.MetalLBNamespace))
			Expect(speaker.Spec.Template.Spec.HostNetwork).To(BeTrue())
			Expect(speaker.Spec.Template.Spec.Containers).To(HaveLen(1))
			container := speaker.Spec.Template.Spec.Containers[0]
			Expect(container.Image).To(Equal(pinnedImage("metallb-speaker")))
			Expect(container.SecurityContext.Capabilities.Add).To(ConsistOf(corev1.Capability("NET_RAW")))
			// The metrics listener binds the node's own address of whatever family; no memberlist (BGP only, so
			// nothing binds an IPv4-only wildcard).
			hostIP := slices.IndexFunc(container.Env, func(e corev1.EnvVar) bool { return e.Name == "METALLB_HOST" })
			Expect(hostIP).NotTo(Equal(-1))
			Expect(container.Env[hostIP].ValueFrom.FieldRef.FieldPath).To(Equal("status.hostIP"))
			Expect(containerEnv(container)).NotTo(HaveKey("METALLB_ML_BIND_ADDR"))

			By("the CRDs are served once applied, and take the objects metal-ccm writes, of the shoot's families")
			var crds []client.Object
			for _, crd := range metalLBCRDs {
				crds = append(crds, shoot["CustomResourceDefinition/"+crd])
			}
			applyForReal(ctx, crds...)
			for _, crd := range metalLBCRDs {
				Eventually(func(g Gomega) {
					stored := &apiextensionsv1.CustomResourceDefinition{}
					g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: crd}, stored)).To(Succeed())
					established := slices.IndexFunc(stored.Status.Conditions, func(c apiextensionsv1.CustomResourceDefinitionCondition) bool {
						return c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue
					})
					g.Expect(established).NotTo(Equal(-1), "%s established", crd)
				}).WithTimeout(30 * time.Second).Should(Succeed())
			}
			pool := "internet-" + name + "-ephemeral"
			for _, obj := range []*unstructured.Unstructured{
				metalCCMObject("metallb.io/v1beta1", "IPAddressPool", pool, map[string]any{"addresses": []any{poolAddress}, "autoAssign": true}),
				metalCCMObject("metallb.io/v1beta1", "BGPAdvertisement", pool, map[string]any{"ipAddressPools": []any{pool}}),
				metalCCMObject("metallb.io/v1beta2", "BGPPeer", "peer-4200000"+name, map[string]any{
					"myASN": int64(4200000001), "peerASN": int64(4200000001), "peerAddress": "127.0.0.1",
					"holdTime": "1m30s", "keepaliveTime": "0s",
					"nodeSelectors": []any{map[string]any{"matchExpressions": []any{map[string]any{
						"key": "kubernetes.io/hostname", "operator": "In", "values": []any{"node-" + name},
					}}}},
				}),
			} {
				Eventually(func() error {
					return client.IgnoreAlreadyExists(env.Client.Create(ctx, obj.DeepCopy()))
				}).WithTimeout(30*time.Second).Should(Succeed(), "creating %s %s", obj.GetKind(), obj.GetName())
			}
			peers := &unstructured.UnstructuredList{}
			peers.SetAPIVersion("metallb.io/v1beta2")
			peers.SetKind("BGPPeerList")
			Expect(env.Client.List(ctx, peers, client.InNamespace(controlplane.MetalLBNamespace))).To(Succeed())
			Expect(slices.ContainsFunc(peers.Items, func(u unstructured.Unstructured) bool { return u.GetName() == "peer-4200000"+name })).To(BeTrue())

			By("metal-ccm's service account may write MetalLB's configuration, and only in metallb-system")
			var rbac []client.Object
			for _, key := range slices.Sorted(maps.Keys(shoot)) {
				switch shoot[key].(type) {
				case *rbacv1.Role, *rbacv1.RoleBinding, *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
					rbac = append(rbac, shoot[key])
				}
			}
			applyForReal(ctx, rbac...)
			Eventually(func() bool {
				return canI(ctx, "kube-system:cloud-controller-manager", "create", "metallb.io", "bgppeers", controlplane.MetalLBNamespace)
			}).WithTimeout(10 * time.Second).Should(BeTrue())
			for _, resource := range []string{"ipaddresspools", "bgpadvertisements"} {
				Expect(canI(ctx, "kube-system:cloud-controller-manager", "update", "metallb.io", resource, controlplane.MetalLBNamespace)).To(BeTrue(), resource)
			}
			Expect(canI(ctx, "kube-system:cloud-controller-manager", "create", "metallb.io", "bgppeers", "default")).To(BeFalse())
			Expect(canI(ctx, "metallb-system:speaker", "list", "metallb.io", "bgppeers", controlplane.MetalLBNamespace)).To(BeTrue())
			Expect(canI(ctx, "metallb-system:controller", "update", "", "services/status", "default")).To(BeTrue())

			By("node-init, where the shoot's node pod CIDR is IPv4")
			if !nodeInit {
				Expect(shoot).NotTo(HaveKey("DaemonSet/node-init"))
				Expect(shoot).NotTo(HaveKey("ServiceAccount/node-init"))
				return
			}
			ds := shoot["DaemonSet/node-init"].(*appsv1.DaemonSet)
			Expect(ds.Namespace).To(Equal("kube-system"))
			Expect(ds.Spec.Template.Spec.HostNetwork).To(BeTrue())
			Expect(ds.Spec.Template.Spec.InitContainers).To(HaveLen(1))
			Expect(ds.Spec.Template.Spec.InitContainers[0].Image).To(Equal(pinnedImage("node-init")))
			nodeName := slices.IndexFunc(ds.Spec.Template.Spec.InitContainers[0].Env, func(e corev1.EnvVar) bool { return e.Name == "KUBE_NODE_NAME" })
			Expect(nodeName).NotTo(Equal(-1))
			Expect(ds.Spec.Template.Spec.InitContainers[0].Env[nodeName].ValueFrom.FieldRef.FieldPath).To(Equal("spec.nodeName"))
			Expect(ds.Spec.Template.Spec.Containers[0].Image).To(Equal(pinnedImage("pause")))
			Expect(shoot).To(HaveKey("ClusterRoleBinding/system:metal:node-init"))
		},
		Entry("dual-stack", "lb-dual", familiesDual, "2001:db8:0:20::5/128", true),
		Entry("IPv4 only", "lb-ipv4", familiesV4, "185.1.2.3/32", true),
		Entry("IPv6 only: no node-init, which handles IPv4 only", "lb-ipv6", familiesV6, "2001:db8:0:20::6/128", false),
	)

	It("deploys no MetalLB and no node-init for a cilium shoot and configures metal-ccm for cilium", func(ctx context.Context) {
		f := newFixture("lb-cilium", familiesDual)
		f.networkingType = controlplane.NetworkingTypeCilium
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})

		seed := applySeedObjects(ctx, namespace)
		ccm := seed["Deployment/"+controlplane.CloudControllerManagerName].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
		Expect(containerEnv(ccm)).To(HaveKeyWithValue("LOADBALANCER", "cilium"))

		shoot := managedObjects(ctx, namespace, genericactuator.ControlPlaneShootChartResourceName, false)
		validateShootObjects(ctx, shoot)
		for key, obj := range shoot {
			Expect(obj.GetNamespace()).NotTo(Equal(controlplane.MetalLBNamespace), key)
			Expect(key).NotTo(HaveSuffix(".metallb.io"))
			Expect(key).NotTo(ContainSubstring("metallb"))
			Expect(key).NotTo(ContainSubstring("node-init"))
		}
		Expect(shoot).To(HaveKey("ClusterRoleBinding/system:metal-ccm:cilium-load-balancer"))
		role := shoot["ClusterRole/system:metal-ccm:cilium-load-balancer"].(*rbacv1.ClusterRole)
		Expect(role.Rules).To(ConsistOf(HaveField("Resources", ConsistOf("ciliumbgppeeringpolicies", "ciliumloadbalancerippools"))))
		// The shoot's firewall policies and node network are there as for any shoot.
		Expect(shoot).To(HaveKey("ConfigMap/shoot-info-node-cidr"))
	})

	It("deploys MetalLB for another networking type, metal-ccm's default mode", func(ctx context.Context) {
		f := newFixture("lb-other", familiesV4)
		f.networkingType = "custom-cni"
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})

		seed := applySeedObjects(ctx, namespace)
		ccm := seed["Deployment/"+controlplane.CloudControllerManagerName].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
		Expect(containerEnv(ccm)).To(HaveKeyWithValue("LOADBALANCER", "metallb"))
		shoot := managedObjects(ctx, namespace, genericactuator.ControlPlaneShootChartResourceName, false)
		Expect(shoot).To(HaveKey("Deployment/" + controlplane.MetalLBControllerName))
		Expect(shoot).To(HaveKey("DaemonSet/" + controlplane.MetalLBSpeakerName))
		Expect(shoot).To(HaveKey("DaemonSet/node-init"))
		Expect(shoot).NotTo(HaveKey("ClusterRole/system:metal-ccm:cilium-load-balancer"))
	})
})

var _ = Describe("ImageVector of the shoot's load balancer and node-init", func() {
	It("pins MetalLB, node-init and pause, each overridable by IMAGEVECTOR_OVERWRITE", func() {
		Expect(pinnedImage("metallb-controller")).To(Equal("quay.io/metallb/controller:v0.14.9"))
		Expect(pinnedImage("metallb-speaker")).To(Equal("quay.io/metallb/speaker:v0.14.9"))
		Expect(pinnedImage("node-init")).To(HavePrefix("ghcr.io/metal-stack/node-init:v"))
		Expect(pinnedImage("pause")).To(HavePrefix("registry.k8s.io/pause:"))

		path := filepath.Join(GinkgoT().TempDir(), "images.yaml")
		Expect(os.WriteFile(path, []byte("images:\n"+
			"- name: metallb-speaker\n  repository: mirror.example.com/metallb/speaker\n  tag: v0.14.9\n"+
			"- name: node-init\n  repository: mirror.example.com/node-init\n  tag: v0.1.2\n"), 0o600)).To(Succeed())
		GinkgoT().Setenv(imagevector.OverrideEnv, path)
		Expect(pinnedImage("metallb-speaker")).To(Equal("mirror.example.com/metallb/speaker:v0.14.9"))
		Expect(pinnedImage("node-init")).To(Equal("mirror.example.com/node-init:v0.1.2"))
		Expect(pinnedImage("metallb-controller")).To(Equal("quay.io/metallb/controller:v0.14.9"))
	})
})
