// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"time"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/firewall"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// fastConfig is a client configuration that never makes a test wait for the rate limit.
var fastConfig = metal.ClientConfig{RequestTimeout: 5 * time.Second, QPS: 1000, Burst: 1000}

func newClient(srv *metalapi.Server, creds metal.Credentials, cfg metal.ClientConfig) metal.Client {
	GinkgoHelper()
	c, err := metal.NewClient(srv.URL(), creds, cfg)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// labelled returns the IDs of the simulator's networks labelled with the cluster's ID.
func labelled(srv *metalapi.Server, clusterID string) []string {
	return srv.LeftoversForCluster(metal.ClusterTag(clusterID)).Networks
}

// snapshotJSON renders what a project holds, for byte-for-byte comparisons.
func snapshotJSON(s metalapi.Snapshot) string {
	GinkgoHelper()
	data, err := json.Marshal(s)
	Expect(err).NotTo(HaveOccurred())
	return string(data)
}

var _ = Describe("Client against the metal-api simulator", func() {
	var (
		srv     *metalapi.Server
		c       metal.Client
		admin   metalgo.Client
		cluster metal.Cluster
	)

	BeforeEach(func() {
		srv = startSimulator(metalapi.DefaultConfig())
		c = newClient(srv, metal.HMAC(metalapi.DefaultHMACKey, ""), fastConfig)
		var err error
		admin, err = metalgo.NewClient(srv.URL(), metalgo.BearerToken(metalapi.DefaultToken))
		Expect(err).NotTo(HaveOccurred())
		cluster = metal.Cluster{ID: "4f9d7c5e-0000-4000-8000-000000000001", Name: "shoot--dev--a", ProjectID: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID}
	})

	allocateMachine := func(networkID string, asFirewall bool) string {
		GinkgoHelper()
		req := &models.V1MachineAllocateRequest{
			Name: "m", Hostname: "m", Imageid: new(metalapi.MachineImageID), Partitionid: new(metalapi.DefaultPartitionID),
			Projectid: new(metalapi.DefaultProjectID), Sizeid: new(metalapi.SmallMachineSizeID), SSHPubKeys: []string{},
			Networks: []*models.V1MachineAllocationNetwork{{Networkid: new(networkID), Autoacquire: new(true)}},
		}
		if asFirewall {
			req.Imageid, req.Sizeid = new(metalapi.FirewallImageID), new(metalapi.FirewallSizeID)
			req.Networks = append(req.Networks, &models.V1MachineAllocationNetwork{Networkid: new(metalapi.InternetNetworkID), Autoacquire: new(true)})
			fwReq := &models.V1FirewallCreateRequest{
				Name: req.Name, Hostname: req.Hostname, Imageid: req.Imageid, Partitionid: req.Partitionid, Projectid: req.Projectid,
				Sizeid: req.Sizeid, SSHPubKeys: req.SSHPubKeys, Networks: req.Networks,
			}
			fw, err := admin.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(fwReq), nil)
			Expect(err).NotTo(HaveOccurred())
			return *fw.Payload.ID
		}
		m, err := admin.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(req), nil)
		Expect(err).NotTo(HaveOccurred())
		return *m.Payload.ID
	}
	freeMachine := func(id string) {
		GinkgoHelper()
		_, err := admin.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(id), nil)
		Expect(err).NotTo(HaveOccurred())
	}

	Describe("EnsureNodeNetwork", func() {
		DescribeTable("allocates one prefix per family of the shoot with the chosen lengths, labelled with the cluster",
			func(ctx context.Context, families []metal.IPFamily, lengths map[metal.IPFamily]int, want []string) {
				n, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: families, PrefixLengths: lengths})
				Expect(err).NotTo(HaveOccurred())
				var got []string
				for _, p := range n.Prefixes {
					got = append(got, fmt.Sprintf("/%d", p.Bits()))
				}
				Expect(got).To(ConsistOf(want))
				Expect(n.ParentNetworkID).To(Equal(metalapi.PrivateSuperNetworkID))
				Expect(n.Labels).To(Equal(cluster.NodeNetworkLabels()))
				Expect(n.Name).To(Equal(cluster.Name))
				Expect(labelled(srv, cluster.ID)).To(Equal([]string{n.ID}))

				By("finding it again without writing")
				mark := srv.Mark()
				again, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: families, PrefixLengths: lengths})
				Expect(err).NotTo(HaveOccurred())
				Expect(again.ID).To(Equal(n.ID))
				Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
				Expect(srv.CallsSince(mark)).To(HaveLen(1), "one search by label")
			},
			Entry("dual-stack with the parent's defaults", []metal.IPFamily{metal.IPv4, metal.IPv6}, nil, []string{"/22", "/96"}),
			Entry("IPv4 only", []metal.IPFamily{metal.IPv4}, nil, []string{"/22"}),
			Entry("IPv6 only", []metal.IPFamily{metal.IPv6}, nil, []string{"/96"}),
			Entry("custom lengths", []metal.IPFamily{metal.IPv6, metal.IPv4}, map[metal.IPFamily]int{metal.IPv4: 24, metal.IPv6: 80}, []string{"/24", "/80"}),
		)

		It("checks an explicit parent network", func(ctx context.Context) {
			spec := metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}}
			spec.ParentNetworkID = metalapi.InternetNetworkID
			_, err := c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(metal.IsConfiguration(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring(`"internet" is not the private super network of partition "fra-equ01"`))

			spec.ParentNetworkID = "does-not-exist"
			_, err = c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(metal.IsConfiguration(err)).To(BeTrue())

			spec.ParentNetworkID, spec.AllowedParentNetworkIDs = metalapi.PrivateSuperNetworkID, []string{"other-super"}
			_, err = c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).To(MatchError(ContainSubstring("is not one of the private super networks")))

			spec.ParentNetworkID = ""
			_, err = c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).To(MatchError(ContainSubstring("is none of the cloud profile's (other-super)")))

			spec.AllowedParentNetworkIDs = []string{metalapi.PrivateSuperNetworkID}
			_, err = c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).NotTo(HaveOccurred())
		})

		It("allocates exactly one network when the answer of the allocation is lost", func(ctx context.Context) {
			srv.DropNextResponses("POST", "/v1/network/allocate", 1)
			spec := metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4, metal.IPv6}}
			_, err := c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).To(HaveOccurred())
			Expect(metal.IsRetriable(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring("allocateNetwork"))

			n, err := c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).NotTo(HaveOccurred())
			Expect(labelled(srv, cluster.ID)).To(Equal([]string{n.ID}))
			Expect(srv.AllCalls().Count("POST", "/v1/network/allocate")).To(Equal(1))
		})

		It("keeps one of duplicates (the preferred one) and frees the others", func(ctx context.Context) {
			spec := metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}}
			// Both searches run before either allocation: two networks for one cluster.
			latency := srv.AddLatency("POST", "/v1/network/allocate", 300*time.Millisecond)
			var wg sync.WaitGroup
			ids := make([]string, 2)
			for i := range ids {
				wg.Go(func() {
					defer GinkgoRecover()
					n, err := c.EnsureNodeNetwork(ctx, cluster, spec)
					Expect(err).NotTo(HaveOccurred())
					ids[i] = n.ID
				})
			}
			wg.Wait()
			srv.RemoveFault(latency)
			Expect(labelled(srv, cluster.ID)).To(HaveLen(2))

			spec.PreferredID = ids[1]
			n, err := c.EnsureNodeNetwork(ctx, cluster, spec)
			Expect(err).NotTo(HaveOccurred())
			Expect(n.ID).To(Equal(ids[1]))
			Expect(labelled(srv, cluster.ID)).To(Equal([]string{ids[1]}))
		})

		It("refuses an existing network that lacks a family of the shoot", func(ctx context.Context) {
			_, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}})
			Expect(err).NotTo(HaveOccurred())
			_, err = c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4, metal.IPv6}})
			Expect(metal.IsConfiguration(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring("has no IPv6 prefix"))
		})

		It("reports a full super network as no capacity", func(ctx context.Context) {
			_, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{
				Families: []metal.IPFamily{metal.IPv4}, PrefixLengths: map[metal.IPFamily]int{metal.IPv4: 17},
			})
			Expect(err).NotTo(HaveOccurred())
			other := cluster
			other.ID, other.Name = "4f9d7c5e-0000-4000-8000-000000000002", "shoot--dev--b"
			_, err = c.EnsureNodeNetwork(ctx, other, metal.NodeNetworkSpec{
				Families: []metal.IPFamily{metal.IPv4}, PrefixLengths: map[metal.IPFamily]int{metal.IPv4: 16 + 1},
			})
			Expect(err).NotTo(HaveOccurred())
			third := cluster
			third.ID, third.Name = "4f9d7c5e-0000-4000-8000-000000000003", "shoot--dev--c"
			_, err = c.EnsureNodeNetwork(ctx, third, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}})
			Expect(metal.Classify(err)).To(Equal(metal.ClassNoCapacity), "%v", err)
		})
	})

	Describe("GetNetworks and PrivateSuperNetwork", func() {
		It("reads named networks one by one and names a missing one", func(ctx context.Context) {
			mark := srv.Mark()
			networks, err := c.GetNetworks(ctx, []string{metalapi.InternetNetworkID, metalapi.StorageNetworkID})
			Expect(err).NotTo(HaveOccurred())
			Expect(networks).To(HaveLen(2))
			Expect(networks[0].NAT).To(BeTrue())
			Expect(srv.CallsSince(mark).Count("GET", "/v1/network/{id}")).To(Equal(2))
			Expect(srv.CallsSince(mark).Count("GET", "/v1/network")).To(BeZero(), "never a list of all networks")

			_, err = c.GetNetworks(ctx, []string{metalapi.InternetNetworkID, "nope"})
			Expect(metal.IsNotFound(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring(`"nope"`))
		})

		It("finds the partition's only private super network", func(ctx context.Context) {
			n, err := c.PrivateSuperNetwork(ctx, metalapi.DefaultPartitionID, "")
			Expect(err).NotTo(HaveOccurred())
			Expect(n.ID).To(Equal(metalapi.PrivateSuperNetworkID))
			Expect(n.DefaultChildPrefixLengths).To(Equal(map[metal.IPFamily]int{metal.IPv4: 22, metal.IPv6: 96}))

			_, err = c.PrivateSuperNetwork(ctx, "nowhere", "")
			Expect(err).To(MatchError(ContainSubstring(`partition "nowhere" has no private super network`)))
		})
	})

	Describe("IPs", func() {
		var egressIP *metal.IP
		BeforeEach(func(ctx context.Context) {
			var err error
			egressIP, err = c.AllocateIP(ctx, metal.IPAllocation{
				NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Type: metal.IPTypeStatic, Name: "egress", Tags: []string{"team=blue"},
			})
			Expect(err).NotTo(HaveOccurred())
		})

		It("tags desired egress IPs and untags them again, touching only the egress tag", func(ctx context.Context) {
			desired := []metal.EgressIP{{Address: egressIP.Address.String(), NetworkID: metalapi.InternetNetworkID}}
			ips, err := c.ReconcileEgressIPs(ctx, cluster, desired)
			Expect(err).NotTo(HaveOccurred())
			Expect(ips).To(HaveLen(1))
			got, err := c.GetIP(ctx, egressIP.Address.String())
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(ConsistOf("team=blue", metal.EgressTag(cluster.ID)))
			Expect(got.Name).To(Equal("egress"))
			Expect(got.Type).To(Equal(metal.IPTypeStatic))

			mark := srv.Mark()
			_, err = c.ReconcileEgressIPs(ctx, cluster, desired)
			Expect(err).NotTo(HaveOccurred())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			Expect(srv.CallsSince(mark)).To(HaveLen(1), "one search by the egress tag")

			_, err = c.ReconcileEgressIPs(ctx, cluster, nil)
			Expect(err).NotTo(HaveOccurred())
			got, err = c.GetIP(ctx, egressIP.Address.String())
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(Equal([]string{"team=blue"}))
		})

		It("tags exactly once when the answer of the tagging is lost", func(ctx context.Context) {
			srv.DropNextResponses("POST", "/v1/ip", 1)
			desired := []metal.EgressIP{{Address: egressIP.Address.String(), NetworkID: metalapi.InternetNetworkID}}
			_, err := c.ReconcileEgressIPs(ctx, cluster, desired)
			Expect(metal.IsRetriable(err)).To(BeTrue(), "%v", err)
			_, err = c.ReconcileEgressIPs(ctx, cluster, desired)
			Expect(err).NotTo(HaveOccurred())
			got, err := c.GetIP(ctx, egressIP.Address.String())
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(ConsistOf("team=blue", metal.EgressTag(cluster.ID)))
			Expect(srv.AllCalls().Count("POST", "/v1/ip")).To(Equal(1))
		})

		It("refuses IPs that cannot be egress IPs of the cluster", func(ctx context.Context) {
			ephemeral, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID})
			Expect(err).NotTo(HaveOccurred())
			foreign, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: metalapi.SecondProjectID, Type: metal.IPTypeStatic})
			Expect(err).NotTo(HaveOccurred())
			taken, err := c.AllocateIP(ctx, metal.IPAllocation{
				NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Type: metal.IPTypeStatic, Tags: []string{metal.EgressTag("other-cluster")},
			})
			Expect(err).NotTo(HaveOccurred())

			for _, tc := range []struct {
				egress  metal.EgressIP
				mention string
			}{
				{metal.EgressIP{Address: ephemeral.Address.String(), NetworkID: metalapi.InternetNetworkID}, "is ephemeral"},
				{metal.EgressIP{Address: foreign.Address.String(), NetworkID: metalapi.InternetNetworkID}, "belongs to project"},
				{metal.EgressIP{Address: taken.Address.String(), NetworkID: metalapi.InternetNetworkID}, `already the egress IP of cluster "other-cluster"`},
				{metal.EgressIP{Address: egressIP.Address.String(), NetworkID: metalapi.StorageNetworkID}, "not in network \"storage-fra-equ01\""},
				{metal.EgressIP{Address: "203.0.113.250", NetworkID: metalapi.InternetNetworkID}, "does not exist"},
				{metal.EgressIP{Address: "not-an-ip", NetworkID: metalapi.InternetNetworkID}, "no IP address"},
			} {
				mark := srv.Mark()
				_, err := c.ReconcileEgressIPs(ctx, cluster, []metal.EgressIP{tc.egress})
				Expect(metal.IsConfiguration(err)).To(BeTrue(), "%s: %v", tc.mention, err)
				Expect(err.Error()).To(ContainSubstring(tc.mention))
				Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			}
		})

		It("allocates specific addresses and frees idempotently", func(ctx context.Context) {
			ip, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Address: "203.0.113.77", Family: ""})
			Expect(err).NotTo(HaveOccurred())
			Expect(ip.Address).To(Equal(netip.MustParseAddr("203.0.113.77")))
			Expect(ip.Type).To(Equal(metal.IPTypeEphemeral))
			Expect(c.FreeIP(ctx, "203.0.113.77")).To(Succeed())
			Expect(c.FreeIP(ctx, "203.0.113.77")).To(Succeed())
			_, err = c.GetIP(ctx, "203.0.113.77")
			Expect(metal.IsNotFound(err)).To(BeTrue())
			_, err = c.FindIPs(ctx, metal.IPQuery{})
			Expect(err).To(MatchError(ContainSubstring("needs a project")))
		})
	})

	Describe("ReleaseCluster", func() {
		It("frees and untags what the cluster holds and leaves other clusters byte-for-byte alone", func(ctx context.Context) {
			other := cluster
			other.ID, other.Name = "4f9d7c5e-0000-4000-8000-0000000000ff", "shoot--dev--other"
			families := []metal.IPFamily{metal.IPv4, metal.IPv6}
			ours, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: families})
			Expect(err).NotTo(HaveOccurred())
			theirs, err := c.EnsureNodeNetwork(ctx, other, metal.NodeNetworkSpec{Families: families})
			Expect(err).NotTo(HaveOccurred())

			alloc := func(typ metal.IPType, tags ...string) string {
				ip, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Type: typ, Tags: tags})
				Expect(err).NotTo(HaveOccurred())
				return ip.Address.String()
			}
			lb := alloc(metal.IPTypeEphemeral, metal.ServiceTag(cluster.ID, "default", "web"))
			clusterTagged := alloc(metal.IPTypeEphemeral, metal.ClusterTag(cluster.ID))
			staticLB := alloc(metal.IPTypeStatic, metal.ServiceTag(cluster.ID, "default", "api"), "team=blue")
			shared := alloc(metal.IPTypeEphemeral, metal.ServiceTag(cluster.ID, "default", "web"), metal.ServiceTag(other.ID, "default", "web"))
			egress := alloc(metal.IPTypeStatic, metal.EgressTag(cluster.ID))
			theirLB := alloc(metal.IPTypeEphemeral, metal.ServiceTag(other.ID, "default", "web"))
			theirEgress := alloc(metal.IPTypeStatic, metal.EgressTag(other.ID))
			prefixCollision := alloc(metal.IPTypeEphemeral, metal.ServiceTag(cluster.ID[:8], "default", "x"))
			untagged := alloc(metal.IPTypeEphemeral)

			otherState := func() string {
				st := srv.ProjectState(cluster.ProjectID)
				keep := func(tags []string) bool {
					return slices.ContainsFunc(tags, func(t string) bool { return metal.IsClusterTag(t, other.ID) })
				}
				var out metalapi.Snapshot
				for _, n := range st.Networks {
					if *n.ID == theirs.ID {
						out.Networks = append(out.Networks, n)
					}
				}
				for _, ip := range st.IPs {
					if (keep(ip.Tags) && *ip.Ipaddress != shared) || *ip.Ipaddress == prefixCollision || *ip.Ipaddress == untagged {
						out.IPs = append(out.IPs, ip)
					}
				}
				return snapshotJSON(out)
			}
			before := otherState()

			released, err := c.ReleaseCluster(ctx, cluster)
			Expect(err).NotTo(HaveOccurred())
			Expect(released.FreedIPs).To(ConsistOf(lb, clusterTagged))
			Expect(released.UntaggedIPs).To(ConsistOf(staticLB, shared))
			Expect(released.FreedNetworks).To(Equal([]string{ours.ID}))

			Expect(otherState()).To(Equal(before), "the other cluster's own network and IPs are unchanged, byte for byte")
			for _, addr := range []string{lb, clusterTagged} {
				_, err := c.GetIP(ctx, addr)
				Expect(metal.IsNotFound(err)).To(BeTrue())
			}
			got, err := c.GetIP(ctx, staticLB)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(Equal([]string{"team=blue"}))
			got, err = c.GetIP(ctx, shared)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(Equal([]string{metal.ServiceTag(other.ID, "default", "web")}))
			got, err = c.GetIP(ctx, egress)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Tags).To(BeEmpty())
			for _, t := range []string{metal.ClusterTag(cluster.ID), metal.EgressTag(cluster.ID)} {
				Expect(srv.LeftoversForCluster(t).Empty()).To(BeTrue(), srv.LeftoversForCluster(t).String())
			}
			Expect(theirLB).NotTo(BeEmpty())
			Expect(theirEgress).NotTo(BeEmpty())

			By("doing nothing the second time")
			mark := srv.Mark()
			released, err = c.ReleaseCluster(ctx, cluster)
			Expect(err).NotTo(HaveOccurred())
			Expect(released).To(Equal(metal.Released{}))
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
		})

		It("waits for machines and firewalls to leave the node network", func(ctx context.Context) {
			n, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}})
			Expect(err).NotTo(HaveOccurred())
			worker := allocateMachine(n.ID, false)
			fw := allocateMachine(n.ID, true)

			users, err := c.NetworkUsers(ctx, cluster.ProjectID, n.ID)
			Expect(err).NotTo(HaveOccurred())
			Expect(users).To(Equal(metal.NetworkUsers{Machines: []string{worker}, Firewalls: []string{fw}}))

			_, err = c.ReleaseCluster(ctx, cluster)
			Expect(metal.IsInUse(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring("machines [" + worker + "]"))
			Expect(err.Error()).To(ContainSubstring("firewalls [" + fw + "]"))
			Expect(labelled(srv, cluster.ID)).To(Equal([]string{n.ID}))

			freeMachine(worker)
			freeMachine(fw)
			released, err := c.ReleaseCluster(ctx, cluster)
			Expect(err).NotTo(HaveOccurred())
			Expect(released.FreedNetworks).To(Equal([]string{n.ID}))
		})
	})

	Describe("transport", func() {
		It("authenticates with a bearer token and with HMAC, and reports wrong credentials as configuration errors", func(ctx context.Context) {
			_, err := newClient(srv, metal.BearerToken(metalapi.DefaultToken), fastConfig).GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(err).NotTo(HaveOccurred())
			_, err = c.GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(err).NotTo(HaveOccurred())

			_, err = newClient(srv, metal.HMAC("wrong-key-value", ""), fastConfig).GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(metal.IsConfiguration(err)).To(BeTrue(), "%v", err)
			Expect(metal.StatusOf(err)).To(Equal(401))
			Expect(err.Error()).NotTo(ContainSubstring("wrong-key-value"))
		})

		It("bounds every request with the request timeout", func(ctx context.Context) {
			slow := newClient(srv, metal.HMAC(metalapi.DefaultHMACKey, ""), metal.ClientConfig{RequestTimeout: 200 * time.Millisecond, QPS: 100, Burst: 100})
			srv.AddLatency("GET", "/v1/network/{id}", 2*time.Second)
			start := time.Now()
			_, err := slow.GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(time.Since(start)).To(BeNumerically("<", time.Second))
			Expect(metal.IsRetriable(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring("findNetwork"))
			Expect(err.Error()).To(ContainSubstring("timed out"))
		})

		It("waits for the client-side rate limit", func(ctx context.Context) {
			limited := newClient(srv, metal.HMAC(metalapi.DefaultHMACKey, ""), metal.ClientConfig{RequestTimeout: time.Second, QPS: 10, Burst: 1})
			start := time.Now()
			for range 6 {
				_, err := limited.GetNetwork(ctx, metalapi.InternetNetworkID)
				Expect(err).NotTo(HaveOccurred())
			}
			Expect(time.Since(start)).To(BeNumerically(">=", 450*time.Millisecond), "5 waits of 100ms after the burst of 1")

			canceled, cancel := context.WithCancel(ctx)
			cancel()
			_, err := limited.GetNetwork(canceled, metalapi.InternetNetworkID)
			Expect(err).To(HaveOccurred())
		})

		It("surfaces 5xx and 409 answers with the operation and recovers when they stop", func(ctx context.Context) {
			srv.FailNext("GET", "/v1/network/{id}", 1, 503)
			srv.FailNext("POST", "/v1/ip/find", 1, 409)
			_, err := c.GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(metal.IsRetriable(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring("metal-api findNetwork failed with 503 Service Unavailable"))
			_, err = c.FindIPs(ctx, metal.IPQuery{ProjectID: cluster.ProjectID})
			Expect(metal.IsRetriable(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring("metal-api findIPs failed with 409 Conflict"))

			_, err = c.GetNetwork(ctx, metalapi.InternetNetworkID)
			Expect(err).NotTo(HaveOccurred())
			_, err = c.FindIPs(ctx, metal.IPQuery{ProjectID: cluster.ProjectID})
			Expect(err).NotTo(HaveOccurred())
		})
	})
})
