// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/utils"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	vpaautoscalingv1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"
	"sigs.k8s.io/yaml"

	metalconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	metalconfigvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/metal/validation"
	ontapconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/loader"
	ontapconfigvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/validation"
	"github.com/metalgarden/metalgarden/pkg/charts"
)

// deployment is one way a chart is deployed: where, with which values, and what the result must be.
type deployment struct {
	chart, release, namespace string
	values                    map[string]any
	// binary is the command line the Deployment's args must parse with; nil for charts without a workload.
	binary *binary
	// image the container must run.
	image string
	// config checks the component configuration the chart renders; nil when it renders none.
	config func(data []byte)
	// serviceAccount is the subject the chart's RBAC must bind, as namespace/name.
	serviceAccount string
	// networkPolicy and vpa tell whether the chart must render NetworkPolicies (egress to the metal-api or
	// ONTAP, in a seed) and a VerticalPodAutoscaler (unless vpa.enabled is false).
	networkPolicy, vpa bool
	// ownerNamespace is the namespace that owns the webhook configurations of a binary with webhooks
	// (--webhook-config-owner-namespace); the release namespace when empty, Gardener's default.
	ownerNamespace string
}

const (
	seedRelease      = "provider-metal-x7k2p"
	seedNamespace    = "extension-provider-metal-x7k2p"
	ontapRelease     = "ontap-9mzt4"
	ontapNamespace   = "extension-ontap-9mzt4"
	metalDigest      = "sha256:3b1c4d2e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001"
	mirrorRepository = "registry.example.com/mirror/"
)

// exampleConfig reads a component configuration from example/config as chart values (without apiVersion and kind).
func exampleConfig(name string) map[string]any {
	data, err := os.ReadFile(filepath.Join("..", "..", "example", "config", name))
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	config := map[string]any{}
	ExpectWithOffset(1, yaml.Unmarshal(data, &config)).To(Succeed())
	delete(config, "apiVersion")
	delete(config, "kind")
	return config
}

// metalConfig expects a provider-metal configuration that the binary's loader and validation accept and,
// when want is given, that equals the configuration in that example file.
func metalConfig(want string) func([]byte) {
	return func(data []byte) {
		config, err := metalconfigloader.Decode(data)
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		ExpectWithOffset(1, metalconfigvalidation.ValidateControllerConfiguration(config)).To(BeEmpty())
		if want != "" {
			expected, err := metalconfigloader.LoadFromFile(filepath.Join("..", "..", "example", "config", want))
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			ExpectWithOffset(1, equality.Semantic.DeepEqual(config, expected)).To(BeTrue(), "rendered %+v, example %+v", config, expected)
		}
	}
}

// ontapConfig is like metalConfig for the ontap extension; check inspects the decoded configuration further.
func ontapConfig(want string, check func(cfg map[string]any)) func([]byte) {
	return func(data []byte) {
		config, err := ontapconfigloader.Decode(data)
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
		ExpectWithOffset(1, ontapconfigvalidation.ValidateControllerConfiguration(config)).To(BeEmpty())
		if want != "" {
			expected, err := ontapconfigloader.LoadFromFile(filepath.Join("..", "..", "example", "config", want))
			ExpectWithOffset(1, err).NotTo(HaveOccurred())
			ExpectWithOffset(1, equality.Semantic.DeepEqual(config, expected)).To(BeTrue(), "rendered %+v, example %+v", config, expected)
		}
		if check != nil {
			raw := map[string]any{}
			ExpectWithOffset(1, yaml.Unmarshal(data, &raw)).To(Succeed())
			check(raw)
		}
	}
}

// minimalOntap are the values the ontap chart cannot do without.
func minimalOntap() map[string]any {
	return map[string]any{"config": map[string]any{
		"clusters":      []any{map[string]any{"name": "cluster-a", "secretRef": map[string]any{"name": "ontap-cluster-a"}}},
		"dataNetworkID": "storage-fra-equ01",
	}}
}

// nonDefault returns values that change every key of the contract an operator may set.
func nonDefault(chart string) map[string]any {
	values := map[string]any{
		"image":        map[string]any{"repository": mirrorRepository + "image", "digest": metalDigest, "pullPolicy": "Always"},
		"replicaCount": 3,
		"resources": map[string]any{
			"requests": map[string]any{"cpu": "200m", "memory": "256Mi"},
			"limits":   map[string]any{"memory": "2Gi"},
		},
		"vpa":            map[string]any{"enabled": false},
		"leaderElection": map[string]any{"enabled": true},
		"logLevel":       "debug",
		"logFormat":      "text",
		"metricsPort":    9090,
		"healthPort":     9091,
	}
	switch chart {
	case charts.ProviderMetal:
		values["webhookConfig"] = map[string]any{"servicePort": 8443, "serverPort": 9443}
		values["controllers"] = map[string]any{
			"infrastructure":            map[string]any{"concurrentSyncs": 10},
			"worker":                    map[string]any{"concurrentSyncs": 20},
			"controlplane":              map[string]any{"concurrentSyncs": 15},
			"healthcheck":               map[string]any{"concurrentSyncs": 3},
			"heartbeat":                 map[string]any{"renewIntervalSeconds": 15},
			"ignoreOperationAnnotation": true,
		}
		values["disableControllers"] = []any{"healthcheck"}
		values["disableWebhooks"] = []any{"shoot"}
		values["config"] = exampleConfig("provider-metal.yaml")
		values["networkPolicy"] = map[string]any{"metalAPI": map[string]any{
			"cidrs": []any{"203.0.113.0/24", "2001:db8:100::/48"},
			"ports": []any{map[string]any{"protocol": "TCP", "port": 443}, map[string]any{"protocol": "TCP", "port": 8080}},
		}}
		values["imageVectorOverwrite"] = map[string]any{"images": []any{map[string]any{
			"name": "machine-controller-manager-provider-metal", "repository": mirrorRepository + "machine-controller-manager-provider-metal", "tag": "v0.1.0",
		}}}
	case charts.Ontap:
		values["controllers"] = map[string]any{
			"extension":                 map[string]any{"concurrentSyncs": 10},
			"healthcheck":               map[string]any{"concurrentSyncs": 3},
			"heartbeat":                 map[string]any{"renewIntervalSeconds": 15},
			"ignoreOperationAnnotation": true,
		}
		values["disableControllers"] = []any{"healthcheck"}
		values["config"] = exampleConfig("ontap.yaml")
		values["networkPolicy"] = map[string]any{
			"ontap":    map[string]any{"cidrs": []any{"10.10.0.0/24", "2001:db8:10::/64"}, "ports": []any{map[string]any{"protocol": "TCP", "port": 443}}},
			"metalAPI": map[string]any{"cidrs": []any{"203.0.113.0/24"}, "ports": []any{map[string]any{"protocol": "TCP", "port": 443}}},
		}
		values["imageVectorOverwrite"] = map[string]any{"images": []any{map[string]any{
			"name": "trident", "repository": mirrorRepository + "trident", "tag": "24.06.0",
		}}}
	case charts.AdmissionMetalRuntime:
		values["replicaCount"] = 1
		values["webhookConfig"] = map[string]any{"servicePort": 8443, "serverPort": 9443}
		values["disableWebhooks"] = []any{"mutator"}
	}
	return values
}

// topologyAwareSeed is a seed with topology-aware routing, which the webhook Service follows.
func topologyAwareSeed() *gardencorev1beta1.Seed {
	seed := defaultSeed()
	seed.Spec.Settings = &gardencorev1beta1.SeedSettings{TopologyAwareRouting: &gardencorev1beta1.SeedSettingTopologyAwareRouting{Enabled: true}}
	return seed
}

var _ = Describe("Deployment charts", func() {
	DescribeTable("render for their context and a real API server accepts every object (server-side dry-run)",
		func(ctx context.Context, d deployment) {
			expectDeployable(ctx, d)
		},
		Entry("provider-metal in a seed", deployment{
			chart: charts.ProviderMetal, release: seedRelease, namespace: seedNamespace,
			values:         seedContext(defaultSeed(), nil),
			binary:         &providerMetalBinary,
			image:          "ghcr.io/metalgarden/gardener-extension-provider-metal:" + currentVersion(),
			config:         metalConfig(""),
			serviceAccount: seedNamespace + "/gardener-extension-provider-metal",
			networkPolicy:  true,
			vpa:            true,
		}),
		Entry("provider-metal in a seed, every value changed", deployment{
			chart: charts.ProviderMetal, release: seedRelease, namespace: seedNamespace + "-b",
			values:         seedContext(topologyAwareSeed(), nonDefault(charts.ProviderMetal)),
			binary:         &providerMetalBinary,
			image:          mirrorRepository + "image@" + metalDigest,
			config:         metalConfig("provider-metal.yaml"),
			serviceAccount: seedNamespace + "-b/gardener-extension-provider-metal",
			networkPolicy:  true,
		}),
		Entry("provider-metal in the garden runtime cluster", deployment{
			chart: charts.ProviderMetal, release: "provider-metal", namespace: "runtime-extension-provider-metal",
			values:         runtimeContext(nil),
			binary:         &providerMetalBinary,
			image:          "ghcr.io/metalgarden/gardener-extension-provider-metal:" + currentVersion(),
			config:         metalConfig(""),
			serviceAccount: "runtime-extension-provider-metal/gardener-extension-provider-metal-runtime",
			vpa:            true,
		}),
		Entry("ontap in a seed", deployment{
			chart: charts.Ontap, release: ontapRelease, namespace: ontapNamespace,
			values: seedContext(defaultSeed(), minimalOntap()),
			binary: &ontapBinary,
			image:  "ghcr.io/metalgarden/gardener-extension-ontap:" + currentVersion(),
			config: ontapConfig("", func(cfg map[string]any) {
				// The admin credentials' Secret is in the seed's garden namespace unless the operator says otherwise.
				Expect(cfg["clusters"]).To(ConsistOf(HaveKeyWithValue("secretRef", map[string]any{"name": "ontap-cluster-a", "namespace": "garden"})))
			}),
			serviceAccount: ontapNamespace + "/gardener-extension-ontap",
			networkPolicy:  true,
			vpa:            true,
		}),
		Entry("ontap in a seed, every value changed", deployment{
			chart: charts.Ontap, release: ontapRelease, namespace: ontapNamespace + "-b",
			values:         seedContext(defaultSeed(), nonDefault(charts.Ontap)),
			binary:         &ontapBinary,
			image:          mirrorRepository + "image@" + metalDigest,
			config:         ontapConfig("ontap.yaml", nil),
			serviceAccount: ontapNamespace + "-b/gardener-extension-ontap",
			networkPolicy:  true,
		}),
		Entry("ontap in the garden runtime cluster", deployment{
			chart: charts.Ontap, release: "ontap", namespace: "runtime-extension-ontap",
			values:         runtimeContext(minimalOntap()),
			binary:         &ontapBinary,
			image:          "ghcr.io/metalgarden/gardener-extension-ontap:" + currentVersion(),
			config:         ontapConfig("", nil),
			serviceAccount: "runtime-extension-ontap/gardener-extension-ontap-runtime",
			vpa:            true,
		}),
		Entry("admission-metal in the garden runtime cluster", deployment{
			chart: charts.AdmissionMetalRuntime, release: "provider-metal", namespace: "garden",
			values:         admissionRuntimeContext("provider-metal", nil),
			binary:         &admissionMetalBinary,
			image:          "ghcr.io/metalgarden/gardener-extension-admission-metal:" + currentVersion(),
			serviceAccount: "garden/gardener-extension-admission-metal",
			vpa:            true,
			ownerNamespace: "extension-provider-metal",
		}),
		Entry("admission-metal in the garden runtime cluster, every value changed", deployment{
			chart: charts.AdmissionMetalRuntime, release: "provider-metal", namespace: "garden-b",
			values:         admissionRuntimeContext("metal", nonDefault(charts.AdmissionMetalRuntime)),
			binary:         &admissionMetalBinary,
			image:          mirrorRepository + "image@" + metalDigest,
			serviceAccount: "garden-b/gardener-extension-admission-metal",
			ownerNamespace: "extension-metal",
		}),
		Entry("admission-metal in the virtual garden", deployment{
			chart: charts.AdmissionMetalApplication, release: "provider-metal", namespace: "extension-provider-metal",
			values:         admissionVirtualContext("provider-metal", nil),
			serviceAccount: "kube-system/extension-admission-provider-metal",
		}),
		Entry("admission-metal in the virtual garden, service account named by the operator", deployment{
			chart: charts.AdmissionMetalApplication, release: "metal", namespace: "extension-metal",
			values: utils.MergeMaps(admissionVirtualContext("metal", nil), map[string]any{"gardener": map[string]any{"virtualCluster": map[string]any{
				"serviceAccount": map[string]any{"name": "admission-metal", "namespace": "garden-system"},
			}}}),
			serviceAccount: "garden-system/admission-metal",
		}),
	)

	It("route webhook traffic topology-aware when the seed does", func() {
		for seed, want := range map[*gardencorev1beta1.Seed]bool{defaultSeed(): false, topologyAwareSeed(): true} {
			r, err := render(charts.ProviderMetal, seedRelease, seedNamespace, seedContext(seed, nil))
			Expect(err).NotTo(HaveOccurred())
			service := &corev1.Service{}
			r.get("Service", charts.ProviderMetal, service)
			if want {
				Expect(service.Annotations).To(HaveKeyWithValue("service.kubernetes.io/topology-mode", "auto"))
				Expect(service.Labels).To(HaveKeyWithValue("endpoint-slice-hints.resources.gardener.cloud/consider", "true"))
			} else {
				Expect(service.Annotations).NotTo(HaveKey("service.kubernetes.io/topology-mode"))
			}
		}
	})

	DescribeTable("run only the heartbeat in the garden runtime cluster",
		func(chart string, values map[string]any) {
			r, err := render(chart, "release", "runtime-extension-release", runtimeContext(values))
			Expect(err).NotTo(HaveOccurred())
			dep := &appsv1.Deployment{}
			r.get("Deployment", chart+"-runtime", dep)
			Expect(dep.Spec.Template.Spec.PriorityClassName).To(Equal("gardener-garden-system-200"))
			Expect(dep.Spec.Template.Spec.Containers[0].Args).To(ContainElements("--controllers=heartbeat", "--extension-classes=garden"))
			Expect(r.ofKind("NetworkPolicy")).To(BeEmpty(), "no egress to the metal-api or ONTAP from the runtime cluster")
			for _, role := range decode[rbacv1.ClusterRole](r, "ClusterRole") {
				for _, rule := range role.Rules {
					Expect(rule.APIGroups).To(ContainElement(BeElementOf("coordination.k8s.io", "", "events.k8s.io")), "rule %+v", rule)
					Expect(rule.Resources).To(ConsistOf(BeElementOf("leases", "events")), "rule %+v", rule)
				}
			}
		},
		Entry("provider-metal", charts.ProviderMetal, nil),
		Entry("ontap", charts.Ontap, minimalOntap()),
	)

	DescribeTable("refuse to render without what they cannot do without",
		func(chart string, values map[string]any, message string) {
			_, err := render(chart, "release", "namespace", values)
			Expect(err).To(MatchError(ContainSubstring(message)))
		},
		Entry("ontap without ONTAP clusters", charts.Ontap, seedContext(defaultSeed(), nil),
			"config.clusters must name at least one ONTAP cluster"),
		Entry("ontap without the Secret of a cluster", charts.Ontap,
			seedContext(defaultSeed(), map[string]any{"config": map[string]any{"clusters": []any{map[string]any{"name": "cluster-a"}}, "dataNetworkID": "storage"}}),
			"config.clusters[].secretRef.name is required"),
		Entry("ontap without the storage network", charts.Ontap,
			seedContext(defaultSeed(), map[string]any{"config": map[string]any{"clusters": minimalOntap()["config"].(map[string]any)["clusters"]}}),
			"config.dataNetworkID is required"),
		Entry("provider-metal with a metal-api policy without ports", charts.ProviderMetal,
			seedContext(defaultSeed(), map[string]any{"networkPolicy": map[string]any{"metalAPI": map[string]any{"ports": []any{}}}}),
			"networkPolicy.metalAPI.ports must name the port(s)"),
		Entry("the admission runtime chart without the owner namespace", charts.AdmissionMetalRuntime,
			map[string]any{}, "gardener.virtualCluster.namespace is required"),
	)
})

// currentVersion is the VERSION file's content; Entry arguments are built before BeforeSuite runs.
func currentVersion() string {
	data, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	if err != nil {
		panic(err)
	}
	return strings.TrimSpace(string(data))
}

// verifyObjects checks what holds for every chart: unique objects in the release namespace (or cluster-wide),
// RBAC without wildcards that binds the expected service account.
func verifyObjects(r *rendered, d deployment) {
	seen := map[string]bool{}
	for _, obj := range r.objects {
		key := obj.GetKind() + "/" + obj.GetNamespace() + "/" + obj.GetName()
		Expect(seen).NotTo(HaveKey(key), "rendered twice")
		seen[key] = true
		if ns := obj.GetNamespace(); ns != "" {
			Expect(ns).To(Equal(d.namespace), key)
		}
		Expect(obj.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/instance", d.release), key)
	}

	expectNoWildcards(r)
	saNamespace, saName, _ := strings.Cut(d.serviceAccount, "/")
	bindings := append(decode[rbacv1.ClusterRoleBinding](r, "ClusterRoleBinding"), roleBindingsAsClusterRoleBindings(r)...)
	Expect(bindings).NotTo(BeEmpty())
	for _, binding := range bindings {
		Expect(binding.Subjects).To(ConsistOf(rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: saName, Namespace: saNamespace}), binding.Name)
		Expect(r.has(binding.RoleRef.Kind, binding.RoleRef.Name)).To(BeTrue(), "binding %s refers to %s %s, which the chart does not render", binding.Name, binding.RoleRef.Kind, binding.RoleRef.Name)
	}
}

func roleBindingsAsClusterRoleBindings(r *rendered) []*rbacv1.ClusterRoleBinding {
	var out []*rbacv1.ClusterRoleBinding
	for _, rb := range decode[rbacv1.RoleBinding](r, "RoleBinding") {
		out = append(out, &rbacv1.ClusterRoleBinding{ObjectMeta: rb.ObjectMeta, Subjects: rb.Subjects, RoleRef: rb.RoleRef})
	}
	return out
}

// verifyWorkload checks the Deployment and everything that refers to it.
func verifyWorkload(r *rendered, d deployment) {
	deployments := decode[appsv1.Deployment](r, "Deployment")
	Expect(deployments).To(HaveLen(1))
	dep := deployments[0]
	pod := dep.Spec.Template
	selects := func(selector map[string]string) {
		GinkgoHelper()
		Expect(selector).NotTo(BeEmpty())
		for k, v := range selector {
			Expect(pod.Labels).To(HaveKeyWithValue(k, v))
		}
	}
	selects(dep.Spec.Selector.MatchLabels)
	Expect(*dep.Spec.Replicas).To(BeNumerically(">=", 1))

	// Security: non-root, read-only root file system, no privilege escalation, no capabilities.
	Expect(pod.Spec.SecurityContext.RunAsNonRoot).To(HaveValue(BeTrue()))
	Expect(pod.Spec.SecurityContext.SeccompProfile).To(HaveValue(HaveField("Type", corev1.SeccompProfileTypeRuntimeDefault)))
	Expect(pod.Spec.PriorityClassName).NotTo(BeEmpty())
	Expect(pod.Spec.Containers).To(HaveLen(1))
	c := pod.Spec.Containers[0]
	Expect(c.SecurityContext).NotTo(BeNil())
	Expect(c.SecurityContext.AllowPrivilegeEscalation).To(HaveValue(BeFalse()))
	Expect(c.SecurityContext.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()))
	Expect(c.SecurityContext.Privileged).To(HaveValue(BeFalse()))
	Expect(c.SecurityContext.Capabilities.Drop).To(ConsistOf(corev1.Capability("ALL")))
	Expect(c.Resources.Requests).NotTo(BeEmpty())
	Expect(c.Image).To(Equal(d.image))

	// The command line parses as the binary's and matches ports, probes, service account and namespace.
	cl, err := d.binary.parse(c.Args)
	Expect(err).NotTo(HaveOccurred(), "args %v", c.Args)
	Expect(cl.manager.LeaderElection).To(BeTrue())
	Expect(cl.manager.LeaderElectionID).NotTo(BeEmpty())
	Expect(c.Env).To(ContainElement(HaveField("Name", "LEADER_ELECTION_NAMESPACE")))
	port := func(name string) int32 {
		GinkgoHelper()
		for _, p := range c.Ports {
			if p.Name == name {
				return p.ContainerPort
			}
		}
		Fail("no container port " + name)
		return 0
	}
	Expect(cl.manager.HealthBindAddress).To(Equal(":" + strconv.Itoa(int(port("healthz")))))
	Expect(cl.manager.MetricsBindAddress).To(Equal(":" + strconv.Itoa(int(port("metrics")))))
	Expect(c.LivenessProbe.HTTPGet).To(And(HaveField("Path", "/healthz"), HaveField("Port.StrVal", "healthz")))
	Expect(c.ReadinessProbe.HTTPGet).To(And(HaveField("Path", "/readyz"), HaveField("Port.StrVal", "healthz")))
	if cl.webhooks {
		Expect(cl.manager.WebhookServerPort).To(BeEquivalentTo(port("webhook-server")))
		Expect(cl.value("webhook-config-namespace")).To(Equal(d.namespace))
		// The value after the options' completion: the flag's, or the release namespace without the flag.
		ownerNamespace := cmp.Or(d.ownerNamespace, d.namespace)
		Expect(cl.value("webhook-config-owner-namespace")).To(Equal(ownerNamespace))
		Expect(cl.manager.WebhookCertDir).To(HavePrefix("/tmp/"), "the webhook server writes its certificates into a writable volume")
	}
	if cl.heartbeat != nil {
		Expect(cl.heartbeat.Namespace).To(Equal(d.namespace))
	}
	saNamespace, saName, _ := strings.Cut(d.serviceAccount, "/")
	Expect(saNamespace).To(Equal(d.namespace))
	Expect(pod.Spec.ServiceAccountName).To(Equal(saName))
	Expect(r.has("ServiceAccount", saName)).To(BeTrue())

	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	Expect(mounts).To(HaveKeyWithValue("tmp", "/tmp"))
	configMapOf := func(volume string) *corev1.ConfigMap {
		GinkgoHelper()
		for _, v := range pod.Spec.Volumes {
			if v.Name == volume {
				Expect(v.ConfigMap).NotTo(BeNil())
				cm := &corev1.ConfigMap{}
				r.get("ConfigMap", v.ConfigMap.Name, cm)
				return cm
			}
		}
		Fail("no volume " + volume)
		return nil
	}

	// The component configuration is mounted where --config-file points and loads with the binary's loader.
	if d.config != nil {
		Expect(cl.value("config-file")).To(Equal(path.Join(mounts["config"], "config.yaml")))
		d.config([]byte(configMapOf("config").Data["config.yaml"]))
	} else {
		Expect(cl.flags.Lookup("config-file")).To(BeNil())
	}

	// An image vector overwrite reaches the binary as Gardener's image vector.
	for _, e := range c.Env {
		if e.Name == "IMAGEVECTOR_OVERWRITE" {
			Expect(path.Dir(e.Value)).To(Equal(mounts["imagevector-overwrite"]))
			vector, err := imagevector.Read([]byte(configMapOf("imagevector-overwrite").Data[path.Base(e.Value)]))
			Expect(err).NotTo(HaveOccurred())
			Expect(vector).NotTo(BeEmpty())
		}
	}
	_, overwrite := d.values["imageVectorOverwrite"]
	Expect(slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "IMAGEVECTOR_OVERWRITE" })).To(Equal(overwrite))

	// Service, network policies, PDB and VPA all point at these pods.
	services := decode[corev1.Service](r, "Service")
	Expect(services).To(HaveLen(1))
	selects(services[0].Spec.Selector)
	Expect(services[0].Annotations).To(HaveKey(HavePrefix("networking.resources.gardener.cloud/")))
	for _, p := range services[0].Spec.Ports {
		Expect(port(p.Name)).To(Equal(p.TargetPort.IntVal), "service port %s", p.Name)
		// A kube-apiserver in this cluster calls the webhooks at this address.
		if p.Name == "webhook-server" && cl.value("webhook-config-mode") == "url" {
			Expect(cl.value("webhook-config-url")).To(Equal(fmt.Sprintf("%s.%s:%d", services[0].Name, d.namespace, p.Port)))
		}
	}
	networkPolicies := decode[networkingv1.NetworkPolicy](r, "NetworkPolicy")
	if d.networkPolicy {
		Expect(networkPolicies).NotTo(BeEmpty())
	} else {
		Expect(networkPolicies).To(BeEmpty())
	}
	for _, np := range networkPolicies {
		selects(np.Spec.PodSelector.MatchLabels)
		Expect(np.Spec.PolicyTypes).To(ConsistOf(networkingv1.PolicyTypeEgress))
		for _, rule := range np.Spec.Egress {
			Expect(rule.Ports).NotTo(BeEmpty(), np.Name)
		}
	}
	pdbs := decode[policyv1.PodDisruptionBudget](r, "PodDisruptionBudget")
	Expect(pdbs).To(HaveLen(1))
	selects(pdbs[0].Spec.Selector.MatchLabels)
	vpas := decode[vpaautoscalingv1.VerticalPodAutoscaler](r, "VerticalPodAutoscaler")
	if d.vpa {
		Expect(vpas).To(HaveLen(1))
	} else {
		Expect(vpas).To(BeEmpty())
	}
	for _, vpa := range vpas {
		Expect(vpa.Spec.TargetRef).To(HaveValue(And(HaveField("Kind", "Deployment"), HaveField("Name", dep.Name))))
		Expect(vpa.Spec.ResourcePolicy.ContainerPolicies).To(ContainElement(HaveField("ContainerName", c.Name)))
	}
}
