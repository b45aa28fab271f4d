// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"time"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/mcm/mcmtest"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// seedShoot does what gardenlet and the Infrastructure controller do before a Worker exists (see prepareShoot)
// for the spec, with machine-controller-manager running until the spec ends. It returns the namespace and the
// shoot's identity in the metal-api.
func seedShoot(ctx context.Context, c client.Client, sim *metalapi.Server, f *fixture) (string, metal.Cluster) {
	GinkgoHelper()
	namespace, identity, stopMCM := prepareShoot(ctx, c, f, GinkgoLogr)
	DeferCleanup(stopMCM)
	return namespace, identity
}

// prepareShoot does what gardenlet and the Infrastructure controller do before a Worker exists: the shoot
// namespace and Cluster, the cloudprovider secret, the node network in the metal-api (one prefix per family of
// the shoot) and the pools' user data; and it runs machine-controller-manager for the namespace with the metal
// driver, which logs to driverLog, until stopMCM is called.
func prepareShoot(ctx context.Context, c client.Client, f *fixture, driverLog logr.Logger) (namespace string, identity metal.Cluster, stopMCM context.CancelFunc) {
	GinkgoHelper()
	shoot, _, _ := f.build()
	identity = metal.ClusterFor(shoot, f.infra.ProjectID, f.infra.PartitionID)
	var families []metal.IPFamily
	for _, fam := range f.families {
		families = append(families, metal.IPFamily(fam))
	}
	network, err := admin.EnsureNodeNetwork(ctx, identity, metal.NodeNetworkSpec{Families: families})
	Expect(err).NotTo(HaveOccurred())
	f.nodeNetwork.ID, f.nodeNetwork.Prefixes = network.ID, nil
	for _, p := range network.Prefixes {
		f.nodeNetwork.Prefixes = append(f.nodeNetwork.Prefixes, p.String())
	}
	// Built again: the Cluster carries the node network allocated above.
	shoot, cloudProfile, seed := f.build()

	namespace, err = testenv.CreateShoot(ctx, c, shoot, cloudProfile, seed)
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameCloudProvider, Namespace: namespace},
		Data:       map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)},
	})).To(Succeed())
	for _, pool := range f.pools {
		Expect(c.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: pool.UserDataSecretRef.Name, Namespace: namespace},
			Data:       map[string][]byte{pool.UserDataSecretRef.Key: []byte(poolUserData)},
		})).To(Succeed())
	}

	mcmCtx, stopMCM := context.WithCancel(context.Background())
	if err := mcmtest.Start(mcmCtx, mcmtest.Options{
		Namespace: namespace,
		Driver:    mcm.NewDriver(metal.NewClientCache(metal.ClientConfig{RequestTimeout: 10 * time.Second, QPS: 1000, Burst: 1000}), driverLog),
		Config:    env.Config,
	}); err != nil {
		stopMCM()
		Expect(err).NotTo(HaveOccurred())
	}
	return namespace, identity, stopMCM
}

// getWorker reads the Worker.
func getWorker(ctx context.Context, c client.Client, namespace, name string) *extensionsv1alpha1.Worker {
	GinkgoHelper()
	w := &extensionsv1alpha1.Worker{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, w)).To(Succeed())
	return w
}

// reconciled waits until gardenlet's operation annotation is gone and the last operation succeeded, as gardenlet
// waits for an extension object. With opType, the last operation must be of that type; without, any type will
// do (an event during an operation makes the controller reconcile once more, which records type Reconcile).
func reconciled(ctx context.Context, c client.Client, namespace, name string, opType string, timeout time.Duration) *extensionsv1alpha1.Worker {
	GinkgoHelper()
	var w *extensionsv1alpha1.Worker
	Eventually(func(g Gomega) {
		w = &extensionsv1alpha1.Worker{}
		g.Expect(c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, w)).To(Succeed())
		g.Expect(w.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		g.Expect(w.Status.LastOperation).NotTo(BeNil())
		g.Expect(w.Status.LastError).To(BeNil())
		g.Expect(w.Status.ObservedGeneration).To(Equal(w.Generation), "the controller has seen the latest spec")
		if opType != "" {
			g.Expect(string(w.Status.LastOperation.Type)).To(Equal(opType))
		}
		g.Expect(string(w.Status.LastOperation.State)).To(Equal("Succeeded"))
	}).WithTimeout(timeout).WithPolling(250 * time.Millisecond).Should(Succeed())
	return w
}

// annotate sets gardenlet's operation annotation, which makes the controller act.
func annotate(ctx context.Context, c client.Client, w *extensionsv1alpha1.Worker, operation string) {
	GinkgoHelper()
	patch := client.MergeFrom(w.DeepCopy())
	metav1.SetMetaDataAnnotation(&w.ObjectMeta, v1beta1constants.GardenerOperation, operation)
	Expect(c.Patch(ctx, w, patch)).To(Succeed())
}

// machines lists the namespace's Machines.
func machines(ctx context.Context, c client.Client, namespace string) []machinev1alpha1.Machine {
	GinkgoHelper()
	list := &machinev1alpha1.MachineList{}
	Expect(c.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
	return list.Items
}

// leased returns the simulator's machines of a cluster with all the tags, by ID.
func leased(sim *metalapi.Server, project string, tags ...string) map[string]leasedMachine {
	out := map[string]leasedMachine{}
	for _, m := range sim.ProjectState(project).Machines {
		lm := leasedMachine{tags: m.Tags}
		if !lm.has(tags...) {
			continue
		}
		lm.size, lm.image, lm.hostname = *m.Size.ID, *m.Allocation.Image.ID, *m.Allocation.Hostname
		for _, n := range m.Allocation.Networks {
			lm.networks = append(lm.networks, *n.Networkid)
			if *n.Private {
				lm.nodeIPs = n.Ips
			}
		}
		out[*m.ID] = lm
	}
	return out
}

// leasedMachine is what a test checks of a leased machine.
type leasedMachine struct {
	size, image, hostname string
	tags, networks        []string
	nodeIPs               []string
}

func (m leasedMachine) has(tags ...string) bool {
	for _, t := range tags {
		found := false
		for _, have := range m.tags {
			if have == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
