// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// withEgress allocates a static IP and returns the options of a dual-stack shoot that uses it as egress IP.
func withEgress(ctx SpecContext) (shootOptions, string) {
	egress := allocateIP(ctx, metal.IPTypeStatic, "owner=team-a")
	cfg := defaultInfrastructureConfig()
	cfg.Firewall.EgressRules = []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{egress}}}
	return shootOptions{Families: dualStack, Config: cfg}, egress
}

var _ = Describe("Delete", func() {
	AfterEach(func() { sim.ClearFaults() })

	It("leaves nothing tagged for the shoot and a second shoot of the project byte-for-byte unchanged", func(ctx SpecContext) {
		optsA, egressA := withEgress(ctx)
		a := createShoot(ctx, optsA)
		optsB, egressB := withEgress(ctx)
		b := createShoot(ctx, optsB)
		a.waitReady(ctx)
		b.waitReady(ctx)
		lbA := allocateIP(ctx, metal.IPTypeEphemeral, metal.ServiceTag(a.Cluster.ID, "default", "web"))
		lbB := allocateIP(ctx, metal.IPTypeEphemeral, metal.ServiceTag(b.Cluster.ID, "default", "web"))
		Expect(a.Cluster.ProjectID).To(Equal(b.Cluster.ProjectID))

		before := clusterObjects(metalapi.DefaultProjectID, b.Cluster.ID)
		networkB := nodeNetworks(b.Cluster.ID)[0].ID
		mark := sim.Mark()

		deleteInfra(ctx, a.Infra)

		Expect(clusterTagged(metalapi.DefaultProjectID, a.Cluster.ID)).To(BeEmpty(), "nothing carries a tag of the deleted shoot")
		Expect(ipTags(egressA)).To(Equal([]string{"owner=team-a"}), "the static egress IP stays, with its other tags")
		Expect(ipExists(lbA)).To(BeFalse(), "the load-balancer IP is freed")
		Expect(clusterObjects(metalapi.DefaultProjectID, b.Cluster.ID)).To(Equal(before), "the other shoot's network and IPs are unchanged")

		for _, call := range sim.CallsSince(mark).Writes() {
			for _, other := range []string{networkB, egressB, lbB} {
				Expect(call.Path).NotTo(ContainSubstring(other), "no write touches the other shoot")
			}
		}
	})

	It("waits until no machine uses the node network, naming the machines", func(ctx SpecContext) {
		s := createShoot(ctx, shootOptions{Families: dualStack})
		infra := s.waitReady(ctx)
		networkID := providerStatus(infra).NodeNetwork.ID
		worker := allocateWorker(ctx, networkID)

		Expect(env.Client.Delete(ctx, s.Infra)).To(Succeed())
		lastErr := s.waitLastError(ctx, "releasing the metal-api objects", "node network", networkID, "still used by machines ["+worker+"]")
		Expect(lastErr.Codes).To(ContainElement(gardencorev1beta1.ErrorRetryableInfraDependencies))
		Consistently(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(s.Infra), &extensionsv1alpha1.Infrastructure{})
		}).WithTimeout(time.Second).Should(Succeed(), "the Infrastructure stays while the network is used")
		Expect(nodeNetworks(s.Cluster.ID)).To(HaveLen(1))

		freeMachine(ctx, worker)
		deleteInfra(ctx, s.Infra)
		Expect(nodeNetworks(s.Cluster.ID)).To(BeEmpty())
		Expect(clusterTagged(metalapi.DefaultProjectID, s.Cluster.ID)).To(BeEmpty())
	})

	It("retries failed frees until they succeed", func(ctx SpecContext) {
		s := createShoot(ctx, shootOptions{Families: dualStack})
		s.waitReady(ctx)
		allocateIP(ctx, metal.IPTypeEphemeral, metal.ServiceTag(s.Cluster.ID, "kube-system", "ingress"))
		fault := sim.InjectFault(metalapi.Fault{Method: "DELETE", Path: "/v1/ip/free/{id}", Status: 502})

		Expect(env.Client.Delete(ctx, s.Infra)).To(Succeed())
		s.waitLastError(ctx, "freeing load-balancer IP", "freeIP", "502 Bad Gateway")
		sim.RemoveFault(fault)
		deleteInfra(ctx, s.Infra)
		Expect(clusterTagged(metalapi.DefaultProjectID, s.Cluster.ID)).To(BeEmpty())
	})
})

var _ = Describe("Migrate, Restore and ForceDelete", func() {
	It("migrates without touching the metal-api and restores on a new seed without allocating", func(ctx SpecContext) {
		opts, egress := withEgress(ctx)
		s := createShoot(ctx, opts)
		infra := s.waitReady(ctx)
		before := providerStatus(infra)
		objects := clusterObjects(metalapi.DefaultProjectID, s.Cluster.ID)

		By("migrating: no metal-api call at all")
		mark := sim.Mark()
		s.annotate(ctx, v1beta1constants.GardenerOperationMigrate)
		Eventually(func(g Gomega) {
			got := s.get(ctx)
			g.Expect(got.Status.LastOperation).To(HaveField("Type", gardencorev1beta1.LastOperationTypeMigrate))
			g.Expect(got.Status.LastOperation).To(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded))
			g.Expect(got.Finalizers).To(BeEmpty())
			g.Expect(got.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		}).WithTimeout(waitTimeout).WithPolling(pollInterval).Should(Succeed())
		Expect(sim.CallsSince(mark)).To(BeEmpty())
		Expect(clusterObjects(metalapi.DefaultProjectID, s.Cluster.ID)).To(Equal(objects))

		By("the old seed dropping its Infrastructure without a finalizer: nothing is freed")
		deleteInfra(ctx, s.Infra)
		Expect(clusterObjects(metalapi.DefaultProjectID, s.Cluster.ID)).To(Equal(objects))

		By("restoring on the new seed: the same node network and egress IP, no metal-api write")
		restored := &extensionsv1alpha1.Infrastructure{
			ObjectMeta: metav1.ObjectMeta{
				Name: s.Name, Namespace: s.Namespace,
				Annotations: map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationRestore},
			},
			Spec: s.Infra.Spec,
		}
		Expect(env.Client.Create(ctx, restored)).To(Succeed())
		infra = s.waitReady(ctx)
		// The restore runs; a reconciliation may follow it (the update event of its own status while the restore
		// annotation was still set), so the last operation is Restore or Reconcile.
		Eventually(logs.String).Should(ContainSubstring(`"msg":"Successfully restored Infrastructure","controller":"infrastructure","namespace":"` + s.Namespace + `"`))
		Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
		Expect(providerStatus(infra)).To(Equal(before))
		Expect(providerStatus(infra).EgressIPs).To(Equal([]string{egress}))
		Expect(clusterObjects(metalapi.DefaultProjectID, s.Cluster.ID)).To(Equal(objects))
	})

	It("force-deletes without waiting: frees what it can and leaves the used node network tagged for the operator", func(ctx SpecContext) {
		opts, egress := withEgress(ctx)
		s := createShoot(ctx, opts)
		infra := s.waitReady(ctx)
		networkID := providerStatus(infra).NodeNetwork.ID
		lb := allocateIP(ctx, metal.IPTypeEphemeral, metal.ServiceTag(s.Cluster.ID, "default", "web"))
		worker := allocateWorker(ctx, networkID)

		By("confirming the force deletion on the shoot")
		s.Shoot.Annotations = map[string]string{v1beta1constants.AnnotationConfirmationForceDeletion: "true"}
		Expect(testenv.UpdateClusterShoot(ctx, env.Client, s.Shoot)).To(Succeed())

		deleteInfra(ctx, s.Infra)
		Expect(ipExists(lb)).To(BeFalse(), "the load-balancer IP is freed")
		Expect(ipTags(egress)).To(Equal([]string{"owner=team-a"}), "the egress IP is untagged")
		Expect(nodeNetworks(s.Cluster.ID)).To(ConsistOf(HaveField("ID", networkID)), "the used node network stays with its cluster label")
		Expect(strings.Join(clusterTagged(metalapi.DefaultProjectID, s.Cluster.ID), " ")).To(ContainSubstring(networkID))

		By("cleaning up what the operator would")
		freeMachine(ctx, worker)
		Expect(metalClient().FreeNetwork(ctx, networkID)).To(Succeed())
	})
})
