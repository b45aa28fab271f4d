// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	pollInterval = 20 * time.Millisecond
	waitTimeout  = 30 * time.Second
	// secretName is the name of the credentials secret in every shoot namespace.
	secretName = "cloudprovider"
)

var shootCounter atomic.Int64

// shootOptions shape one test shoot.
type shootOptions struct {
	// Project is the Gardener project; "dev" when empty.
	Project string
	// Families are the shoot's IP families; IPv4 when empty.
	Families []gardencorev1beta1.IPFamily
	// Nodes is spec.networking.nodes.
	Nodes *string
	// Config is the InfrastructureConfig; defaultInfrastructureConfig() when nil.
	Config *metalv1alpha1.InfrastructureConfig
	// CloudProfile is the CloudProfileConfig; defaultCloudProfileConfig() when nil.
	CloudProfile *metalv1alpha1.CloudProfileConfig
	// Secret is the data of the credentials secret; the simulator's HMAC key when nil.
	Secret map[string][]byte
	// RawConfig replaces the encoded InfrastructureConfig when set.
	RawConfig []byte
}

// testShoot is a shoot written into the seed as gardenlet does: namespace, Cluster, credentials secret and
// Infrastructure.
type testShoot struct {
	Name      string
	Namespace string
	Shoot     *gardencorev1beta1.Shoot
	Infra     *extensionsv1alpha1.Infrastructure
	Cluster   metal.Cluster
}

func defaultInfrastructureConfig() *metalv1alpha1.InfrastructureConfig {
	return &metalv1alpha1.InfrastructureConfig{
		TypeMeta:    metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "InfrastructureConfig"},
		PartitionID: metalapi.DefaultPartitionID,
		ProjectID:   metalapi.DefaultProjectID,
		Firewall: metalv1alpha1.Firewall{
			Size:              metalapi.FirewallSizeID,
			Image:             metalapi.FirewallImageID,
			Networks:          []string{metalapi.InternetNetworkID},
			ControllerVersion: "auto",
		},
	}
}

func defaultCloudProfileConfig() *metalv1alpha1.CloudProfileConfig {
	return &metalv1alpha1.CloudProfileConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "CloudProfileConfig"},
		MetalControlPlanes: map[string]metalv1alpha1.MetalControlPlane{
			"simulator": {
				Endpoint: sim.URL(),
				Partitions: map[string]metalv1alpha1.Partition{
					metalapi.DefaultPartitionID: {FirewallTypes: []string{metalapi.FirewallSizeID}},
				},
			},
		},
	}
}

func mustJSON(v any) []byte {
	GinkgoHelper()
	data, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return data
}

// createShoot writes a shoot into the seed and creates its Infrastructure; the Infrastructure is deleted (and
// waited for) at the end of the spec.
func createShoot(ctx context.Context, opts shootOptions) *testShoot {
	GinkgoHelper()
	project := opts.Project
	if project == "" {
		project = "dev"
	}
	cfg := opts.Config
	if cfg == nil {
		cfg = defaultInfrastructureConfig()
	}
	rawConfig := opts.RawConfig
	if rawConfig == nil {
		rawConfig = mustJSON(cfg)
	}
	cpc := opts.CloudProfile
	if cpc == nil {
		cpc = defaultCloudProfileConfig()
	}
	secretData := opts.Secret
	if secretData == nil {
		secretData = map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)}
	}

	name := fmt.Sprintf("s%d", shootCounter.Add(1))
	shoot := testenv.NewShoot(testenv.ShootSpec{Project: project, Name: name, IPFamilies: opts.Families, Nodes: opts.Nodes, InfrastructureConfig: rawConfig})
	cloudProfile := testenv.NewCloudProfile(mustJSON(cpc), gardencorev1beta1.CloudProfileSpec{Regions: []gardencorev1beta1.Region{{Name: "local"}}})
	namespace, err := testenv.CreateShoot(ctx, env.Client, shoot, cloudProfile, testenv.NewSeed("seed"))
	Expect(err).NotTo(HaveOccurred())

	Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: namespace},
		Data:       secretData,
	})).To(Succeed())
	// gardenlet writes the namespace and the Cluster long before the Infrastructure; the controller's predicates
	// read them from the manager's cache, so wait until it has them as a real seed would.
	Eventually(func(g Gomega) {
		g.Expect(mgr.GetClient().Get(ctx, client.ObjectKey{Name: namespace}, &corev1.Namespace{})).To(Succeed())
		g.Expect(mgr.GetClient().Get(ctx, client.ObjectKey{Name: namespace}, &extensionsv1alpha1.Cluster{})).To(Succeed())
		g.Expect(mgr.GetClient().Get(ctx, client.ObjectKey{Namespace: namespace, Name: secretName}, &corev1.Secret{})).To(Succeed())
	}).WithContext(ctx).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())

	infra := &extensionsv1alpha1.Infrastructure{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec: extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{
				Type:           metal.ProviderType,
				ProviderConfig: &runtime.RawExtension{Raw: rawConfig},
			},
			Region:    "local",
			SecretRef: corev1.SecretReference{Name: secretName, Namespace: namespace},
		},
	}
	Expect(env.Client.Create(ctx, infra)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) { deleteInfra(ctx, infra) }, NodeTimeout(time.Minute))

	return &testShoot{
		Name: name, Namespace: namespace, Shoot: shoot, Infra: infra,
		Cluster: metal.ClusterFor(shoot, cfg.ProjectID, cfg.PartitionID),
	}
}

// get reads the shoot's Infrastructure from the API server.
func (s *testShoot) get(ctx context.Context) *extensionsv1alpha1.Infrastructure {
	GinkgoHelper()
	infra := &extensionsv1alpha1.Infrastructure{}
	Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(s.Infra), infra)).To(Succeed())
	return infra
}

// cluster reads the Cluster of the shoot as the controller sees it.
func (s *testShoot) cluster(ctx context.Context) *extensionscontroller.Cluster {
	GinkgoHelper()
	cluster, err := extensionscontroller.GetCluster(ctx, env.Client, s.Namespace)
	Expect(err).NotTo(HaveOccurred())
	return cluster
}

// providerStatus decodes the providerStatus of an Infrastructure.
func providerStatus(infra *extensionsv1alpha1.Infrastructure) *apismetal.InfrastructureStatus {
	GinkgoHelper()
	Expect(infra.Status.ProviderStatus).NotTo(BeNil())
	status, err := metalhelper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
	Expect(err).NotTo(HaveOccurred())
	return status
}

// waitReady waits until the Infrastructure's last operation succeeded for its current generation.
func (s *testShoot) waitReady(ctx context.Context) *extensionsv1alpha1.Infrastructure {
	GinkgoHelper()
	var infra *extensionsv1alpha1.Infrastructure
	Eventually(func(g Gomega) {
		infra = &extensionsv1alpha1.Infrastructure{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(s.Infra), infra)).To(Succeed())
		g.Expect(infra.Status.LastOperation).NotTo(BeNil())
		g.Expect(infra.Status.LastError).To(BeNil())
		g.Expect(infra.Status.LastOperation.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded))
		g.Expect(infra.Status.ObservedGeneration).To(Equal(infra.Generation))
		g.Expect(infra.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
	}).WithContext(ctx).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	return infra
}

// waitLastError waits until the Infrastructure reports an error that mentions all substrings, and returns it.
func (s *testShoot) waitLastError(ctx context.Context, substrings ...string) *gardencorev1beta1.LastError {
	GinkgoHelper()
	var lastErr *gardencorev1beta1.LastError
	Eventually(func(g Gomega) {
		infra := &extensionsv1alpha1.Infrastructure{}
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(s.Infra), infra)).To(Succeed())
		g.Expect(infra.Status.LastError).NotTo(BeNil())
		for _, sub := range substrings {
			g.Expect(infra.Status.LastError.Description).To(ContainSubstring(sub))
		}
		lastErr = infra.Status.LastError
	}).WithContext(ctx).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	return lastErr
}

// annotate sets the gardener.cloud/operation annotation, as gardenlet does to trigger an operation.
func (s *testShoot) annotate(ctx context.Context, operation string) {
	GinkgoHelper()
	infra := s.get(ctx)
	patch := client.MergeFrom(infra.DeepCopy())
	metav1.SetMetaDataAnnotation(&infra.ObjectMeta, v1beta1constants.GardenerOperation, operation)
	Expect(env.Client.Patch(ctx, infra, patch)).To(Succeed())
}

// reconcileAgain triggers a reconciliation with the operation annotation and waits until it finished: the
// annotation is consumed, the egress IP search (the actuator's last metal-api call) happened after mark, and
// the operation succeeded.
func (s *testShoot) reconcileAgain(ctx context.Context, mark metalapi.Mark) *extensionsv1alpha1.Infrastructure {
	GinkgoHelper()
	s.annotate(ctx, v1beta1constants.GardenerOperationReconcile)
	Eventually(func(g Gomega) {
		g.Expect(sim.CallsSince(mark).Count("POST", "/v1/ip/find")).To(BeNumerically(">=", 1))
	}).WithContext(ctx).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
	return s.waitReady(ctx)
}

// deleteInfra deletes an Infrastructure and waits until it is gone.
func deleteInfra(ctx context.Context, infra *extensionsv1alpha1.Infrastructure) {
	GinkgoHelper()
	Expect(client.IgnoreNotFound(env.Client.Delete(ctx, infra))).To(Succeed())
	Eventually(func() error {
		return env.Client.Get(ctx, client.ObjectKeyFromObject(infra), &extensionsv1alpha1.Infrastructure{})
	}).WithContext(ctx).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Satisfy(apierrors.IsNotFound))
}

// nodeNetworks returns the simulator's networks labelled with the cluster's ID.
func nodeNetworks(clusterID string) []*networkView {
	var out []*networkView
	ids := sim.LeftoversForCluster(metal.ClusterTag(clusterID)).Networks
	for _, n := range sim.State().Networks {
		if slices.Contains(ids, *n.ID) {
			out = append(out, &networkView{ID: *n.ID, Prefixes: n.Prefixes, Parent: n.Parentnetworkid, Labels: n.Labels})
		}
	}
	return out
}

// networkView is what the tests compare of a simulator network.
type networkView struct {
	ID       string
	Prefixes []string
	Parent   string
	Labels   map[string]string
}

// clusterObjects renders everything in the project that carries one of the cluster's tags (networks by label,
// IPs by tag), in the simulator's metal-go models, for byte-for-byte comparisons.
func clusterObjects(project, clusterID string) string {
	GinkgoHelper()
	st := sim.ProjectState(project)
	var out metalapi.Snapshot
	for _, n := range st.Networks {
		if n.Labels[metal.ClusterIDKey] == clusterID {
			out.Networks = append(out.Networks, n)
		}
	}
	for _, ip := range st.IPs {
		if slices.ContainsFunc(ip.Tags, func(t string) bool { return metal.IsClusterTag(t, clusterID) }) {
			out.IPs = append(out.IPs, ip)
		}
	}
	Expect(out.Networks).NotTo(BeEmpty())
	Expect(out.IPs).NotTo(BeEmpty())
	return string(mustJSON(out))
}

// clusterTagged lists the addresses of the project's IPs and the IDs of its networks that still carry one of
// the cluster's tags.
func clusterTagged(project, clusterID string) []string {
	var out []string
	st := sim.ProjectState(project)
	for _, n := range st.Networks {
		for k, v := range n.Labels {
			if strings.Contains(k+"="+v, clusterID) {
				out = append(out, "network "+*n.ID)
			}
		}
	}
	for _, ip := range st.IPs {
		for _, t := range ip.Tags {
			if strings.Contains(t, clusterID) {
				out = append(out, "ip "+*ip.Ipaddress+" "+t)
			}
		}
	}
	return out
}

// metalClient is a pkg/metal client for fixtures: static egress IPs and load-balancer IPs as metal-ccm would
// create them.
func metalClient() metal.Client {
	GinkgoHelper()
	c, err := metal.NewClient(sim.URL(), metal.BearerToken(metalapi.DefaultToken), metal.ClientConfig{RequestTimeout: 5 * time.Second, QPS: 1000, Burst: 1000})
	Expect(err).NotTo(HaveOccurred())
	return c
}

// allocateIP allocates an IP in the internet network of the default project.
func allocateIP(ctx context.Context, typ metal.IPType, tags ...string) string {
	GinkgoHelper()
	ip, err := metalClient().AllocateIP(ctx, metal.IPAllocation{
		NetworkID: metalapi.InternetNetworkID, ProjectID: metalapi.DefaultProjectID, Type: typ, Tags: tags,
	})
	Expect(err).NotTo(HaveOccurred())
	return ip.Address.String()
}

// ipTags returns the tags of an IP (nil if it does not exist).
func ipTags(address string) []string {
	tags, _ := ipState(address)
	return tags
}

// ipExists tells whether an IP exists.
func ipExists(address string) bool {
	_, ok := ipState(address)
	return ok
}

func ipState(address string) ([]string, bool) {
	for _, ip := range sim.State().IPs {
		if *ip.Ipaddress == address {
			return ip.Tags, true
		}
	}
	return nil, false
}

// simRequest sends a request to the simulator's REST API as the machine-controller-manager or
// firewall-controller-manager would; the tests of this package do not import metal-go.
func simRequest(ctx context.Context, method, path string, body any) map[string]any {
	GinkgoHelper()
	out, err := sim.Request(ctx, method, path, body)
	Expect(err).NotTo(HaveOccurred())
	return out
}

// allocateWorker allocates a machine with an interface in the network, as a worker of the shoot.
func allocateWorker(ctx context.Context, networkID string) string {
	GinkgoHelper()
	m := simRequest(ctx, http.MethodPost, "/v1/machine/allocate", map[string]any{
		"name": "worker", "hostname": "worker-0", "imageid": metalapi.MachineImageID, "partitionid": metalapi.DefaultPartitionID,
		"projectid": metalapi.DefaultProjectID, "sizeid": metalapi.SmallMachineSizeID, "ssh_pub_keys": []string{},
		"networks": []map[string]any{{"networkid": networkID, "autoacquire": true}},
	})
	return m["id"].(string)
}

// freeMachine frees a machine.
func freeMachine(ctx context.Context, id string) {
	GinkgoHelper()
	simRequest(ctx, http.MethodDelete, "/v1/machine/"+id+"/free", nil)
}
