// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"net/http"
	"net/netip"
	"time"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	fcmdefaults "github.com/metal-stack/firewall-controller-manager/api/v2/defaults"
	fcmvalidation "github.com/metal-stack/firewall-controller-manager/api/v2/validation"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("Worker lifecycle with machine-controller-manager and the metal-api simulator", Ordered, func() {
	var (
		f         *fixture
		namespace string
		identity  metal.Cluster
		prefixes  []netip.Prefix
	)
	clusterTag := func() string { return metal.ClusterTag(identity.ID) }
	poolTag := func(pool string) string { return v1beta1constants.LabelWorkerPool + "=" + pool }

	// expectLeases checks the simulator against the pools: the number of machines per pool, and each one's
	// size, image, tags, networks and dual-stack node addresses, with exactly one machine per Machine.
	expectLeases := func(ctx context.Context, wantA, wantB int) {
		GinkgoHelper()
		a := leased(sim, metalapi.DefaultProjectID, clusterTag(), poolTag("pool-a"))
		b := leased(sim, metalapi.DefaultProjectID, clusterTag(), poolTag("pool-b"))
		Expect(a).To(HaveLen(wantA))
		Expect(b).To(HaveLen(wantB))
		for _, pool := range []struct {
			machines map[string]leasedMachine
			size     string
			networks []string
			tags     []string
		}{
			{a, metalapi.MachineSizeID, []string{f.nodeNetwork.ID}, []string{"node.example.com/tier=large"}},
			{b, metalapi.SmallMachineSizeID, []string{f.nodeNetwork.ID, metalapi.StorageNetworkID}, []string{"team=storage"}},
		} {
			for id, m := range pool.machines {
				Expect(m.size).To(Equal(pool.size), "machine %s", id)
				Expect(m.image).To(Equal(metalapi.MachineImageID))
				Expect(m.networks).To(Equal(pool.networks))
				Expect(m.has(pool.tags...)).To(BeTrue(), "tags %v", m.tags)
				Expect(m.has(metal.ClusterNameTag(identity.Name), metal.ClusterProjectTag(identity.ProjectID), metal.MachineNameTag(m.hostname))).To(BeTrue())
				Expect(m.nodeIPs).To(HaveLen(2), "an IPv4 and an IPv6 address in the node network")
				var v4, v6 int
				for _, s := range m.nodeIPs {
					ip := netip.MustParseAddr(s)
					Expect(prefixes[0].Contains(ip) || prefixes[1].Contains(ip)).To(BeTrue())
					if ip.Is4() {
						v4++
					} else {
						v6++
					}
				}
				Expect([]int{v4, v6}).To(Equal([]int{1, 1}))
			}
		}
		ms := machines(ctx, env.Client, namespace)
		Expect(ms).To(HaveLen(wantA + wantB))
		for _, m := range ms {
			Expect(m.Status.CurrentStatus.Phase).To(Equal(machinev1alpha1.MachineRunning), "Machine %s", m.Name)
			Expect(leased(sim, metalapi.DefaultProjectID, clusterTag(), metal.MachineNameTag(m.Name))).To(HaveLen(1), "exactly one machine for Machine %s", m.Name)
		}
	}

	BeforeAll(func(ctx context.Context) {
		f = newFixture("lifecycle", "dual", sim.URL())
		namespace, identity = seedShoot(ctx, env.Client, sim, f)
		for _, p := range f.nodeNetwork.Prefixes {
			prefixes = append(prefixes, netip.MustParsePrefix(p))
		}
		Expect(prefixes).To(HaveLen(2))
	})

	It("leases the machines of two pools with different sizes, one with an extra network, on a dual-stack shoot", func(ctx context.Context) {
		Expect(env.Client.Create(ctx, f.worker(namespace))).To(Succeed())
		w := reconciled(ctx, env.Client, namespace, f.name, "", 2*time.Minute)
		expectLeases(ctx, 2, 2)

		status, err := metalhelper.WorkerStatusFromRaw(w.Status.ProviderStatus)
		Expect(err).NotTo(HaveOccurred())
		Expect(status.MachineImages).To(HaveLen(1))
		Expect(status.MachineImages[0].Image).To(Equal(metalapi.MachineImageID))
		Expect(w.Status.MachineDeployments).To(HaveLen(2))

		deployments := &machinev1alpha1.MachineDeploymentList{}
		Expect(env.Client.List(ctx, deployments, client.InNamespace(namespace))).To(Succeed())
		Expect(deployments.Items).To(HaveLen(2))
		for _, md := range deployments.Items {
			if md.Labels[v1beta1constants.LabelWorkerPool] != "pool-a" {
				continue
			}
			Expect(md.Spec.Replicas).To(Equal(int32(2)))
			Expect(md.Spec.Template.Spec.NodeTemplateSpec.Labels).To(HaveKeyWithValue("node.example.com/tier", "large"))
			Expect(md.Spec.Template.Spec.NodeTemplateSpec.Annotations).To(HaveKeyWithValue("example.com/owner", "team-a"))
			Expect(md.Spec.Template.Spec.NodeTemplateSpec.Spec.Taints).To(HaveLen(1))
			Expect(md.Spec.Strategy.RollingUpdate.MaxSurge.IntValue()).To(Equal(1))
		}

		deploy := &fcmv2.FirewallDeployment{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)).To(Succeed())
		Expect(deploy.Spec.Replicas).To(Equal(1))
		Expect(deploy.Spec.Template.Spec.Networks).To(Equal([]string{f.nodeNetwork.ID, metalapi.InternetNetworkID, metalapi.StorageNetworkID}))
		Expect(deploy.Spec.Template.Spec.InternalPrefixes).To(ContainElements(f.nodeNetwork.Prefixes))
		Expect(deploy.Spec.Template.Spec.ControllerVersion).To(Equal("v2.10.0"))
		Expect(deploy.Spec.Selector).To(Equal(map[string]string{FirewallDeploymentLabel: FirewallDeploymentName}))
		Expect(deploy.Spec.Template.Labels).To(Equal(deploy.Spec.Selector))
		// firewall-controller-manager's webhooks default and validate every create in a seed. The user data (the
		// firewall-controller's kubeconfigs) is what the defaulter makes from FCM's access to the shoot and seed, which
		// this test does not run; with it set, the defaulter fills in the rest and needs no access.
		defaulted := deploy.DeepCopy()
		defaulted.Spec.Template.Spec.Userdata = "rendered by firewall-controller-manager"
		defaulter, err := fcmdefaults.NewFirewallDeploymentDefaulter(GinkgoLogr, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(defaulter.Default(ctx, defaulted)).To(Succeed())
		_, err = fcmvalidation.NewFirewallDeploymentValidator(GinkgoLogr).ValidateCreate(ctx, defaulted)
		Expect(err).NotTo(HaveOccurred(), "firewall-controller-manager accepts the FirewallDeployment")
	})

	It("makes no metal-api write and rolls no machine when reconciling an unchanged Worker", func(ctx context.Context) {
		machineUIDs := map[string]string{}
		for _, m := range machines(ctx, env.Client, namespace) {
			machineUIDs[m.Name] = string(m.UID)
		}
		classes := &machinev1alpha1.MachineClassList{}
		Expect(env.Client.List(ctx, classes, client.InNamespace(namespace))).To(Succeed())
		deploy := &fcmv2.FirewallDeployment{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)).To(Succeed())

		mark := sim.Mark()
		annotate(ctx, env.Client, getWorker(ctx, env.Client, namespace, f.name), v1beta1constants.GardenerOperationReconcile)
		reconciled(ctx, env.Client, namespace, f.name, "Reconcile", time.Minute)

		Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
		after := map[string]string{}
		for _, m := range machines(ctx, env.Client, namespace) {
			after[m.Name] = string(m.UID)
		}
		Expect(after).To(Equal(machineUIDs))
		classesAfter := &machinev1alpha1.MachineClassList{}
		Expect(env.Client.List(ctx, classesAfter, client.InNamespace(namespace))).To(Succeed())
		Expect(classesAfter.Items).To(HaveLen(len(classes.Items)))
		for i := range classes.Items {
			Expect(classesAfter.Items[i].Name).To(Equal(classes.Items[i].Name))
			Expect(classesAfter.Items[i].ResourceVersion).To(Equal(classes.Items[i].ResourceVersion), "the class is not written")
		}
		deployAfter := &fcmv2.FirewallDeployment{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(deploy), deployAfter)).To(Succeed())
		Expect(deployAfter.ResourceVersion).To(Equal(deploy.ResourceVersion), "the FirewallDeployment is not written")
	})

	It("follows scaling: pool-a up with a lost allocation answer (exactly one machine per Machine), pool-b down", func(ctx context.Context) {
		mark := sim.Mark()
		sim.DropNextResponses(http.MethodPost, "/v1/machine/allocate", 1)
		w := getWorker(ctx, env.Client, namespace, f.name)
		patch := client.MergeFrom(w.DeepCopy())
		w.Spec.Pools[0].Minimum, w.Spec.Pools[0].Maximum = 3, 3
		w.Spec.Pools[1].Minimum, w.Spec.Pools[1].Maximum = 1, 1
		f.pools = w.Spec.Pools
		metav1.SetMetaDataAnnotation(&w.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
		Expect(env.Client.Patch(ctx, w, patch)).To(Succeed())
		reconciled(ctx, env.Client, namespace, f.name, "", 2*time.Minute)

		// The totals before and after are both four (2+2, 3+1): wait for the new split, since the controller drops
		// the operation annotation before it acts and the last operation still reads Succeeded from before.
		Eventually(func(g Gomega) {
			g.Expect(machines(ctx, env.Client, namespace)).To(HaveLen(4))
			g.Expect(leased(sim, metalapi.DefaultProjectID, clusterTag(), poolTag("pool-a"))).To(HaveLen(3))
			g.Expect(leased(sim, metalapi.DefaultProjectID, clusterTag(), poolTag("pool-b"))).To(HaveLen(1))
		}).WithTimeout(2 * time.Minute).Should(Succeed())
		expectLeases(ctx, 3, 1)
		calls := sim.CallsSince(mark)
		Expect(calls.Count(http.MethodPost, "/v1/machine/allocate")).To(Equal(1), "one allocation for the one new Machine, the lost answer found by tags")
		Expect(calls.Count(http.MethodDelete, "/v1/machine/{id}/free")).To(Equal(1))
	})

	It("keeps the firewall objects across a control plane migration and restores them", func(ctx context.Context) {
		migrateAndRestore(ctx, f, namespace)
		expectLeases(ctx, 3, 1)
	})

	It("frees every machine and waits until the FirewallDeployment is gone when the Worker is deleted", func(ctx context.Context) {
		// firewall-controller-manager holds the FirewallDeployment with its finalizer until it freed the firewall.
		deploy := &fcmv2.FirewallDeployment{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)).To(Succeed())
		patch := client.MergeFrom(deploy.DeepCopy())
		controllerutil.AddFinalizer(deploy, fcmv2.FinalizerName)
		Expect(env.Client.Patch(ctx, deploy, patch)).To(Succeed())

		Expect(env.Client.Delete(ctx, getWorker(ctx, env.Client, namespace, f.name))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(sim.LeftoversForCluster(clusterTag()).Machines).To(BeEmpty())
			g.Expect(machines(ctx, env.Client, namespace)).To(BeEmpty())
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(deploy), deploy)).To(Succeed())
			g.Expect(deploy.DeletionTimestamp).NotTo(BeNil())
		}).WithTimeout(2 * time.Minute).Should(Succeed())
		Consistently(func(g Gomega) {
			w := getWorker(ctx, env.Client, namespace, f.name)
			g.Expect(w.Finalizers).NotTo(BeEmpty(), "the Worker waits for the firewall")
		}).WithTimeout(2 * time.Second).Should(Succeed())

		patch = client.MergeFrom(deploy.DeepCopy())
		controllerutil.RemoveFinalizer(deploy, fcmv2.FinalizerName)
		Expect(env.Client.Patch(ctx, deploy, patch)).To(Succeed())
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: f.name}, &extensionsv1alpha1.Worker{})
		}).WithTimeout(time.Minute).Should(Satisfy(apierrors.IsNotFound))

		// The Infrastructure frees the node network after the Worker is gone.
		_, err := admin.ReleaseCluster(ctx, identity)
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.LeftoversForCluster(clusterTag()).Empty()).To(BeTrue(), sim.LeftoversForCluster(clusterTag()).String())
		for _, size := range []string{metalapi.MachineSizeID, metalapi.SmallMachineSizeID} {
			Expect(sim.FreeMachines(metalapi.DefaultPartitionID, size)).To(Equal(metalapi.DefaultSeed().Partitions[0].FreeMachines[size]))
		}
	})
})
