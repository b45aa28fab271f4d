// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"net/http"
	"sync"
	"time"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/firewall"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

func machineRequest(networks ...string) *models.V1MachineAllocateRequest {
	req := &models.V1MachineAllocateRequest{
		Name: "worker", Hostname: "worker-0", Imageid: new(metalapi.MachineImageID), Partitionid: new(metalapi.DefaultPartitionID),
		Projectid: new(metalapi.DefaultProjectID), Sizeid: new(metalapi.SmallMachineSizeID), SSHPubKeys: []string{},
		Tags: []string{"cluster.metal-stack.io/id=c1", "worker"},
	}
	for _, n := range networks {
		req.Networks = append(req.Networks, allocNet(n))
	}
	return req
}

func ipsOf(m *models.V1MachineResponse) map[string][]string {
	out := map[string][]string{}
	for _, n := range m.Allocation.Networks {
		out[*n.Networkid] = n.Ips
	}
	return out
}

var _ = Describe("machines and firewalls", func() {
	var (
		srv *metalapi.Server
		c   metalgo.Client
	)
	BeforeEach(func() {
		srv = startSimulator(metalapi.DefaultConfig())
		c = hmacClient(srv.URL(), metalapi.DefaultHMACKey)
	})

	allocate := func(req *models.V1MachineAllocateRequest) (*models.V1MachineResponse, error) {
		resp, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(req), nil)
		if err != nil {
			return nil, err
		}
		return resp.Payload, nil
	}
	free := func(id string) {
		GinkgoHelper()
		_, err := c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(id), nil)
		Expect(err).NotTo(HaveOccurred())
	}

	It("allocates a machine with one IP per family of every network and the allocation details", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "node"})
		Expect(err).NotTo(HaveOccurred())
		key := sshKey()
		req := machineRequest(*node.ID, metalapi.InternetNetworkID)
		req.SSHPubKeys = []string{key}
		req.UserData = "#cloud-config\nhostname: worker-0"
		req.DNSServers = []*models.V1DNSServer{{IP: new("192.0.2.53")}}
		before := srv.FreeMachines(metalapi.DefaultPartitionID, metalapi.SmallMachineSizeID)

		m, err := allocate(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(srv.FreeMachines(metalapi.DefaultPartitionID, metalapi.SmallMachineSizeID)).To(Equal(before - 1))
		a := m.Allocation
		Expect(*a.Hostname).To(Equal("worker-0"))
		Expect(*a.Name).To(Equal("worker"))
		Expect(a.UserData).To(Equal(req.UserData))
		Expect(a.SSHPubKeys).To(Equal([]string{key}))
		Expect(*a.Project).To(Equal(metalapi.DefaultProjectID))
		Expect(*a.Role).To(Equal("machine"))
		Expect(*a.Succeeded).To(BeTrue())
		Expect(*a.Image.ID).To(Equal(metalapi.MachineImageID))
		Expect(a.DNSServers).To(HaveLen(1), "requested DNS servers win")
		Expect(a.NtpServers).To(HaveLen(3), "NTP servers default to the partition's")
		Expect(*m.Size.ID).To(Equal(metalapi.SmallMachineSizeID))
		Expect(m.Tags).To(ContainElements("cluster.metal-stack.io/id=c1", "worker", "machine.metal-stack.io/rack="+m.Rackid))
		Expect(m.Tags).To(ContainElement(HavePrefix("machine.metal-stack.io/network.primary.asn=42")))

		Expect(ipsOf(m)).To(Equal(map[string][]string{
			*node.ID:                   {"10.0.0.1", "2001:db8:0:10::1"},
			metalapi.InternetNetworkID: {"203.0.113.1", "2001:db8:ff00::1"},
		}))
		for _, n := range a.Networks {
			switch *n.Networkid {
			case *node.ID:
				Expect(*n.Networktype).To(Equal("privateprimaryunshared"))
				Expect(*n.Private).To(BeTrue())
				Expect(n.Prefixes).To(Equal(node.Prefixes))
			case metalapi.InternetNetworkID:
				Expect(*n.Networktype).To(Equal("external"))
				Expect(*n.Nat).To(BeTrue())
			}
			Expect(*n.Asn).To(BeNumerically(">", 4200000000))
		}
		ips, err := c.IP().FindIPs(ip.NewFindIPsParams().WithBody(&models.V1IPFindRequest{Machineid: *m.ID}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ips.Payload).To(HaveLen(4))
		for _, i := range ips.Payload {
			Expect(i.Tags).To(ContainElement("machine.metal-stack.io/id=" + *m.ID))
			Expect(i.Description).To(Equal("autoassigned"))
			_, err := c.IP().FreeIP(ip.NewFreeIPParams().WithID(*i.Ipaddress), nil)
			Expect(statusCode(err)).To(Equal(http.StatusBadRequest), "machine-scoped IPs cannot be freed directly")
		}

		free(*m.ID)
		Expect(srv.FreeMachines(metalapi.DefaultPartitionID, metalapi.SmallMachineSizeID)).To(Equal(before))
		Expect(srv.State().IPs).To(BeEmpty(), "freeing the machine frees its ephemeral IPs")
		got, err := c.Machine().FindMachine(machine.NewFindMachineParams().WithID(*m.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Payload.Allocation).To(BeNil())
		Expect(got.Payload.Tags).To(BeEmpty())
	})

	It("keeps static IPs given to a machine and only removes the machine tag on free", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		egress, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID), Type: new("static"),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		req := machineRequest(*node.ID, metalapi.InternetNetworkID)
		req.Ips = []string{*egress.Payload.Ipaddress}
		m, err := allocate(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(ipsOf(m)[metalapi.InternetNetworkID]).To(Equal([]string{*egress.Payload.Ipaddress}), "a given IP replaces auto acquisition")
		free(*m.ID)
		state := srv.State()
		Expect(state.IPs).To(HaveLen(1))
		Expect(state.IPs[0].Tags).To(BeEmpty())
	})

	It("finds machines by tags, project, partition, size and allocation name", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		m, err := allocate(machineRequest(*node.ID))
		Expect(err).NotTo(HaveOccurred())
		find := func(req *models.V1MachineFindRequest) []string {
			GinkgoHelper()
			resp, err := c.Machine().FindMachines(machine.NewFindMachinesParams().WithBody(req), nil)
			Expect(err).NotTo(HaveOccurred())
			var ids []string
			for _, x := range resp.Payload {
				ids = append(ids, *x.ID)
			}
			return ids
		}
		Expect(find(&models.V1MachineFindRequest{Tags: []string{"cluster.metal-stack.io/id=c1"}})).To(ConsistOf(*m.ID))
		Expect(find(&models.V1MachineFindRequest{AllocationProject: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID})).To(ConsistOf(*m.ID))
		Expect(find(&models.V1MachineFindRequest{AllocationName: "worker", Sizeid: metalapi.SmallMachineSizeID})).To(ConsistOf(*m.ID))
		Expect(find(&models.V1MachineFindRequest{NetworkIps: []string{"10.0.0.1"}})).To(ConsistOf(*m.ID))
		Expect(find(&models.V1MachineFindRequest{Sizeid: metalapi.SmallMachineSizeID})).To(HaveLen(20), "free machines are found too")
		Expect(find(&models.V1MachineFindRequest{Tags: []string{"cluster.metal-stack.io/id=c2"}})).To(BeEmpty())
	})

	It("answers no capacity with metal-api's 422 'no machine available'", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		req := machineRequest(*node.ID)
		req.Sizeid = new(metalapi.FirewallSizeID)
		for range srv.FreeMachines(metalapi.DefaultPartitionID, metalapi.FirewallSizeID) {
			_, err := allocate(req)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err = allocate(req)
		Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
		Expect(err.Error()).To(ContainSubstring("no machine available"))
		Expect(srv.State().IPs).To(HaveLen(20), "the failed allocation acquired no IP")
	})

	It("spreads a project's machines over the racks", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		racks := map[string]int{}
		for range 4 {
			m, err := allocate(machineRequest(*node.ID))
			Expect(err).NotTo(HaveOccurred())
			racks[m.Rackid]++
		}
		Expect(racks).To(HaveLen(2))
		for _, n := range racks {
			Expect(n).To(Equal(2))
		}
	})

	DescribeTable("refuses invalid machine allocations",
		func(mutate func(req *models.V1MachineAllocateRequest, node string), status int, msg string) {
			node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
			Expect(err).NotTo(HaveOccurred())
			other, err := allocateChild(c, &models.V1NetworkAllocateRequest{Projectid: metalapi.SecondProjectID})
			Expect(err).NotTo(HaveOccurred())
			req := machineRequest(*node.ID)
			mutate(req, *other.ID)
			_, err = allocate(req)
			Expect(statusCode(err)).To(Equal(status), "%v", err)
			Expect(err.Error()).To(ContainSubstring(msg))
			Expect(srv.State().IPs).To(BeEmpty())
		},
		Entry("no networks", func(r *models.V1MachineAllocateRequest, _ string) { r.Networks = nil }, http.StatusBadRequest, "network ids cannot be nil"),
		Entry("unknown image", func(r *models.V1MachineAllocateRequest, _ string) { r.Imageid = new("windows-11") }, http.StatusBadRequest, "no image"),
		Entry("firewall image for a machine", func(r *models.V1MachineAllocateRequest, _ string) { r.Imageid = new(metalapi.FirewallImageID) }, http.StatusBadRequest, "not usable for a machine"),
		Entry("unknown size", func(r *models.V1MachineAllocateRequest, _ string) { r.Sizeid = new("huge") }, http.StatusBadRequest, "size:huge not found"),
		Entry("too many DNS servers", func(r *models.V1MachineAllocateRequest, _ string) {
			for _, d := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"} {
				r.DNSServers = append(r.DNSServers, &models.V1DNSServer{IP: new(d)})
			}
		}, http.StatusBadRequest, "maximum of three dns servers"),
		Entry("invalid SSH key", func(r *models.V1MachineAllocateRequest, _ string) { r.SSHPubKeys = []string{"ssh-rsa nonsense"} }, http.StatusUnprocessableEntity, "invalid public SSH key"),
		Entry("unknown project", func(r *models.V1MachineAllocateRequest, _ string) { r.Projectid = new("nope") }, http.StatusNotFound, "project"),
		Entry("unknown network", func(r *models.V1MachineAllocateRequest, _ string) { r.Networks = append(r.Networks, allocNet("nope")) }, http.StatusNotFound, "no network"),
		Entry("only an external network", func(r *models.V1MachineAllocateRequest, _ string) {
			r.Networks = []*models.V1MachineAllocationNetwork{allocNet(metalapi.InternetNetworkID)}
		}, http.StatusUnprocessableEntity, "no private network given"),
		Entry("the private network of another project", func(r *models.V1MachineAllocateRequest, other string) {
			r.Networks = []*models.V1MachineAllocationNetwork{allocNet(other)}
		}, http.StatusUnprocessableEntity, "does not belong to the project"),
		Entry("two private networks for a machine", func(r *models.V1MachineAllocateRequest, other string) {
			r.Networks = append(r.Networks, allocNet(other))
		}, http.StatusUnprocessableEntity, "multiple private networks"),
		Entry("the underlay", func(r *models.V1MachineAllocateRequest, _ string) {
			r.Networks = append(r.Networks, allocNet(metalapi.UnderlayNetworkID))
		}, http.StatusUnprocessableEntity, "underlay networks are not allowed"),
	)

	It("allocates firewalls with the underlay, finds them and frees them through the machine endpoint", func() {
		fwNet, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "firewall"})
		Expect(err).NotTo(HaveOccurred())
		resp, err := c.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(&models.V1FirewallCreateRequest{
			Name: "fw", Hostname: "fw", Imageid: new(metalapi.FirewallImageID), Partitionid: new(metalapi.DefaultPartitionID),
			Projectid: new(metalapi.DefaultProjectID), Sizeid: new(metalapi.FirewallSizeID), SSHPubKeys: []string{sshKey()},
			Networks: []*models.V1MachineAllocationNetwork{allocNet(*fwNet.ID), allocNet(metalapi.InternetNetworkID)},
			Tags:     []string{"cluster.metal-stack.io/id=c1"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		fw := resp.Payload
		Expect(*fw.Allocation.Role).To(Equal("firewall"))
		var underlay *models.V1MachineNetwork
		for _, n := range fw.Allocation.Networks {
			if *n.Networkid == metalapi.UnderlayNetworkID {
				underlay = n
			}
		}
		Expect(underlay).NotTo(BeNil(), "firewalls get the underlay automatically")
		Expect(*underlay.Underlay).To(BeTrue())
		Expect(underlay.Ips).To(Equal([]string{"10.255.0.1"}), "the IPv4-only underlay gives one IP")

		found, err := c.Firewall().FindFirewalls(firewall.NewFindFirewallsParams().WithBody(&models.V1FirewallFindRequest{Tags: []string{"cluster.metal-stack.io/id=c1"}}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(found.Payload).To(HaveLen(1))
		machines, err := c.Machine().FindMachines(machine.NewFindMachinesParams().WithBody(&models.V1MachineFindRequest{AllocationRole: "firewall"}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(machines.Payload).To(HaveLen(1), "firewalls are machines")
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id=c1").Firewalls).To(ConsistOf(*fw.ID))

		_, err = c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(*fw.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(srv.State().Firewalls).To(BeEmpty())
		Expect(srv.State().IPs).To(BeEmpty())
		_, err = c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*fw.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
	})

	It("reports provisioning until the configured time has passed", func() {
		var mu sync.Mutex
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		cfg := metalapi.DefaultConfig()
		cfg.ProvisioningTime = 5 * time.Minute
		cfg.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		s := startSimulator(cfg)
		cc := hmacClient(s.URL(), metalapi.DefaultHMACKey)
		node, err := allocateChild(cc, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		resp, err := cc.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(machineRequest(*node.ID)), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*resp.Payload.Allocation.Succeeded).To(BeFalse())
		Expect(*resp.Payload.Events.Log[0].Event).To(Equal("Installing"))
		mu.Lock()
		now = now.Add(5 * time.Minute)
		mu.Unlock()
		got, err := cc.Machine().FindMachine(machine.NewFindMachineParams().WithID(*resp.Payload.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*got.Payload.Allocation.Succeeded).To(BeTrue())
		Expect(*got.Payload.Events.Log[0].Event).To(Equal("Phoned Home"))
	})
})
