// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	gardenerextensions "github.com/gardener/gardener/pkg/extensions"
	"github.com/gardener/gardener/pkg/utils/managedresources"
	secretsutils "github.com/gardener/gardener/pkg/utils/secrets"
	secretsmanager "github.com/gardener/gardener/pkg/utils/secrets/manager"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	"github.com/metalgarden/metalgarden/pkg/charts"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// expectNoWildcards fails when a rule of a (Cluster)Role grants "*" verbs, resources, API groups or URLs.
func expectNoWildcards(r *rendered) {
	GinkgoHelper()
	var rules []rbacv1.PolicyRule
	for _, role := range decode[rbacv1.ClusterRole](r, "ClusterRole") {
		Expect(role.AggregationRule).To(BeNil(), role.Name)
		rules = append(rules, role.Rules...)
	}
	for _, role := range decode[rbacv1.Role](r, "Role") {
		rules = append(rules, role.Rules...)
	}
	Expect(rules).NotTo(BeEmpty())
	for _, rule := range rules {
		Expect(rule.Verbs).NotTo(BeEmpty())
		Expect(rule.Resources).NotTo(BeEmpty())
		Expect(rule.NonResourceURLs).To(BeEmpty())
		for _, list := range [][]string{rule.Verbs, rule.Resources, rule.APIGroups} {
			for _, item := range list {
				Expect(item).NotTo(ContainSubstring("*"), "rule %+v", rule)
			}
		}
		Expect(rule.Verbs).NotTo(ContainElements("escalate", "bind", "impersonate"), "rule %+v", rule)
	}
}

// access is a set of API requests: verbs on a resource ("resource" or "resource/subresource") of a group,
// in a namespace ("" for cluster-wide), for an object name ("" for any).
type access struct {
	verbs                            string
	group, resource, namespace, name string
}

// reviews are the SelfSubjectAccessReviews that ask for a.
func (a access) reviews() []*authorizationv1.SelfSubjectAccessReview {
	resource, subresource, _ := strings.Cut(a.resource, "/")
	var out []*authorizationv1.SelfSubjectAccessReview
	for verb := range strings.FieldsSeq(a.verbs) {
		out = append(out, &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Namespace: a.namespace, Verb: verb, Group: a.group, Resource: resource, Subresource: subresource, Name: a.name,
			},
		}})
	}
	return out
}

// rbacCase is a chart deployed for real with its RBAC, and the requests its binary makes.
type rbacCase struct {
	chart, release, namespace string
	values                    map[string]any
	serviceAccount            string // namespace/name
	// allowed are the API requests the binary's controllers make (derived from Gardener's generic
	// reconcilers and actuators and our controllers, see the comments). Every request the real controllers
	// make when they run under the ServiceAccount below must be one of them (requestLog.expectCoveredBy).
	allowed []access
	// denied are requests the binary must not be able to make.
	denied []access
}

const (
	shootNamespace       = "shoot--dev--rbac"
	metalRBACNamespace   = "rbac-extension-provider-metal"
	metalRuntimeNS       = "rbac-runtime-extension-provider-metal"
	ontapRBACNamespace   = "rbac-extension-ontap"
	admissionRuntimeNS   = "garden"
	admissionVirtualNS   = "extension-provider-metal-rbac"
	admissionSA          = "extension-admission-provider-metal"
	providerMetalWebhook = "gardener-extension-provider-metal"
	admissionWebhook     = "gardener-extension-admission-metal"
	extensionsGroup      = "extensions.gardener.cloud"
	ontapAdminNamespace  = "garden"
	ontapAdminSecret     = "ontap-cluster-a"
	metalLeaderElection  = "provider-metal-leader-election"
	ontapLeaderElection  = "ontap-leader-election"
	admissionLeaderElID  = "admission-metal-leader-election"
	heartbeatLease       = gardenerextensions.HeartBeatResourceName
	allVerbs             = "create get list watch patch update delete"
	readVerbs            = "get list watch"
)

// leases are the requests of controller-runtime's leader election and Gardener's heartbeat controller.
func leases(namespace, leaderElectionID string) []access {
	return []access{
		{verbs: "create", group: "coordination.k8s.io", resource: "leases", namespace: namespace},
		{verbs: "get update", group: "coordination.k8s.io", resource: "leases", namespace: namespace, name: leaderElectionID},
		{verbs: "get patch", group: "coordination.k8s.io", resource: "leases", namespace: namespace, name: heartbeatLease},
		// The heartbeat reads its lease through the manager's cache.
		{verbs: "list watch", group: "coordination.k8s.io", resource: "leases"},
		{verbs: "create patch", resource: "events", namespace: namespace},
		{verbs: "create patch", group: "events.k8s.io", resource: "events", namespace: namespace},
	}
}

// rbacCases are built when the spec tree is, after Gomega's fail handler is registered.
func rbacCases() []rbacCase {
	return []rbacCase{
		{
			chart: charts.ProviderMetal, release: "provider-metal", namespace: metalRBACNamespace,
			values:         seedContext(defaultSeed(), nil),
			serviceAccount: metalRBACNamespace + "/gardener-extension-provider-metal",
			allowed: append(leases(metalRBACNamespace, metalLeaderElection), []access{
				// Gardener's generic reconcilers (extensions/pkg/controller/{infrastructure,worker,controlplane,healthcheck}):
				// watch, finalizers, operation annotations, status; the Cluster for every reconcile.
				{verbs: "get list watch patch update", group: extensionsGroup, resource: "infrastructures", namespace: shootNamespace},
				{verbs: "get list watch patch update", group: extensionsGroup, resource: "workers", namespace: shootNamespace},
				{verbs: "get list watch patch update", group: extensionsGroup, resource: "controlplanes", namespace: shootNamespace},
				{verbs: "patch update", group: extensionsGroup, resource: "infrastructures/status", namespace: shootNamespace},
				{verbs: "patch update", group: extensionsGroup, resource: "workers/status", namespace: shootNamespace},
				{verbs: "patch update", group: extensionsGroup, resource: "controlplanes/status", namespace: shootNamespace},
				{verbs: readVerbs, group: extensionsGroup, resource: "clusters"},
				{verbs: "create patch", resource: "events", namespace: shootNamespace},
				// Infrastructure actuator: the metal-api credentials.
				{verbs: "get", resource: "secrets", namespace: shootNamespace, name: v1beta1constants.SecretNameCloudProvider},
				// Worker (worker/genericactuator): machine classes and their secrets, machine deployments, the
				// machine-controller-manager deployment and pods, the FirewallDeployment of the shoot.
				{verbs: allVerbs, group: "machine.sapcloud.io", resource: "machineclasses", namespace: shootNamespace},
				{verbs: allVerbs, group: "machine.sapcloud.io", resource: "machinedeployments", namespace: shootNamespace},
				{verbs: readVerbs, group: "machine.sapcloud.io", resource: "machinesets", namespace: shootNamespace},
				{verbs: readVerbs, group: "machine.sapcloud.io", resource: "machines", namespace: shootNamespace},
				{verbs: "deletecollection", group: "machine.sapcloud.io", resource: "machinedeployments", namespace: shootNamespace},
				{verbs: "deletecollection", group: "machine.sapcloud.io", resource: "machineclasses", namespace: shootNamespace},
				{verbs: "deletecollection", resource: "secrets", namespace: shootNamespace},
				{verbs: "list delete", resource: "pods", namespace: shootNamespace},
				{verbs: "get", group: "apps", resource: "deployments", namespace: shootNamespace, name: v1beta1constants.DeploymentNameMachineControllerManager},
				{verbs: "patch", group: "apps", resource: "deployments/scale", namespace: shootNamespace, name: v1beta1constants.DeploymentNameMachineControllerManager},
				{verbs: allVerbs, group: "firewall.metal-stack.io", resource: "firewalldeployments", namespace: shootNamespace},
				{verbs: readVerbs, group: "firewall.metal-stack.io", resource: "firewallsets", namespace: shootNamespace},
				{verbs: readVerbs, group: "firewall.metal-stack.io", resource: "firewalls", namespace: shootNamespace},
				// ControlPlane (controlplane/genericactuator: secrets manager, seed chart of the metal
				// cloud-controller-manager and firewall-controller-manager, shoot charts as ManagedResources).
				{verbs: allVerbs, resource: "secrets", namespace: shootNamespace},
				{verbs: allVerbs, resource: "configmaps", namespace: shootNamespace},
				{verbs: allVerbs, resource: "services", namespace: shootNamespace},
				{verbs: allVerbs, resource: "serviceaccounts", namespace: shootNamespace},
				{verbs: allVerbs, group: "apps", resource: "deployments", namespace: shootNamespace},
				{verbs: allVerbs, group: "rbac.authorization.k8s.io", resource: "roles", namespace: shootNamespace},
				{verbs: allVerbs, group: "rbac.authorization.k8s.io", resource: "rolebindings", namespace: shootNamespace},
				{verbs: allVerbs, group: "networking.k8s.io", resource: "networkpolicies", namespace: shootNamespace},
				{verbs: allVerbs, group: "policy", resource: "poddisruptionbudgets", namespace: shootNamespace},
				{verbs: allVerbs, group: "autoscaling.k8s.io", resource: "verticalpodautoscalers", namespace: shootNamespace},
				{verbs: allVerbs, group: "monitoring.coreos.com", resource: "servicemonitors", namespace: shootNamespace},
				{verbs: allVerbs, group: "resources.gardener.cloud", resource: "managedresources", namespace: shootNamespace},
				{verbs: allVerbs, group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
				// Webhooks (extensions/pkg/webhook: registration owned by the namespace, certificates of the secrets
				// manager in the release namespace, shoot webhooks in the ManagedResources of shoot namespaces).
				{verbs: "create list watch", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations"},
				{verbs: "get patch update", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", name: providerMetalWebhook},
				{verbs: readVerbs, resource: "namespaces"},
				{verbs: allVerbs, resource: "secrets", namespace: metalRBACNamespace},
				// The manager's cache lists and watches cluster-wide what the controllers read through it.
				{verbs: "list watch", group: extensionsGroup, resource: "infrastructures"},
				{verbs: "list watch", group: extensionsGroup, resource: "workers"},
				{verbs: "list watch", resource: "secrets"},
				{verbs: "list watch", group: "apps", resource: "deployments"},
				{verbs: "list watch", group: "machine.sapcloud.io", resource: "machineclasses"},
				{verbs: "list watch", group: "machine.sapcloud.io", resource: "machinedeployments"},
				{verbs: "list watch", group: "machine.sapcloud.io", resource: "machinesets"},
				{verbs: "list watch", group: "machine.sapcloud.io", resource: "machines"},
				{verbs: "list watch", group: "firewall.metal-stack.io", resource: "firewalldeployments"},
				// The ControlPlane controller watches ControlPlanes cluster-wide, and its actuator reads ManagedResources
				// through the cache (waiting for them to become healthy or to be deleted).
				{verbs: "list watch", group: extensionsGroup, resource: "controlplanes"},
				{verbs: "list watch", group: "resources.gardener.cloud", resource: "managedresources"},
			}...),
			denied: []access{
				{verbs: "create update", group: "rbac.authorization.k8s.io", resource: "clusterroles"},
				{verbs: "create update", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings"},
				{verbs: "bind escalate", group: "rbac.authorization.k8s.io", resource: "roles", namespace: shootNamespace},
				{verbs: "create delete", resource: "namespaces"},
				{verbs: "get list", resource: "nodes"},
				{verbs: "create", resource: "pods/exec", namespace: shootNamespace},
				{verbs: "create", resource: "serviceaccounts/token", namespace: shootNamespace},
				{verbs: "create", group: "apiextensions.k8s.io", resource: "customresourcedefinitions"},
				{verbs: "update", group: "coordination.k8s.io", resource: "leases", namespace: metav1.NamespaceSystem, name: "kube-controller-manager"},
				{verbs: "patch", group: extensionsGroup, resource: "dnsrecords", namespace: shootNamespace},
				{verbs: "patch", group: extensionsGroup, resource: "extensions", namespace: shootNamespace},
				{verbs: "delete", group: extensionsGroup, resource: "clusters"},
				{verbs: "get", group: "core.gardener.cloud", resource: "shoots", namespace: "garden-dev"},
				{verbs: "impersonate", resource: "serviceaccounts", namespace: shootNamespace},
			},
		},
		{
			chart: charts.ProviderMetal, release: "provider-metal", namespace: metalRuntimeNS,
			values:         runtimeContext(nil),
			serviceAccount: metalRuntimeNS + "/gardener-extension-provider-metal-runtime",
			// Only the heartbeat runs in the garden runtime cluster.
			allowed: leases(metalRuntimeNS, metalLeaderElection),
			denied: []access{
				{verbs: "get", group: extensionsGroup, resource: "infrastructures", namespace: shootNamespace},
				{verbs: "get", group: extensionsGroup, resource: "clusters"},
				{verbs: "get", resource: "secrets", namespace: metalRuntimeNS},
				{verbs: "create", group: "resources.gardener.cloud", resource: "managedresources", namespace: metalRuntimeNS},
				{verbs: "create", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations"},
			},
		},
		{
			chart: charts.Ontap, release: "ontap", namespace: ontapRBACNamespace,
			values:         seedContext(defaultSeed(), minimalOntap()),
			serviceAccount: ontapRBACNamespace + "/gardener-extension-ontap",
			allowed: append(leases(ontapRBACNamespace, ontapLeaderElection), []access{
				// Gardener's generic Extension reconciler and health check (extensions/pkg/controller/{extension,healthcheck}).
				{verbs: "get list watch patch update", group: extensionsGroup, resource: "extensions", namespace: shootNamespace},
				{verbs: "patch update", group: extensionsGroup, resource: "extensions/status", namespace: shootNamespace},
				{verbs: readVerbs, group: extensionsGroup, resource: "clusters"},
				{verbs: "create patch", resource: "events", namespace: shootNamespace},
				// extensions/pkg/predicate.ShootNotFailedPredicate reads the shoot namespace through the cache.
				{verbs: readVerbs, resource: "namespaces"},
				// The ONTAP admin credentials (config.clusters[].secretRef) and the metal-api credentials of the shoot.
				{verbs: "get", resource: "secrets", namespace: ontapAdminNamespace, name: ontapAdminSecret},
				{verbs: "get", resource: "secrets", namespace: shootNamespace, name: v1beta1constants.SecretNameCloudProvider},
				// The Trident account secret and Trident in the shoot (managedresources.CreateForShoot).
				{verbs: allVerbs, resource: "secrets", namespace: shootNamespace},
				{verbs: allVerbs, group: "resources.gardener.cloud", resource: "managedresources", namespace: shootNamespace},
				// The manager's cache lists and watches cluster-wide what the controller reads through it.
				{verbs: "list watch", group: extensionsGroup, resource: "extensions"},
				{verbs: "list watch", resource: "secrets"},
				{verbs: "list watch", group: "resources.gardener.cloud", resource: "managedresources"},
			}...),
			denied: []access{
				{verbs: "patch", group: extensionsGroup, resource: "infrastructures", namespace: shootNamespace},
				{verbs: "create", group: "apps", resource: "deployments", namespace: shootNamespace},
				{verbs: "list", group: "machine.sapcloud.io", resource: "machines", namespace: shootNamespace},
				{verbs: "delete", resource: "pods", namespace: shootNamespace},
				{verbs: "create", resource: "configmaps", namespace: shootNamespace},
				{verbs: "create", group: "rbac.authorization.k8s.io", resource: "clusterroles"},
				{verbs: "get", resource: "nodes"},
				{verbs: "create", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations"},
			},
		},
		{
			chart: charts.AdmissionMetalRuntime, release: "provider-metal", namespace: admissionRuntimeNS,
			values:         admissionRuntimeContext("provider-metal", nil),
			serviceAccount: admissionRuntimeNS + "/gardener-extension-admission-metal",
			allowed: []access{
				// Leader election in the runtime cluster, the webhook CA and server certificate (secrets manager).
				{verbs: "create", group: "coordination.k8s.io", resource: "leases", namespace: admissionRuntimeNS},
				{verbs: "get update", group: "coordination.k8s.io", resource: "leases", namespace: admissionRuntimeNS, name: admissionLeaderElID},
				{verbs: allVerbs, resource: "secrets", namespace: admissionRuntimeNS},
				{verbs: "create patch", resource: "events", namespace: admissionRuntimeNS},
			},
			denied: []access{
				{verbs: "get", resource: "secrets", namespace: metav1.NamespaceSystem},
				{verbs: "list", resource: "secrets"},
				{verbs: "update", group: "coordination.k8s.io", resource: "leases", namespace: admissionRuntimeNS, name: "gardener-operator-leader-election"},
				{verbs: "create", group: "apps", resource: "deployments", namespace: admissionRuntimeNS},
				{verbs: "get", resource: "namespaces"},
				{verbs: "create", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
			},
		},
		{
			chart: charts.AdmissionMetalApplication, release: "provider-metal", namespace: admissionVirtualNS,
			values:         admissionVirtualContext("provider-metal", nil),
			serviceAccount: metav1.NamespaceSystem + "/" + admissionSA,
			allowed: []access{
				// Validation of Shoots against their (namespaced) cloud profile, of credentials against their secret.
				{verbs: readVerbs, group: "core.gardener.cloud", resource: "cloudprofiles"},
				{verbs: readVerbs, group: "core.gardener.cloud", resource: "namespacedcloudprofiles", namespace: "garden-dev"},
				{verbs: "get", resource: "secrets", namespace: "garden-dev"},
				// Webhook registration (extensions/pkg/webhook.ReconcileSeedWebhookConfig with the owner namespace).
				{verbs: readVerbs, resource: "namespaces"},
				{verbs: "create get list watch", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations"},
				{verbs: "create get list watch", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations"},
				{verbs: "patch update delete", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: admissionWebhook},
				{verbs: "patch update delete", group: "admissionregistration.k8s.io", resource: "mutatingwebhookconfigurations", name: admissionWebhook},
			},
			denied: []access{
				{verbs: "patch delete", group: "admissionregistration.k8s.io", resource: "validatingwebhookconfigurations", name: "gardener-admission-controller"},
				{verbs: "list watch", resource: "secrets", namespace: "garden-dev"},
				{verbs: "update patch", group: "core.gardener.cloud", resource: "shoots", namespace: "garden-dev"},
				{verbs: "create update", group: "core.gardener.cloud", resource: "cloudprofiles"},
				{verbs: "delete", resource: "namespaces"},
			},
		},
	}
}

// impersonating returns a rest.Config that acts as the service account ("namespace/name"), as its pods would.
func impersonating(serviceAccount string) *rest.Config {
	namespace, name, _ := strings.Cut(serviceAccount, "/")
	cfg := rest.CopyConfig(env.Config)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: fmt.Sprintf("system:serviceaccount:%s:%s", namespace, name),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
	}
	return cfg
}

func clientFor(cfg *rest.Config) client.Client {
	GinkgoHelper()
	c, err := client.New(cfg, client.Options{Scheme: env.Scheme})
	Expect(err).NotTo(HaveOccurred())
	return c
}

var _ = Describe("RBAC of the charts", Ordered, func() {
	var shoot *controllerShoot

	BeforeAll(func(ctx SpecContext) {
		// Install the ServiceAccounts and RBAC of every chart for real, so the API server authorizes by them.
		for _, rc := range rbacCases() {
			r, err := render(rc.chart, rc.release, rc.namespace, rc.values)
			Expect(err).NotTo(HaveOccurred())
			expectNoWildcards(r)
			ensureNamespace(ctx, rc.namespace)
			for _, obj := range r.objects {
				switch obj.GetKind() {
				case "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
					Expect(env.Client.Create(ctx, obj.DeepCopy())).To(Succeed(), "%s %s", obj.GetKind(), obj.GetName())
				}
			}
		}
		ns := metav1.NamespaceSystem
		Expect(env.Client.Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: admissionSA, Namespace: ns}})).To(Succeed())
		// The ontap controller waits for deleted ManagedResources; there is no gardener-resource-manager here.
		managedresources.IntervalWait = 50 * time.Millisecond
		startSimulators(ctx)
		shoot = createShoot(ctx)
		Expect(shoot.namespace).To(Equal(shootNamespace))
	})

	for _, rc := range rbacCases() {
		It(fmt.Sprintf("lets %s (%s) make the requests of its controllers and nothing beyond", rc.chart, rc.namespace), func(ctx SpecContext) {
			c := clientFor(impersonating(rc.serviceAccount))
			check := func(a access, want bool) {
				GinkgoHelper()
				for _, review := range a.reviews() {
					Expect(c.Create(ctx, review)).To(Succeed())
					Expect(review.Status.Allowed).To(Equal(want), "%s may %+v: %s", rc.serviceAccount, *review.Spec.ResourceAttributes, review.Status.Reason)
				}
			}
			for _, a := range rc.allowed {
				check(a, true)
			}
			for _, a := range rc.denied {
				check(a, false)
			}
		})
	}

	It("runs the Infrastructure, ControlPlane and Worker controllers, leader election, heartbeat and webhook registration of provider-metal under its ServiceAccount", func(ctx SpecContext) {
		serviceAccount := metalRBACNamespace + "/gardener-extension-provider-metal"
		cfg, requests := recording(impersonating(serviceAccount))

		mgr := newManager(cfg, workerScheme(), metalRBACNamespace, metalLeaderElection)
		Expect(heartbeat.Add(mgr, heartbeat.AddArgs{ExtensionName: "provider-metal", Namespace: metalRBACNamespace, RenewIntervalSeconds: 1, Clock: clock.RealClock{}})).To(Succeed())
		Expect(infrastructure.AddToManagerWithOptions(ctx, mgr, infrastructure.AddOptions{
			MetalAPI:             configmetal.MetalAPIClientConfig{QPS: new(float32(1000)), Burst: new(1000)},
			InUseRequeueInterval: 500 * time.Millisecond,
		})).To(Succeed())
		Expect(worker.AddToManagerWithOptions(ctx, mgr, worker.AddOptions{FirewallDeletionRequeue: 500 * time.Millisecond})).To(Succeed())
		Expect(controlplane.AddToManagerWithOptions(ctx, mgr, controlplane.AddOptions{
			MetalAPI: configmetal.MetalAPIClientConfig{QPS: new(float32(1000)), Burst: new(1000)},
		})).To(Succeed())
		webhookCA := registerWebhook(mgr, cfg, metalRBACNamespace, &admissionregistrationv1.MutatingWebhookConfiguration{
			ObjectMeta: metav1.ObjectMeta{Name: providerMetalWebhook},
			Webhooks: []admissionregistrationv1.MutatingWebhook{{
				Name:                    "controlplane.metal.extensions.gardener.cloud",
				ClientConfig:            admissionregistrationv1.WebhookClientConfig{Service: &admissionregistrationv1.ServiceReference{Namespace: metalRBACNamespace, Name: providerMetalWebhook, Path: new("/controlplane")}},
				AdmissionReviewVersions: []string{"v1"},
				SideEffects:             new(admissionregistrationv1.SideEffectClassNone),
			}},
		})
		start(ctx, mgr)

		By("reconciling the Infrastructure: a node network in the metal-api")
		clusterTag := metal.ClusterTag(shoot.identity().ID)
		machineSets := &machinev1alpha1.MachineSetList{}
		infra := shoot.infrastructure()
		Expect(env.Client.Create(ctx, infra)).To(Succeed())
		expectSucceeded(ctx, infra, 30*time.Second)
		infraStatus, err := metalhelper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
		Expect(err).NotTo(HaveOccurred())
		Expect(infraStatus.NodeNetwork).NotTo(BeNil())
		Expect(metalSim.LeftoversForCluster(clusterTag).Networks).To(ConsistOf(infraStatus.NodeNetwork.ID))

		expectLeases(ctx, metalRBACNamespace, metalLeaderElection, "provider-metal")
		var caBundle []byte
		Eventually(webhookCA).WithContext(ctx).Should(Receive(&caBundle))
		Expect(caBundle).NotTo(BeEmpty())
		config := &admissionregistrationv1.MutatingWebhookConfiguration{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Name: providerMetalWebhook}, config)).To(Succeed())
		Expect(config.OwnerReferences).To(ConsistOf(HaveField("Name", metalRBACNamespace)))
		Expect(config.Webhooks).To(ConsistOf(HaveField("ClientConfig.CABundle", Equal(caBundle))))

		By("reconciling the ControlPlane and the Worker: seed and shoot ManagedResources and secrets; FirewallDeployment, machine class and machine deployment, rolled out by machine-controller-manager")
		cp := shoot.controlPlane(infra)
		Expect(env.Client.Create(ctx, cp)).To(Succeed())
		shoot.runMachineControllerManager(ctx)
		w := shoot.worker(infra)
		Expect(env.Client.Create(ctx, w)).To(Succeed())
		expectSucceeded(ctx, cp, time.Minute)
		for _, name := range controlPlaneManagedResources {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &resourcesv1alpha1.ManagedResource{})).To(Succeed(), name)
		}
		for _, name := range controlPlaneShootAccessSecrets {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &corev1.Secret{})).To(Succeed(), name)
		}
		expectSucceeded(ctx, w, time.Minute)
		Expect(w.Status.MachineDeployments).To(HaveLen(1))
		workerStatus, err := metalhelper.WorkerStatusFromRaw(w.Status.ProviderStatus)
		Expect(err).NotTo(HaveOccurred())
		Expect(workerStatus.MachineImages).To(ConsistOf(HaveField("Image", metalapi.MachineImageID)))
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: worker.FirewallDeploymentName}, &fcmv2.FirewallDeployment{})).To(Succeed())
		Expect(env.Client.List(ctx, machineSets, client.InNamespace(shoot.namespace))).To(Succeed())
		Expect(machineSets.Items).To(HaveLen(1), "machine-controller-manager rolled out the machine deployment")

		By("deleting the ControlPlane, the Worker and the Infrastructure: nothing of the shoot is left in the metal-api or as ManagedResource")
		expectDeleted(ctx, cp, time.Minute)
		for _, name := range controlPlaneManagedResources {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &resourcesv1alpha1.ManagedResource{})).To(Satisfy(apierrors.IsNotFound), name)
		}
		for _, name := range controlPlaneShootAccessSecrets {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &corev1.Secret{})).To(Satisfy(apierrors.IsNotFound), name)
		}
		expectDeleted(ctx, w, time.Minute)
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: worker.FirewallDeploymentName}, &fcmv2.FirewallDeployment{})).To(Satisfy(apierrors.IsNotFound))
		Expect(env.Client.List(ctx, machineSets, client.InNamespace(shoot.namespace))).To(Succeed())
		Expect(machineSets.Items).To(BeEmpty())
		expectDeleted(ctx, infra, time.Minute)
		Expect(metalSim.LeftoversForCluster(clusterTag).Empty()).To(BeTrue(), metalSim.LeftoversForCluster(clusterTag).String())
		requests.expectCoveredBy(allowedFor(serviceAccount))
	})

	It("runs the Extension controller, leader election and heartbeat of ontap under its ServiceAccount", func(ctx SpecContext) {
		serviceAccount := ontapRBACNamespace + "/gardener-extension-ontap"
		cfg, requests := recording(impersonating(serviceAccount))
		createOntapAdminSecret(ctx)

		mgr := newManager(cfg, env.Scheme, ontapRBACNamespace, ontapLeaderElection)
		Expect(heartbeat.Add(mgr, heartbeat.AddArgs{ExtensionName: "ontap", Namespace: ontapRBACNamespace, RenewIntervalSeconds: 1, Clock: clock.RealClock{}})).To(Succeed())
		Expect(ontapcontroller.AddToManagerWithOptions(ctx, mgr, ontapcontroller.AddOptions{
			// The configuration minimalOntap renders.
			Config: &ontapconfig.ControllerConfiguration{
				Clusters:         []ontapconfig.ClusterReference{{Name: ontapClusterName, SecretRef: corev1.SecretReference{Name: ontapAdminSecret, Namespace: ontapAdminNamespace}}},
				DataNetworkID:    metalapi.StorageNetworkID,
				DefaultProtocols: []string{"nvme-tcp"},
			},
			RetryInterval: 300 * time.Millisecond,
			WaitTimeout:   10 * time.Second,
		})).To(Succeed())
		start(ctx, mgr)

		By("reconciling the Extension: an SVM with LIFs on ONTAP, their IPs in the metal-api, Trident in the shoot")
		svm := ontapcontroller.SVMName(string(shoot.shoot.Status.UID))
		storageTag := metal.StorageTag(shoot.identity().ID)
		ext := &extensionsv1alpha1.Extension{
			ObjectMeta: metav1.ObjectMeta{Name: "ontap", Namespace: shoot.namespace},
			Spec:       extensionsv1alpha1.ExtensionSpec{DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: ontapcontroller.Type}},
		}
		Expect(env.Client.Create(ctx, ext)).To(Succeed())
		expectSucceeded(ctx, ext, 30*time.Second)
		status, err := ontaphelper.OntapStatusFromRaw(ext.Status.ProviderStatus)
		Expect(err).NotTo(HaveOccurred())
		Expect(status).To(HaveValue(And(HaveField("Cluster", ontapClusterName), HaveField("SVMName", svm))))
		Expect(ontapSim.State().SVMs).To(ContainElement(HaveField("Name", svm)))
		Expect(metalSim.LeftoversForCluster(storageTag).IPs).NotTo(BeEmpty())
		for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &resourcesv1alpha1.ManagedResource{})).To(Succeed(), name)
		}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: ontapcontroller.CredentialsSecretName}, &corev1.Secret{})).To(Succeed())
		expectLeases(ctx, ontapRBACNamespace, ontapLeaderElection, "ontap")

		By("deleting the Extension: nothing of the shoot is left on ONTAP, in the metal-api or in the shoot namespace")
		expectDeleted(ctx, ext, 30*time.Second)
		Expect(ontapSim.State().SVMs).NotTo(ContainElement(HaveField("Name", svm)))
		Expect(metalSim.LeftoversForCluster(storageTag).Empty()).To(BeTrue(), metalSim.LeftoversForCluster(storageTag).String())
		for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: name}, &resourcesv1alpha1.ManagedResource{})).To(Satisfy(apierrors.IsNotFound), name)
		}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: shoot.namespace, Name: ontapcontroller.CredentialsSecretName}, &corev1.Secret{})).To(Satisfy(apierrors.IsNotFound))
		requests.expectCoveredBy(allowedFor(serviceAccount))
	})

	It("runs leader election and the webhook certificates of admission-metal under its ServiceAccount in the runtime cluster", func(ctx SpecContext) {
		cfg := impersonating(admissionRuntimeNS + "/gardener-extension-admission-metal")
		mgr := newManager(cfg, env.Scheme, admissionRuntimeNS, admissionLeaderElID)
		certificates := make(chan error, 1)
		Expect(mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
			_, _, err := webhookCertificates(ctx, cfg, admissionRuntimeNS, "admission-metal")
			certificates <- err
			return nil
		}))).To(Succeed())
		start(ctx, mgr)
		Eventually(certificates).WithContext(ctx).Should(Receive(Not(HaveOccurred())))

		lease := &coordinationv1.Lease{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: admissionRuntimeNS, Name: admissionLeaderElID}, lease)).To(Succeed())
		Expect(lease.Spec.HolderIdentity).To(HaveValue(Not(BeEmpty())))
	})

	It("registers the webhooks of admission-metal in the virtual garden under the operator's ServiceAccount", func(ctx SpecContext) {
		c := clientFor(impersonating(metav1.NamespaceSystem + "/" + admissionSA))
		ensureNamespace(ctx, admissionVirtualNS)
		config := func(path string) *admissionregistrationv1.ValidatingWebhookConfiguration {
			return &admissionregistrationv1.ValidatingWebhookConfiguration{
				ObjectMeta: metav1.ObjectMeta{Name: admissionWebhook},
				Webhooks: []admissionregistrationv1.ValidatingWebhook{{
					Name:                    "validator.admission-metal.metal.extensions.gardener.cloud",
					ClientConfig:            admissionregistrationv1.WebhookClientConfig{URL: new("https://gardener-extension-admission-metal.garden" + path)},
					AdmissionReviewVersions: []string{"v1"},
					SideEffects:             new(admissionregistrationv1.SideEffectClassNone),
				}},
			}
		}
		// Once to create, once more to patch, as on every start of the admission.
		Expect(extensionswebhook.ReconcileSeedWebhookConfig(ctx, c, config("/validate"), admissionVirtualNS, []byte("ca"))).To(Succeed())
		Expect(extensionswebhook.ReconcileSeedWebhookConfig(ctx, c, config("/validate-shoots"), admissionVirtualNS, []byte("ca"))).To(Succeed())

		registered := &admissionregistrationv1.ValidatingWebhookConfiguration{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Name: admissionWebhook}, registered)).To(Succeed())
		Expect(registered.OwnerReferences).To(ConsistOf(HaveField("Name", admissionVirtualNS)))
		Expect(registered.Webhooks).To(ConsistOf(HaveField("ClientConfig.URL", HaveValue(HaveSuffix("/validate-shoots")))))
	})
})

// newManager builds a manager as the binaries do, with leader election, acting as cfg's identity.
func newManager(cfg *rest.Config, scheme *runtime.Scheme, namespace, leaderElectionID string) manager.Manager {
	GinkgoHelper()
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                  scheme,
		Logger:                  GinkgoLogr,
		Metrics:                 metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:  "0",
		LeaderElection:          true,
		LeaderElectionID:        leaderElectionID,
		LeaderElectionNamespace: namespace,
		// Several managers of this suite register controllers of the same name.
		Controller: ctrlconfig.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	return mgr
}

// start runs mgr until the spec ends.
func start(ctx context.Context, mgr manager.Manager) {
	mgrCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() {
		defer GinkgoRecover()
		done <- mgr.Start(mgrCtx)
	}()
	DeferCleanup(func() {
		cancel()
		select {
		case err := <-done:
			Expect(err).NotTo(HaveOccurred())
		case <-time.After(30 * time.Second):
			// A cache that cannot sync (a list or watch the RBAC forbids) blocks the manager's shutdown.
			Fail("the manager did not stop; look for forbidden list/watch requests above")
		}
	})
}

// expectLeases waits for the leader election and heartbeat leases the binary keeps.
func expectLeases(ctx context.Context, namespace, leaderElectionID, extensionName string) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		leader := &coordinationv1.Lease{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: leaderElectionID}, leader)).To(Succeed())
		g.Expect(leader.Spec.HolderIdentity).To(HaveValue(Not(BeEmpty())))
		beat := &coordinationv1.Lease{}
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: heartbeatLease}, beat)).To(Succeed())
		g.Expect(beat.Spec.HolderIdentity).To(HaveValue(Equal(extensionName)))
		g.Expect(beat.Spec.RenewTime.Time).To(BeTemporally("~", time.Now(), 5*time.Second))
	}).WithContext(ctx).Should(Succeed())
}

// webhookCertificates creates the webhook CA and server certificate with Gardener's secrets manager, as
// extensions/pkg/webhook/certificates does, and returns the CA bundle.
func webhookCertificates(ctx context.Context, cfg *rest.Config, namespace, name string) ([]byte, *corev1.Secret, error) {
	sm, err := secretsmanager.New(ctx, logr.Discard(), clock.RealClock{}, clientFor(cfg), "gardener-extension-"+name+"-webhook", secretsmanager.WithNamespaces(namespace))
	if err != nil {
		return nil, nil, err
	}
	caName := "ca-" + name + "-webhook"
	if _, err := sm.Generate(ctx, &secretsutils.CertificateSecretConfig{Name: caName, CommonName: caName, CertType: secretsutils.CACert}, secretsmanager.Rotate(secretsmanager.KeepOld)); err != nil {
		return nil, nil, err
	}
	server, err := sm.Generate(ctx, &secretsutils.CertificateSecretConfig{
		Name: name + "-webhook-server", CommonName: name, DNSNames: []string{"gardener-extension-" + name + "." + namespace + ".svc"}, CertType: secretsutils.ServerCert,
	}, secretsmanager.SignedByCA(caName, secretsmanager.UseCurrentCA), secretsmanager.Rotate(secretsmanager.InPlace))
	if err != nil {
		return nil, nil, err
	}
	bundle, ok := sm.Get(caName)
	if !ok {
		return nil, nil, fmt.Errorf("no CA bundle %s", caName)
	}
	return bundle.Data[secretsutils.DataKeyCertificateBundle], server, nil
}

// registerWebhook adds the webhook certificates and registration of the binary to mgr, as
// extensions/pkg/webhook/cmd does once the manager is leader; the channel yields the CA bundle.
func registerWebhook(mgr manager.Manager, cfg *rest.Config, namespace string, config client.Object) <-chan []byte {
	GinkgoHelper()
	caBundles := make(chan []byte, 1)
	Expect(mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		caBundle, _, err := webhookCertificates(ctx, cfg, namespace, "provider-metal")
		if err != nil {
			return err
		}
		if err := extensionswebhook.ReconcileSeedWebhookConfig(ctx, mgr.GetClient(), config, namespace, caBundle); err != nil {
			return err
		}
		caBundles <- caBundle
		return nil
	}))).To(Succeed())
	return caBundles
}
