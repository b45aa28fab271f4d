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

var _ = Describe("Inspector against the metal-api simulator", func() {
	var (
		srv     *metalapi.Server
		c       metal.Client
		inspect metal.Inspector
		cluster metal.Cluster
	)

	BeforeEach(func() {
		srv = startSimulator(metalapi.DefaultConfig())
		c = newClient(srv, metal.HMAC(metalapi.DefaultHMACKey, ""), fastConfig)
		var err error
		inspect, err = metal.InspectorOf(c)
		Expect(err).NotTo(HaveOccurred())
		cluster = metal.Cluster{ID: "c0ffee00-0000-4000-8000-00000000000a", Name: "shoot--p--inspect", ProjectID: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID}
	})

	It("names exactly the prerequisites that do not exist, looking each up by its ID", func(ctx context.Context) {
		mark := srv.Mark()
		missing, err := inspect.MissingObjects(ctx, metal.Prerequisites{
			Projects:   []string{metalapi.DefaultProjectID, "00000000-0000-4000-8000-00000000dead"},
			Partitions: []string{metalapi.DefaultPartitionID, "nowhere"},
			Sizes:      []string{metalapi.MachineSizeID, "x9-huge"},
			Images:     []string{metalapi.MachineImageID, metalapi.FirewallImageID, "windows-95"},
			Networks:   []string{metalapi.InternetNetworkID, metalapi.StorageNetworkID, "no-such-network"},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(missing).To(Equal([]string{"project 00000000-0000-4000-8000-00000000dead", "partition nowhere", "size x9-huge", "image windows-95", "network no-such-network"}))
		calls := srv.CallsSince(mark)
		Expect(calls).To(HaveLen(12), "one lookup per ID")
		Expect(calls.Writes()).To(BeEmpty())

		missing, err = inspect.MissingObjects(ctx, metal.Prerequisites{Partitions: []string{metalapi.DefaultPartitionID}, Sizes: []string{metalapi.FirewallSizeID}})
		Expect(err).NotTo(HaveOccurred())
		Expect(missing).To(BeEmpty())
	})

	It("reports a failing lookup as an error, not as a missing object", func(ctx context.Context) {
		srv.FailNext(http.MethodGet, "/v1/size/{id}", 1, http.StatusServiceUnavailable)
		missing, err := inspect.MissingObjects(ctx, metal.Prerequisites{Sizes: []string{metalapi.MachineSizeID}})
		Expect(err).To(MatchError(ContainSubstring(metalapi.MachineSizeID)))
		Expect(metal.IsRetriable(err)).To(BeTrue())
		Expect(missing).To(BeEmpty())
	})

	It("finds the cluster's networks, tagged IPs, machines and firewalls in its project, and nothing of other clusters", func(ctx context.Context) {
		empty, err := inspect.ClusterObjects(ctx, cluster)
		Expect(err).NotTo(HaveOccurred())
		Expect(empty.Empty()).To(BeTrue())
		Expect(empty.String()).To(Equal("nothing"))

		node, err := c.EnsureNodeNetwork(ctx, cluster, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4}})
		Expect(err).NotTo(HaveOccurred())
		tagged, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Tags: []string{metal.ClusterTag(cluster.ID)}})
		Expect(err).NotTo(HaveOccurred())
		storage, err := c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.StorageNetworkID, ProjectID: cluster.ProjectID, Tags: []string{metal.StorageTag(cluster.ID)}})
		Expect(err).NotTo(HaveOccurred())
		_, err = c.AllocateIP(ctx, metal.IPAllocation{NetworkID: metalapi.InternetNetworkID, ProjectID: cluster.ProjectID, Tags: []string{metal.ClusterTag("another-cluster")}})
		Expect(err).NotTo(HaveOccurred())

		leases, err := metal.MachineLeasesOf(c)
		Expect(err).NotTo(HaveOccurred())
		m, err := leases.AllocateMachine(ctx, metal.MachineAllocation{
			Name: "worker-1", Hostname: "worker-1", PartitionID: metalapi.DefaultPartitionID, SizeID: metalapi.MachineSizeID,
			ImageID: metalapi.MachineImageID, ProjectID: cluster.ProjectID, Networks: []string{node.ID},
			Tags: []string{metal.ClusterTag(cluster.ID)},
		})
		Expect(err).NotTo(HaveOccurred())
		mg, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth(metalapi.DefaultHMACKey, "Metal-Admin"))
		Expect(err).NotTo(HaveOccurred())
		fw, err := mg.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(&models.V1FirewallCreateRequest{
			Name: "fw", Partitionid: new(metalapi.DefaultPartitionID), Sizeid: new(metalapi.FirewallSizeID), Imageid: new(metalapi.FirewallImageID),
			Projectid: new(cluster.ProjectID), Tags: []string{metal.ClusterTag(cluster.ID)},
			Networks: []*models.V1MachineAllocationNetwork{
				{Networkid: new(node.ID), Autoacquire: new(true)}, {Networkid: new(metalapi.InternetNetworkID), Autoacquire: new(true)},
			},
		}), nil)
		Expect(err).NotTo(HaveOccurred())

		got, err := inspect.ClusterObjects(ctx, cluster)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Networks).To(Equal([]string{node.ID}))
		Expect(got.IPs).To(ConsistOf(tagged.Address.String(), storage.Address.String()))
		Expect(got.Machines).To(Equal([]string{m.ID}))
		Expect(got.Firewalls).To(Equal([]string{*fw.Payload.ID}))
		Expect(got.Empty()).To(BeFalse())
		Expect(got.String()).To(ContainSubstring("machines [" + m.ID + "]"))

		// The simulator's own view agrees.
		sim := srv.LeftoversForCluster(metal.ClusterTag(cluster.ID))
		Expect(got.Machines).To(Equal(sim.Machines))
		Expect(got.Firewalls).To(Equal(sim.Firewalls))

		other, err := inspect.ClusterObjects(ctx, metal.Cluster{ID: cluster.ID, ProjectID: metalapi.SecondProjectID})
		Expect(err).NotTo(HaveOccurred())
		Expect(other.Empty()).To(BeTrue(), "only the cluster's project is searched")

		_, err = inspect.ClusterObjects(ctx, metal.Cluster{ID: cluster.ID})
		Expect(metal.IsConfiguration(err)).To(BeTrue())
	})

	It("refuses a client that is not this package's", func() {
		_, err := metal.InspectorOf(foreignClient{})
		Expect(err).To(MatchError(ContainSubstring("cannot inspect")))
	})
})
