// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"context"
	"net/http"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/firewall"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("MachineLeases against the metal-api simulator", func() {
	var (
		srv     *metalapi.Server
		leases  metal.MachineLeases
		cluster metal.Cluster
		node    *metal.Network
	)

	BeforeEach(func(ctx context.Context) {
		cfg := metalapi.DefaultConfig()
		cfg.Seed.Partitions[0].FreeMachines[metalapi.SmallMachineSizeID] = 1
		srv = startSimulator(cfg)
		c := newClient(srv, metal.HMAC(metalapi.DefaultHMACKey, ""), fastConfig)
		var err error
		leases, err = metal.MachineLeasesOf(c)
		Expect(err).NotTo(HaveOccurred())
		cluster = metal.Cluster{ID: "c0ffee00-0000-4000-8000-000000000001", Name: "shoot--p--machines", ProjectID: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID}
		node, err = c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4, metal.IPv6}})
		Expect(err).NotTo(HaveOccurred())
	})

	allocation := func(name string, tags ...string) metal.MachineAllocation {
		return metal.MachineAllocation{
			Name: name, Hostname: name, PartitionID: metalapi.DefaultPartitionID, SizeID: metalapi.MachineSizeID,
			ImageID: metalapi.MachineImageID, ProjectID: metalapi.DefaultProjectID,
			Networks: []string{node.ID, metalapi.StorageNetworkID}, UserData: "#cloud-config",
			Tags:       append([]string{metal.ClusterTag(cluster.ID), metal.MachineNameTag(name)}, tags...),
			DNSServers: []string{"10.1.0.1"}, NTPServers: []string{"0.ntp.example.com", "1.ntp.example.com", "2.ntp.example.com"},
		}
	}

	It("allocates a machine with one IP per family in every network and the requested tags, DNS and NTP servers", func(ctx context.Context) {
		m, err := leases.AllocateMachine(ctx, allocation("worker-1", "team=a"))
		Expect(err).NotTo(HaveOccurred())
		Expect(m.Name).To(Equal("worker-1"))
		Expect(m.Hostname).To(Equal("worker-1"))
		Expect(m.SizeID).To(Equal(metalapi.MachineSizeID))
		Expect(m.ImageID).To(Equal(metalapi.MachineImageID))
		Expect(m.PartitionID).To(Equal(metalapi.DefaultPartitionID))
		Expect(m.ProjectID).To(Equal(metalapi.DefaultProjectID))
		Expect(m.HasTags(metal.ClusterTag(cluster.ID), metal.MachineNameTag("worker-1"), "team=a")).To(BeTrue())
		Expect(m.Networks).To(HaveLen(2))
		Expect(m.Networks[0].NetworkID).To(Equal(node.ID))
		Expect(m.Networks[0].Private).To(BeTrue())
		Expect(m.Networks[1].NetworkID).To(Equal(metalapi.StorageNetworkID))
		Expect(m.Networks[1].Private).To(BeFalse())
		private := m.PrivateIPs()
		Expect(private).To(HaveLen(2))
		Expect(private[0].Is4()).To(BeTrue(), "IPv4 first")
		Expect(private[1].Is6()).To(BeTrue())
		for _, ip := range private {
			Expect(node.Prefixes[0].Contains(ip) || node.Prefixes[1].Contains(ip)).To(BeTrue())
		}
		Expect(m.Provisioned).To(BeTrue())

		state := srv.ProjectState(metalapi.DefaultProjectID)
		Expect(state.Machines).To(HaveLen(1))
		Expect(state.Machines[0].Allocation.DNSServers).To(HaveLen(1))
		Expect(*state.Machines[0].Allocation.DNSServers[0].IP).To(Equal("10.1.0.1"))
		Expect(state.Machines[0].Allocation.NtpServers).To(HaveLen(3))
		Expect(*state.Machines[0].Allocation.NtpServers[0].Address).To(Equal("0.ntp.example.com"))
		Expect(state.Machines[0].Allocation.UserData).To(Equal("#cloud-config"))
	})

	It("refuses an incomplete allocation without asking the metal-api", func(ctx context.Context) {
		mark := srv.Mark()
		alloc := allocation("worker-1")
		alloc.SizeID, alloc.Networks = "", nil
		_, err := leases.AllocateMachine(ctx, alloc)
		Expect(metal.IsConfiguration(err)).To(BeTrue())
		Expect(err.Error()).To(And(ContainSubstring("size"), ContainSubstring("networks")))
		Expect(srv.CallsSince(mark)).To(BeEmpty())
	})

	It("classifies an exhausted size as no capacity", func(ctx context.Context) {
		alloc := allocation("small-1")
		alloc.SizeID = metalapi.SmallMachineSizeID
		_, err := leases.AllocateMachine(ctx, alloc)
		Expect(err).NotTo(HaveOccurred())
		alloc = allocation("small-2")
		alloc.SizeID = metalapi.SmallMachineSizeID
		_, err = leases.AllocateMachine(ctx, alloc)
		Expect(metal.IsNoCapacity(err)).To(BeTrue(), "%v", err)
		Expect(metal.StatusOf(err)).To(Equal(http.StatusUnprocessableEntity))
		Expect(err.Error()).To(ContainSubstring(metalapi.SmallMachineSizeID))
	})

	It("finds worker machines by project, partition, name and tags, oldest first, without firewalls", func(ctx context.Context) {
		a, err := leases.AllocateMachine(ctx, allocation("worker-a", "pool=a"))
		Expect(err).NotTo(HaveOccurred())
		b, err := leases.AllocateMachine(ctx, allocation("worker-b", "pool=b"))
		Expect(err).NotTo(HaveOccurred())

		// A firewall of the cluster carries the cluster tag too, but is no worker.
		mg, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth(metalapi.DefaultHMACKey, "Metal-Admin"))
		Expect(err).NotTo(HaveOccurred())
		_, err = mg.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(&models.V1FirewallCreateRequest{
			Name: "fw", Partitionid: new(metalapi.DefaultPartitionID), Sizeid: new(metalapi.FirewallSizeID), Imageid: new(metalapi.FirewallImageID),
			Projectid: new(metalapi.DefaultProjectID), Tags: []string{metal.ClusterTag(cluster.ID)},
			Networks: []*models.V1MachineAllocationNetwork{
				{Networkid: new(node.ID), Autoacquire: new(true)}, {Networkid: new(metalapi.InternetNetworkID), Autoacquire: new(true)},
			},
		}), nil)
		Expect(err).NotTo(HaveOccurred())

		all, err := leases.FindMachines(ctx, metal.MachineQuery{ProjectID: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID, Tags: []string{metal.ClusterTag(cluster.ID)}})
		Expect(err).NotTo(HaveOccurred())
		Expect(all).To(HaveLen(2))
		Expect([]string{all[0].ID, all[1].ID}).To(Equal([]string{a.ID, b.ID}))

		byTag, err := leases.FindMachines(ctx, metal.MachineQuery{ProjectID: metalapi.DefaultProjectID, Tags: []string{"pool=b"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(byTag).To(HaveLen(1))
		Expect(byTag[0].ID).To(Equal(b.ID))

		byName, err := leases.FindMachines(ctx, metal.MachineQuery{ProjectID: metalapi.DefaultProjectID, Name: "worker-a"})
		Expect(err).NotTo(HaveOccurred())
		Expect(byName).To(HaveLen(1))
		Expect(byName[0].ID).To(Equal(a.ID))

		other, err := leases.FindMachines(ctx, metal.MachineQuery{ProjectID: metalapi.SecondProjectID})
		Expect(err).NotTo(HaveOccurred())
		Expect(other).To(BeEmpty())

		_, err = leases.FindMachines(ctx, metal.MachineQuery{})
		Expect(metal.IsConfiguration(err)).To(BeTrue())
	})

	It("reads a machine by ID and reports one that does not exist as not found", func(ctx context.Context) {
		m, err := leases.AllocateMachine(ctx, allocation("worker-1"))
		Expect(err).NotTo(HaveOccurred())
		got, err := leases.GetMachine(ctx, m.ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(got).To(Equal(m))
		_, err = leases.GetMachine(ctx, "00000000-0000-0000-0000-000000000000")
		Expect(metal.IsNotFound(err)).To(BeTrue())
	})

	It("frees a machine only while it is allocated with the owner tags", func(ctx context.Context) {
		m, err := leases.AllocateMachine(ctx, allocation("worker-1"))
		Expect(err).NotTo(HaveOccurred())

		freed, err := leases.FreeMachine(ctx, m.ID, metal.ClusterTag("another-cluster"))
		Expect(err).NotTo(HaveOccurred())
		Expect(freed).To(BeFalse(), "a machine of another owner is left alone")
		Expect(srv.LeftoversForCluster(metal.ClusterTag(cluster.ID)).Machines).To(ConsistOf(m.ID))

		freed, err = leases.FreeMachine(ctx, m.ID, metal.ClusterTag(cluster.ID), metal.MachineNameTag("worker-1"))
		Expect(err).NotTo(HaveOccurred())
		Expect(freed).To(BeTrue())
		Expect(srv.LeftoversForCluster(metal.ClusterTag(cluster.ID)).Machines).To(BeEmpty())

		mark := srv.Mark()
		freed, err = leases.FreeMachine(ctx, m.ID, metal.ClusterTag(cluster.ID))
		Expect(err).NotTo(HaveOccurred())
		Expect(freed).To(BeFalse(), "a free machine needs no second free")
		Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

		freed, err = leases.FreeMachine(ctx, "00000000-0000-0000-0000-000000000000")
		Expect(err).NotTo(HaveOccurred())
		Expect(freed).To(BeFalse())
	})

	It("classifies a metal-api that fails as retriable", func(ctx context.Context) {
		srv.FailNext(http.MethodPost, "/v1/machine/find", 1, http.StatusServiceUnavailable)
		_, err := leases.FindMachines(ctx, metal.MachineQuery{ProjectID: metalapi.DefaultProjectID})
		Expect(metal.IsRetriable(err)).To(BeTrue())
	})
})

var _ = Describe("MachineLeasesOf", func() {
	It("refuses a client that is not this package's", func() {
		_, err := metal.MachineLeasesOf(foreignClient{})
		Expect(err).To(MatchError(ContainSubstring("cannot lease machines")))
	})
})

// foreignClient is a Client of another package; it cannot lease machines.
type foreignClient struct{ metal.Client }
