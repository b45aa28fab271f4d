// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"fmt"
	"net/netip"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var (
	ipv4      = gardencorev1beta1.IPFamilyIPv4
	ipv6      = gardencorev1beta1.IPFamilyIPv6
	dualStack = []gardencorev1beta1.IPFamily{ipv4, ipv6}
)

// prefixLengths returns the lengths of CIDRs as "/n".
func prefixLengths(cidrs []string) []string {
	var out []string
	for _, c := range cidrs {
		out = append(out, fmt.Sprintf("/%d", netip.MustParsePrefix(c).Bits()))
	}
	return out
}

// familiesOf returns the families of CIDRs in order.
func familiesOf(cidrs []string) []gardencorev1beta1.IPFamily {
	var out []gardencorev1beta1.IPFamily
	for _, c := range cidrs {
		out = append(out, gardencorev1beta1.IPFamily(metal.FamilyOf(netip.MustParsePrefix(c))))
	}
	return out
}

var _ = Describe("Reconcile", func() {
	AfterEach(func() { sim.ClearFaults() })

	DescribeTable("allocates one node prefix per IP family of the shoot, reports it and reconciles again without writes",
		func(ctx SpecContext, families []gardencorev1beta1.IPFamily, configure func(*shootOptions), wantLengths []string) {
			opts := shootOptions{Families: families}
			if configure != nil {
				configure(&opts)
			}
			s := createShoot(ctx, opts)
			infra := s.waitReady(ctx)

			By("reporting the node network of the simulator")
			networks := nodeNetworks(s.Cluster.ID)
			Expect(networks).To(HaveLen(1))
			n := networks[0]
			Expect(n.Parent).To(Equal(metalapi.PrivateSuperNetworkID))
			Expect(n.Labels).To(Equal(s.Cluster.NodeNetworkLabels()))
			Expect(n.Prefixes).To(HaveLen(len(families)), "one prefix per family of the shoot, none of other families")

			status := providerStatus(infra)
			Expect(status.NodeNetwork).NotTo(BeNil())
			Expect(status.NodeNetwork.ID).To(Equal(n.ID))
			Expect(status.NodeNetwork.AllocatedByExtension).To(BeTrue())
			Expect(status.NodeNetwork.Prefixes).To(ConsistOf(n.Prefixes))
			Expect(familiesOf(status.NodeNetwork.Prefixes)).To(Equal(families), "in the shoot's family order")
			Expect(prefixLengths(status.NodeNetwork.Prefixes)).To(Equal(wantLengths))
			Expect(infra.Status.Networking).NotTo(BeNil())
			Expect(infra.Status.Networking.Nodes).To(Equal(status.NodeNetwork.Prefixes))
			Expect(infra.Status.NodesCIDR).To(HaveValue(Equal(status.NodeNetwork.Prefixes[0])))
			Expect(string(infra.Status.ProviderStatus.Raw)).To(And(
				ContainSubstring(`"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1"`),
				ContainSubstring(`"kind":"InfrastructureStatus"`),
			))

			By("reconciling again with the operation annotation: no metal-api write, the same status")
			mark := sim.Mark()
			again := s.reconcileAgain(ctx, mark)
			calls := sim.CallsSince(mark)
			Expect(calls.Writes()).To(BeEmpty(), calls.String())
			Expect(calls.ByEndpoint()).To(Equal(map[string]int{
				"POST /v1/network/find": 1, // the node network, by its cluster label
				"GET /v1/network/{id}":  1, // the firewall's network
				"POST /v1/ip/find":      1, // the egress IPs, by their cluster tag
			}), "the metal-api is read only as far as correctness needs")
			Expect(again.Status.ProviderStatus.Raw).To(Equal(infra.Status.ProviderStatus.Raw))
			Expect(again.Status.Networking).To(Equal(infra.Status.Networking))
			Expect(again.Status.NodesCIDR).To(Equal(infra.Status.NodesCIDR))
			Expect(again.Status.EgressCIDRs).To(Equal(infra.Status.EgressCIDRs))

			By("deleting: nothing of the shoot is left in the metal-api")
			deleteInfra(ctx, s.Infra)
			Expect(clusterTagged(metalapi.DefaultProjectID, s.Cluster.ID)).To(BeEmpty())
			Expect(sim.State().Networks).NotTo(ContainElement(HaveField("ID", HaveValue(Equal(n.ID)))))
		},
		Entry("dual-stack with the parent's default lengths", dualStack, nil, []string{"/22", "/96"}),
		Entry("IPv4 only", []gardencorev1beta1.IPFamily{ipv4}, nil, []string{"/22"}),
		Entry("IPv6 only", []gardencorev1beta1.IPFamily{ipv6}, nil, []string{"/96"}),
		Entry("custom prefix lengths of the InfrastructureConfig", dualStack, func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.NodeNetwork = &metalv1alpha1.NodeNetwork{PrefixLengths: &metalv1alpha1.NodePrefixLengths{IPv4: new(int32(24)), IPv6: new(int32(80))}}
		}, []string{"/24", "/80"}),
		Entry("IPv6 first with the partition's default lengths and parent of the cloud profile", []gardencorev1beta1.IPFamily{ipv6, ipv4}, func(o *shootOptions) {
			o.CloudProfile = defaultCloudProfileConfig()
			mcp := o.CloudProfile.MetalControlPlanes["simulator"]
			mcp.Partitions[metalapi.DefaultPartitionID] = metalv1alpha1.Partition{
				FirewallTypes: []string{metalapi.FirewallSizeID},
				NodeNetworkDefaults: &metalv1alpha1.NodeNetworkDefaults{
					PrivateSuperNetworks: []string{metalapi.PrivateSuperNetworkID},
					PrefixLengths:        &metalv1alpha1.NodePrefixLengths{IPv4: new(int32(25)), IPv6: new(int32(112))},
				},
			}
		}, []string{"/112", "/25"}),
		Entry("an explicit parent network and one custom length", dualStack, func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.NodeNetwork = &metalv1alpha1.NodeNetwork{
				ParentNetworkID: new(metalapi.PrivateSuperNetworkID),
				PrefixLengths:   &metalv1alpha1.NodePrefixLengths{IPv6: new(int32(104))},
			}
		}, []string{"/22", "/104"}),
	)

	It("uses a node network the shoot owner chose as is and never allocates or frees one", func(ctx SpecContext) {
		mark := sim.Mark()
		s := createShoot(ctx, shootOptions{Families: dualStack, Nodes: new("10.0.200.0/24")})
		infra := s.waitReady(ctx)

		Expect(infra.Status.NodesCIDR).To(HaveValue(Equal("10.0.200.0/24")))
		Expect(infra.Status.Networking.Nodes).To(Equal([]string{"10.0.200.0/24"}))
		status := providerStatus(infra)
		Expect(status.NodeNetwork.Prefixes).To(Equal([]string{"10.0.200.0/24"}))
		Expect(status.NodeNetwork.ID).To(BeEmpty())
		Expect(status.NodeNetwork.AllocatedByExtension).To(BeFalse())
		Expect(nodeNetworks(s.Cluster.ID)).To(BeEmpty())

		deleteInfra(ctx, s.Infra)
		calls := sim.CallsSince(mark)
		Expect(calls.Count("POST", "/v1/network/allocate")).To(BeZero())
		Expect(calls.Count("DELETE", "/v1/network/free/{id}")).To(BeZero())
		Expect(calls.Count("POST", "/v1/network/find")).To(Equal(1), "the deletion looks for labelled networks only")
	})

	It("does not patch the Infrastructure when its status is already current", func(ctx SpecContext) {
		s := createShoot(ctx, shootOptions{Families: dualStack})
		infra := s.waitReady(ctx)

		actuator := infrastructure.NewActuator(env.Client, metal.NewClientCache(metal.DefaultClientConfig()), time.Second)
		mark := sim.Mark()
		Expect(actuator.Reconcile(ctx, logr.Discard(), infra, s.cluster(ctx))).To(Succeed())
		Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
		Expect(s.get(ctx).ResourceVersion).To(Equal(infra.ResourceVersion), "a reconciliation without change writes nothing")
	})

	It("tags the egress IPs, reports them, and untags the ones no longer wanted", func(ctx SpecContext) {
		first := allocateIP(ctx, metal.IPTypeStatic, "team=blue")
		second := allocateIP(ctx, metal.IPTypeStatic)
		cfg := defaultInfrastructureConfig()
		cfg.Firewall.EgressRules = []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{second, first}}}
		s := createShoot(ctx, shootOptions{Config: cfg})
		infra := s.waitReady(ctx)

		egress := metal.EgressTag(s.Cluster.ID)
		Expect(ipTags(first)).To(ConsistOf("team=blue", egress))
		Expect(ipTags(second)).To(ConsistOf(egress))
		Expect(providerStatus(infra).EgressIPs).To(Equal([]string{first, second}), "sorted by address")
		Expect(infra.Status.EgressCIDRs).To(Equal([]string{first + "/32", second + "/32"}))

		By("dropping one IP from the rule")
		cfg.Firewall.EgressRules[0].IPs = []string{second}
		infra = s.get(ctx)
		patch := client.MergeFrom(infra.DeepCopy())
		infra.Spec.ProviderConfig.Raw = mustJSON(cfg)
		Expect(env.Client.Patch(ctx, infra, patch)).To(Succeed())
		s.annotate(ctx, "reconcile")
		Eventually(func() []string { return ipTags(first) }).WithTimeout(waitTimeout).Should(Equal([]string{"team=blue"}))
		infra = s.waitReady(ctx)
		Expect(providerStatus(infra).EgressIPs).To(Equal([]string{second}))
		Expect(infra.Status.EgressCIDRs).To(Equal([]string{second + "/32"}))

		deleteInfra(ctx, s.Infra)
		Expect(ipTags(second)).To(BeEmpty(), "the static IP stays, without the egress tag")
		Expect(clusterTagged(metalapi.DefaultProjectID, s.Cluster.ID)).To(BeEmpty())
	})

	Describe("crash consistency", func() {
		It("allocates exactly one node network when the answer of the allocation is lost", func(ctx SpecContext) {
			mark := sim.Mark()
			sim.DropNextResponses("POST", "/v1/network/allocate", 1)
			s := createShoot(ctx, shootOptions{Families: dualStack})
			infra := s.waitReady(ctx)

			calls := sim.CallsSince(mark)
			Expect(calls.Count("POST", "/v1/network/allocate")).To(Equal(1), calls.String())
			Expect(calls).To(ContainElement(And(HaveField("OperationID", "allocateNetwork"), HaveField("Dropped", true))))
			networks := nodeNetworks(s.Cluster.ID)
			Expect(networks).To(HaveLen(1))
			Expect(providerStatus(infra).NodeNetwork.ID).To(Equal(networks[0].ID))
		})

		It("tags an egress IP exactly once when the answer of the tagging is lost", func(ctx SpecContext) {
			ip := allocateIP(ctx, metal.IPTypeStatic, "team=blue")
			cfg := defaultInfrastructureConfig()
			cfg.Firewall.EgressRules = []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{ip}}}
			mark := sim.Mark()
			sim.DropNextResponses("POST", "/v1/ip", 1)
			s := createShoot(ctx, shootOptions{Config: cfg})
			infra := s.waitReady(ctx)

			calls := sim.CallsSince(mark)
			Expect(calls.Count("POST", "/v1/ip")).To(Equal(1), calls.String())
			Expect(calls).To(ContainElement(And(HaveField("OperationID", "updateIP"), HaveField("Dropped", true))))
			Expect(ipTags(ip)).To(ConsistOf("team=blue", metal.EgressTag(s.Cluster.ID)))
			Expect(providerStatus(infra).EgressIPs).To(Equal([]string{ip}))
		})
	})

	It("reconciles Infrastructures of other types not at all", func(ctx SpecContext) {
		mark := sim.Mark()
		s := createShoot(ctx, shootOptions{})
		s.waitReady(ctx)
		other := &extensionsv1alpha1.Infrastructure{}
		other.Name, other.Namespace = "other", s.Namespace
		other.Spec.Type, other.Spec.SecretRef = "aws", s.Infra.Spec.SecretRef
		Expect(env.Client.Create(ctx, other)).To(Succeed())
		DeferCleanup(func(ctx SpecContext) { deleteInfra(ctx, other) })
		Consistently(func() *gardencorev1beta1.LastOperation {
			got := &extensionsv1alpha1.Infrastructure{}
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(other), got)).To(Succeed())
			return got.Status.LastOperation
		}).WithTimeout(500 * time.Millisecond).Should(BeNil())
		Expect(sim.CallsSince(mark).Count("POST", "/v1/network/allocate")).To(Equal(1))
	})
})
