// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	resourcemanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/resourcemanager/v1alpha1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcemanagerclient "github.com/gardener/gardener/pkg/resourcemanager/client"
	"github.com/gardener/gardener/pkg/resourcemanager/controller/managedresource"
	resourcemanagerpredicate "github.com/gardener/gardener/pkg/resourcemanager/predicate"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	fcmhelper "github.com/metal-stack/firewall-controller-manager/api/v2/helper"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
)

// fcmKinds are the resources whose webhooks firewall-controller-manager v0.6.1 serves (config/webhooks).
var fcmKinds = []string{"firewall", "firewallset", "firewalldeployment"}

// seedWith is a Seed of the given IP families and pod networks, annotated with the seed API server URL if given.
func seedWith(families []gardencorev1beta1.IPFamily, pods, apiServerURL string) *gardencorev1beta1.Seed {
	seed := testenv.NewSeed("seed")
	seed.Spec.Networks.IPFamilies = families
	seed.Spec.Networks.Pods = pods
	if apiServerURL != "" {
		seed.Annotations = map[string]string{controlplane.SeedAPIServerURLAnnotation: apiServerURL}
	}
	return seed
}

// controlPlaneCA returns the certificate of the control plane CA the secrets manager keeps in the namespace.
func controlPlaneCA(ctx context.Context, namespace string) []byte {
	GinkgoHelper()
	secrets := &corev1.SecretList{}
	Expect(env.Client.List(ctx, secrets, client.InNamespace(namespace), client.MatchingLabels{"name": "ca-provider-metal-controlplane", "managed-by": "secrets-manager"})).To(Succeed())
	Expect(secrets.Items).To(HaveLen(1))
	Expect(secrets.Items[0].Data).To(HaveKey("ca.crt"))
	return secrets.Items[0].Data["ca.crt"]
}

// expectWebhooks checks that the webhook configurations of the namespace call its firewall-controller-manager for
// every kind, trust the control plane CA and see only objects in the namespace.
func expectWebhooks(ctx context.Context, namespace string) {
	GinkgoHelper()
	ca := controlPlaneCA(ctx, namespace)
	check := func(name, prefix string, ops []admissionregistrationv1.OperationType, hook admissionregistrationv1.WebhookClientConfig, rules []admissionregistrationv1.RuleWithOperations, nsSelector *metav1.LabelSelector, policy *admissionregistrationv1.FailurePolicyType, kind string) {
		GinkgoHelper()
		Expect(name).To(Equal(kind + ".metal-stack.io"))
		Expect(hook.Service).NotTo(BeNil())
		Expect(hook.Service.Namespace).To(Equal(namespace))
		Expect(hook.Service.Name).To(Equal(controlplane.FirewallControllerManagerName))
		Expect(hook.Service.Port).To(HaveValue(BeEquivalentTo(443)))
		Expect(hook.Service.Path).To(HaveValue(Equal(prefix + "-firewall-metal-stack-io-v2-" + kind)))
		Expect(hook.CABundle).To(Equal(ca))
		Expect(nsSelector).To(Equal(&metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: namespace}}))
		Expect(policy).To(HaveValue(Equal(admissionregistrationv1.Fail)))
		Expect(rules).To(HaveLen(1))
		Expect(rules[0].APIGroups).To(Equal([]string{fcmv2.GroupVersion.Group}))
		Expect(rules[0].APIVersions).To(Equal([]string{fcmv2.GroupVersion.Version}))
		Expect(rules[0].Resources).To(Equal([]string{kind + "s"}))
		Expect(rules[0].Operations).To(Equal(ops))
	}

	mutating := &admissionregistrationv1.MutatingWebhookConfiguration{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Name: "firewall-controller-manager-" + namespace}, mutating)).To(Succeed())
	Expect(mutating.Webhooks).To(HaveLen(len(fcmKinds)))
	for i, kind := range fcmKinds {
		w := mutating.Webhooks[i]
		check(w.Name, "/mutate", []admissionregistrationv1.OperationType{admissionregistrationv1.Create}, w.ClientConfig, w.Rules, w.NamespaceSelector, w.FailurePolicy, kind)
		Expect(w.SideEffects).To(HaveValue(Equal(admissionregistrationv1.SideEffectClassNone)))
	}
	validating := &admissionregistrationv1.ValidatingWebhookConfiguration{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Name: "firewall-controller-manager-" + namespace}, validating)).To(Succeed())
	Expect(validating.Webhooks).To(HaveLen(len(fcmKinds)))
	for i, kind := range fcmKinds {
		w := validating.Webhooks[i]
		check(w.Name, "/validate", []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update}, w.ClientConfig, w.Rules, w.NamespaceSelector, w.FailurePolicy, kind)
	}
}

// webhooksGone tells whether the webhook configurations of the namespace are gone.
func webhooksGone(ctx context.Context, namespace string) func(Gomega) {
	return func(g Gomega) {
		for _, obj := range []client.Object{&admissionregistrationv1.MutatingWebhookConfiguration{}, &admissionregistrationv1.ValidatingWebhookConfiguration{}} {
			err := env.Client.Get(ctx, client.ObjectKey{Name: "firewall-controller-manager-" + namespace}, obj)
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "%T: %v", obj, err)
		}
	}
}

// createFirewallDeployment asks the API server to create a FirewallDeployment in the namespace (dry run) and
// returns its answer.
func createFirewallDeployment(ctx context.Context, namespace string) error {
	return env.Client.Create(ctx, &fcmv2.FirewallDeployment{
		ObjectMeta: metav1.ObjectMeta{Name: "shoot-firewall", Namespace: namespace},
		Spec: fcmv2.FirewallDeploymentSpec{
			Replicas: 1,
			Template: fcmv2.FirewallTemplateSpec{Spec: fcmv2.FirewallSpec{Size: "s", Image: "i", Partition: "p", Project: "p", Networks: []string{"n"}}},
		},
	}, client.DryRunAll)
}

var _ = Describe("ControlPlane seed side", func() {
	DescribeTable("firewall-controller-manager's webhooks, the seed NetworkPolicies and API server addresses per IP family",
		func(ctx context.Context, name string, families []gardencorev1beta1.IPFamily, seed *gardencorev1beta1.Seed, wantSeedURL string, wantClients []networkingv1.NetworkPolicyPeer) {
			f := newFixture(name, families)
			f.seed = seed
			namespace, _ := f.create(ctx)
			reconciled(ctx, namespace, time.Time{})
			objs := applySeedObjects(ctx, namespace)

			By("firewall-controller-manager serves its webhooks and knows the seed's and the shoot's API servers")
			if wantSeedURL == "" {
				var err error
				wantSeedURL, err = controlplane.NormalizeAPIServerURL(env.Config.Host)
				Expect(err).NotTo(HaveOccurred())
			}
			fcm := &appsv1.Deployment{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.FirewallControllerManagerName}, fcm)).To(Succeed())
			c := fcm.Spec.Template.Spec.Containers[0]
			Expect(c.Args).To(ContainElements("-cert-dir=/certs", "-seed-api-url="+wantSeedURL, "-shoot-api-url="+shootAPIServerURL(f), "-internal-shoot-api-url=https://kube-apiserver"))
			Expect(c.Ports).To(ContainElement(HaveField("ContainerPort", BeEquivalentTo(9443))))
			Expect(c.VolumeMounts).To(ContainElement(And(HaveField("Name", "webhook-certs"), HaveField("MountPath", "/certs"))))
			service := objs["Service/"+controlplane.FirewallControllerManagerName].(*corev1.Service)
			Expect(service.Spec.Ports).To(ConsistOf(And(HaveField("Port", BeEquivalentTo(443)), HaveField("TargetPort", intstr.FromInt(9443)))))

			By("the webhook configurations call this namespace's server with the control plane CA, for this namespace only")
			expectWebhooks(ctx, namespace)

			By("the seed's API server may call the webhooks, other pods of the seed may not")
			webhooks := &networkingv1.NetworkPolicy{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.NetworkPolicyFCMWebhooks}, webhooks)).To(Succeed())
			Expect(webhooks.Spec.PodSelector.MatchLabels).To(Equal(map[string]string{"app": controlplane.FirewallControllerManagerName}))
			Expect(fcm.Spec.Template.Labels).To(HaveKeyWithValue("app", controlplane.FirewallControllerManagerName))
			Expect(webhooks.Spec.PolicyTypes).To(Equal([]networkingv1.PolicyType{networkingv1.PolicyTypeIngress}))
			Expect(webhooks.Spec.Ingress).To(HaveLen(1))
			Expect(webhooks.Spec.Ingress[0].Ports).To(Equal([]networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt(9443))}}))
			vpnShoot := networkingv1.NetworkPolicyPeer{
				NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "kube-system"}},
				PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "vpn-shoot"}},
			}
			Expect(webhooks.Spec.Ingress[0].From).To(Equal(append(wantClients, vpnShoot)))

			By("the components may reach the metal-api, which the simulator serves on an IP address")
			simURL, err := url.Parse(sim.URL())
			Expect(err).NotTo(HaveOccurred())
			port, err := strconv.Atoi(simURL.Port())
			Expect(err).NotTo(HaveOccurred())
			metalAPI := &networkingv1.NetworkPolicy{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.NetworkPolicyMetalAPI}, metalAPI)).To(Succeed())
			Expect(metalAPI.Spec.PodSelector.MatchLabels).To(Equal(map[string]string{controlplane.LabelToMetalAPI: "allowed"}))
			Expect(metalAPI.Spec.Egress).To(Equal([]networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: simURL.Hostname() + "/32"}}},
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt(port))}},
			}}))
			for _, name := range []string{controlplane.CloudControllerManagerName, controlplane.FirewallControllerManagerName} {
				d := objs["Deployment/"+name].(*appsv1.Deployment)
				Expect(d.Spec.Template.Labels).To(HaveKeyWithValue(controlplane.LabelToMetalAPI, "allowed"), name)
			}
		},
		Entry("dual-stack seed and shoot, the seed API server by DNS name", "seed-dual", familiesDual,
			seedWith(familiesDual, "10.240.0.0/13,fd00:10:240::/56", "API.Seed.Example.com"), "https://api.seed.example.com",
			[]networkingv1.NetworkPolicyPeer{
				{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.240.0.0/13"}}},
				{IPBlock: &networkingv1.IPBlock{CIDR: "::/0", Except: []string{"fd00:10:240::/56"}}},
			}),
		Entry("IPv4 seed and shoot, the seed API server as the extension reaches it (an IPv4 address with a port)", "seed-ipv4", familiesV4,
			seedWith(familiesV4, "10.240.0.0/13", ""), "",
			[]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: []string{"10.240.0.0/13"}}}}),
		Entry("IPv6 seed and shoot, the seed API server by IPv6 address", "seed-ipv6", familiesV6,
			seedWith(familiesV6, "fd00:10:240::/56", "[2001:db8::1]:6443"), "https://[2001:db8::1]:6443",
			[]networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "::/0", Except: []string{"fd00:10:240::/56"}}}}),
	)

	It("gives each shoot its own webhook configurations, which the API server calls for that shoot's namespace only", func(ctx context.Context) {
		var namespaces []string
		for _, name := range []string{"wh-a", "wh-b"} {
			namespace, _ := newFixture(name, familiesV4).create(ctx)
			reconciled(ctx, namespace, time.Time{})
			applySeedObjects(ctx, namespace)
			expectWebhooks(ctx, namespace)
			namespaces = append(namespaces, namespace)
		}
		Expect(controlPlaneCA(ctx, namespaces[0])).NotTo(Equal(controlPlaneCA(ctx, namespaces[1])))

		// No firewall-controller-manager runs here: the API server's failed call names the server it asked.
		for i, namespace := range namespaces {
			other := namespaces[1-i]
			err := createFirewallDeployment(ctx, namespace)
			Expect(err).To(MatchError(ContainSubstring("firewall-controller-manager." + namespace + ".svc")))
			Expect(err).NotTo(MatchError(ContainSubstring(other)))
		}
		plain := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "no-shoot-"}}
		Expect(env.Client.Create(ctx, plain)).To(Succeed())
		DeferCleanup(func(ctx context.Context) { Expect(env.Client.Delete(ctx, plain)).To(Succeed()) })
		Expect(createFirewallDeployment(ctx, plain.Name)).To(Succeed(), "no webhook applies outside the shoot namespaces")
	})

	It("lets firewall-controller-manager's defaulter create the firewall-controller's access to the seed under its ServiceAccount", func(ctx context.Context) {
		namespace, _ := newFixture("fcm-rbac", familiesV4).create(ctx)
		reconciled(ctx, namespace, time.Time{})
		applySeedObjects(ctx, namespace)

		// What the FirewallDeployment defaulter does before it renders the firewall's userdata (seed_access.go of
		// firewall-controller-manager), in the seed as firewall-controller-manager, in the shoot (here: the same API
		// server) with its shoot access.
		seedAsFCM := rest.CopyConfig(env.Config)
		seedAsFCM.Impersonate = rest.ImpersonationConfig{UserName: "system:serviceaccount:" + namespace + ":" + controlplane.FirewallControllerManagerName}
		deploy := &fcmv2.FirewallDeployment{ObjectMeta: metav1.ObjectMeta{Name: "shoot-firewall", Namespace: namespace}}
		Expect(fcmhelper.EnsureFirewallControllerRBAC(ctx, seedAsFCM, env.Config, deploy, fcmv2.FirewallShootNamespace, &fcmv2.ShootAccess{
			GenericKubeconfigSecretName: "generic-token-kubeconfig",
			TokenSecretName:             "shoot-access-" + controlplane.FirewallControllerManagerName,
			Namespace:                   namespace,
		})).To(Succeed())
		// The names are firewall-controller-manager's (seedAccessResourceName).
		key := client.ObjectKey{Namespace: namespace, Name: "firewall-controller-seed-access-" + deploy.Name}
		role := &rbacv1.Role{}
		Expect(env.Client.Get(ctx, key, role)).To(Succeed())
		Expect(role.Rules).To(ContainElement(HaveField("Resources", []string{"firewalls"})))
		Expect(env.Client.Get(ctx, key, &rbacv1.RoleBinding{})).To(Succeed())
		Expect(env.Client.Get(ctx, key, &corev1.ServiceAccount{})).To(Succeed())
	})

	It("renders no webhooks while firewall-controller-manager is scaled down, but keeps the NetworkPolicies", func(ctx context.Context) {
		f := newFixture("wh-hibernated", familiesV4)
		f.hibernated = true
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		objs := managedObjects(ctx, namespace, genericactuator.ControlPlaneSeedChartResourceName, true)
		Expect(objs["Deployment/"+controlplane.FirewallControllerManagerName].(*appsv1.Deployment).Spec.Replicas).To(HaveValue(BeEquivalentTo(0)))
		Expect(objs).NotTo(HaveKey("MutatingWebhookConfiguration/firewall-controller-manager-" + namespace))
		Expect(objs).NotTo(HaveKey("ValidatingWebhookConfiguration/firewall-controller-manager-" + namespace))
		Expect(objs).To(HaveKey("NetworkPolicy/" + controlplane.NetworkPolicyFCMWebhooks))
	})

	It("reports a seed API server annotation that is no address in the last error, naming the annotation", func(ctx context.Context) {
		f := newFixture("seed-garbage", familiesDual)
		f.seed = seedWith(familiesDual, "10.240.0.0/13,fd00:10:240::/56", "https://seed api:6443")
		namespace, _ := f.create(ctx)
		Expect(failed(ctx, namespace)).To(And(ContainSubstring(controlplane.SeedAPIServerURLAnnotation), ContainSubstring("seed api")))
		cp := &extensionsv1alpha1.ControlPlane{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
		Expect(cp.Status.LastError.Codes).To(ContainElement(gardencorev1beta1.ErrorConfigurationProblem))
		deleteControlPlane(ctx, namespace)
	})

	It("hands firewall-controller-manager the shoot's unmanaged address when the shoot has no domain, and waits while it has none", func(ctx context.Context) {
		f := newFixture("shoot-unmanaged", familiesV6)
		f.advertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{
			{Name: v1beta1constants.AdvertisedAddressInternal, URL: "https://api.internal.example.com"},
			{Name: v1beta1constants.AdvertisedAddressUnmanaged, URL: "https://[2001:db8::443]:443"},
		}
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		objs := managedObjects(ctx, namespace, genericactuator.ControlPlaneSeedChartResourceName, true)
		args := objs["Deployment/"+controlplane.FirewallControllerManagerName].(*appsv1.Deployment).Spec.Template.Spec.Containers[0].Args
		Expect(args).To(ContainElement("-shoot-api-url=https://[2001:db8::443]:443"))

		g := newFixture("shoot-no-address", familiesV4)
		g.advertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{}
		namespace, _ = g.create(ctx)
		Expect(failed(ctx, namespace)).To(ContainSubstring("advertised address"))
		cp := &extensionsv1alpha1.ControlPlane{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
		Expect(cp.Status.LastError.Codes).NotTo(ContainElement(gardencorev1beta1.ErrorConfigurationProblem), "gardenlet publishes the address later")
		deleteControlPlane(ctx, namespace)
	})

	It("removes the webhook configurations and NetworkPolicies with the ControlPlane, through gardener-resource-manager", func(ctx context.Context) {
		f := newFixture("wh-delete", familiesDual)
		f.seed = seedWith(familiesDual, "10.240.0.0/13,fd00:10:240::/56", "")
		namespace, _ := f.create(ctx)
		startSeedResourceManager(ctx, namespace)
		reconciled(ctx, namespace, time.Time{})
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "firewall-controller-manager-" + namespace}, &admissionregistrationv1.MutatingWebhookConfiguration{})).To(Succeed())
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Name: "firewall-controller-manager-" + namespace}, &admissionregistrationv1.ValidatingWebhookConfiguration{})).To(Succeed())
			g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.NetworkPolicyFCMWebhooks}, &networkingv1.NetworkPolicy{})).To(Succeed())
		}).WithTimeout(60 * time.Second).Should(Succeed())
		expectWebhooks(ctx, namespace)

		Expect(env.Client.Delete(ctx, &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "control-plane"}})).To(Succeed())
		Eventually(webhooksGone(ctx, namespace)).WithTimeout(60 * time.Second).Should(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.NetworkPolicyFCMWebhooks}, &networkingv1.NetworkPolicy{}))
		}).WithTimeout(60 * time.Second).Should(BeTrue())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, &extensionsv1alpha1.ControlPlane{}))
		}).WithTimeout(60 * time.Second).Should(BeTrue())
	})

	DescribeTable("takes an API server address as DNS name, IPv4 or IPv6 address",
		func(raw, want string) {
			got, err := controlplane.NormalizeAPIServerURL(raw)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want))
		},
		Entry("DNS name", "api.seed.example.com", "https://api.seed.example.com"),
		Entry("DNS name, upper case, with scheme and port", "HTTPS://API.Seed.Example.com:6443/", "https://api.seed.example.com:6443"),
		Entry("IPv4 address", "10.1.2.3", "https://10.1.2.3"),
		Entry("IPv4 address with scheme and port", "https://10.1.2.3:443", "https://10.1.2.3:443"),
		Entry("IPv6 address", "2001:db8::1", "https://[2001:db8::1]"),
		Entry("IPv6 address, long form, in brackets with port", "[2001:0db8:0:0:0:0:0:1]:443", "https://[2001:db8::1]:443"),
		Entry("IPv6 address with scheme and port", "https://[2001:db8::1]:6443", "https://[2001:db8::1]:6443"),
	)

	DescribeTable("refuses an API server address that is none, saying why",
		func(raw, why string) {
			_, err := controlplane.NormalizeAPIServerURL(raw)
			Expect(err).To(MatchError(ContainSubstring(why)))
		},
		Entry("empty", " ", "empty"),
		Entry("another scheme", "http://api.seed.example.com", `scheme "http"`),
		Entry("a path", "https://api.seed.example.com/api", "path"),
		Entry("user information", "https://admin@api.seed.example.com", "user information"),
		Entry("a port out of range", "https://api.seed.example.com:70000", "invalid port"),
		Entry("an empty port", "https://api.seed.example.com:", "empty port"),
		Entry("a space in the host", "https://seed api.example.com", "not a URL"),
		Entry("an underscore in the host", "https://seed_api.example.com", "valid DNS name"),
		Entry("an IPv4 address out of range", "999.1.2.3", "last label is a number"),
		Entry("an IPv6 address without brackets but with a port", "https://2001:db8::1:443", "without brackets"),
		Entry("an unclosed bracket", "https://[2001:db8::1:443", "not a URL"),
		Entry("an IPv6 address with a zone", "fe80::1%eth0", "zone"),
	)
})

// deleteControlPlane deletes the namespace's ControlPlane and waits until it is gone (a failing one would be retried
// for the rest of the suite otherwise: envtest does not finish namespace deletions).
func deleteControlPlane(ctx context.Context, namespace string) {
	GinkgoHelper()
	Expect(env.Client.Delete(ctx, &extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "control-plane"}})).To(Succeed())
	Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, &extensionsv1alpha1.ControlPlane{}))
	}).WithTimeout(60 * time.Second).Should(BeTrue())
}

// startSeedResourceManager runs gardener-resource-manager's ManagedResource controller for class seed in the
// namespace, as the seed's resource manager does, until the spec ends.
func startSeedResourceManager(ctx context.Context, namespace string) {
	GinkgoHelper()
	grm, err := manager.New(env.Config, manager.Options{
		Scheme:                 resourcemanagerclient.SourceScheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	target, err := cluster.New(env.Config, func(o *cluster.Options) {
		o.Scheme = resourcemanagerclient.TargetScheme
		o.Cache.DefaultNamespaces = map[string]cache.Config{namespace: {}}
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(grm.Add(target)).To(Succeed())
	Expect((&managedresource.Reconciler{
		Config: resourcemanagerconfigv1alpha1.ManagedResourceControllerConfig{
			ConcurrentSyncs:     new(2),
			SyncPeriod:          &metav1.Duration{Duration: time.Minute},
			ManagedByLabelValue: new("gardener"),
		},
		ClassFilter:                   resourcemanagerpredicate.NewClassFilter(v1beta1constants.SeedResourceManagerClass),
		RequeueAfterOnDeletionPending: new(time.Second),
	}).AddToManager(grm, grm, target)).To(Succeed())
	grmCtx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(grm.Start(grmCtx)).To(Succeed())
	}()
	DeferCleanup(func() {
		cancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(BeClosed())
	})
}
