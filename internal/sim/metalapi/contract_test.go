// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"net/http"
	"net/http/httptest"
	"time"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/firewall"
	"github.com/metal-stack/metal-go/api/client/health"
	"github.com/metal-stack/metal-go/api/client/image"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/client/partition"
	"github.com/metal-stack/metal-go/api/client/project"
	"github.com/metal-stack/metal-go/api/client/size"
	"github.com/metal-stack/metal-go/api/client/version"
	"github.com/metal-stack/metal-go/api/models"
	"github.com/metal-stack/security"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

// The contract: every endpoint is driven through metal-go's client and every response body, success or
// error, is validated against the schema metal-api.json declares for its status.
var _ = Describe("contract with metal-go and metal-api.json", Ordered, func() {
	var (
		ct      *contract
		baseURL string
		sim     *metalapi.Server
		c       metalgo.Client
		nodeNW  *models.V1NetworkResponse
		fwNW    *models.V1NetworkResponse
		mach    *models.V1MachineResponse
		fw      *models.V1FirewallResponse
		egress  *models.V1IPResponse
	)

	BeforeAll(func() {
		ct = loadContract()
		var err error
		sim, err = metalapi.New(metalapi.DefaultConfig())
		Expect(err).NotTo(HaveOccurred())
		ts := httptest.NewServer(ct.wrap(sim))
		DeferCleanup(ts.Close)
		baseURL = ts.URL
		c = hmacClient(ts.URL, metalapi.DefaultHMACKey)
	})

	AfterEach(func() {
		Expect(ct.takeFailures()).To(BeEmpty(), "responses that violate metal-api.json")
	})

	It("serves version and health", func() {
		v, err := c.Version().Info(version.NewInfoParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*v.Payload.Name).To(Equal("metal-api"))
		h, err := c.Health().Health(health.NewHealthParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*h.Payload.Status).To(Equal("healthy"))
	})

	It("serves the catalog: partitions, sizes, images, projects", func() {
		ps, err := c.Partition().ListPartitions(partition.NewListPartitionsParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ps.Payload).To(HaveLen(1))
		p, err := c.Partition().FindPartition(partition.NewFindPartitionParams().WithID(metalapi.DefaultPartitionID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(p.Payload.NtpServers).To(HaveLen(3))
		_, err = c.Partition().FindPartition(partition.NewFindPartitionParams().WithID("nowhere"), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))

		ss, err := c.Size().ListSizes(size.NewListSizesParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ss.Payload).To(HaveLen(3))
		sz, err := c.Size().FindSize(size.NewFindSizeParams().WithID(metalapi.MachineSizeID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(sz.Payload.Constraints).To(HaveLen(3))

		is, err := c.Image().ListImages(image.NewListImagesParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(is.Payload).To(HaveLen(2))
		img, err := c.Image().FindImage(image.NewFindImageParams().WithID(metalapi.MachineImageID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(img.Payload.Features).To(ConsistOf("machine"))
		latest, err := c.Image().FindLatestImage(image.NewFindLatestImageParams().WithID("firewall-ubuntu-3"), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*latest.Payload.ID).To(Equal(metalapi.FirewallImageID))
		found, err := c.Image().FindImages(image.NewFindImagesParams().WithBody(&models.V1ImageFindRequest{Features: []string{"firewall"}}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(found.Payload).To(HaveLen(1))

		prs, err := c.Project().ListProjects(project.NewListProjectsParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(prs.Payload).To(HaveLen(2))
		pr, err := c.Project().FindProject(project.NewFindProjectParams().WithID(metalapi.DefaultProjectID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(pr.Payload.Meta.ID).To(Equal(metalapi.DefaultProjectID))
		fp, err := c.Project().FindProjects(project.NewFindProjectsParams().WithBody(&models.V1ProjectFindRequest{Name: "garden-other"}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(fp.Payload).To(HaveLen(1))
		created, err := c.Project().CreateProject(project.NewCreateProjectParams().WithBody(&models.V1ProjectCreateRequest{
			Meta: &models.V1Meta{ID: "p-contract"}, Name: "contract", TenantID: metalapi.DefaultTenantID,
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(created.Payload.Meta.ID).To(Equal("p-contract"))
		_, err = c.Project().CreateProject(project.NewCreateProjectParams().WithBody(&models.V1ProjectCreateRequest{Meta: &models.V1Meta{ID: "p-contract"}}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusConflict))
		_, err = c.Project().DeleteProject(project.NewDeleteProjectParams().WithID("p-contract"), nil)
		Expect(err).NotTo(HaveOccurred())
	})

	It("creates, updates, finds and deletes networks as admin", func() {
		created, err := c.Network().CreateNetwork(network.NewCreateNetworkParams().WithBody(&models.V1NetworkCreateRequest{
			ID: new("mgmt"), Name: "mgmt", Prefixes: []string{"192.168.0.0/24"}, Destinationprefixes: []string{},
			Nat: new(false), Privatesuper: new(false), Underlay: new(false), Labels: map[string]string{"purpose": "contract"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(created.Payload.Prefixes).To(ConsistOf("192.168.0.0/24"))
		_, err = c.Network().CreateNetwork(network.NewCreateNetworkParams().WithBody(&models.V1NetworkCreateRequest{
			ID: new("mgmt-2"), Prefixes: []string{"192.168.0.128/25"}, Nat: new(false), Privatesuper: new(false), Underlay: new(false),
		}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity), "overlapping prefixes")

		updated, err := c.Network().UpdateNetwork(network.NewUpdateNetworkParams().WithBody(&models.V1NetworkUpdateRequest{
			ID: new("mgmt"), Description: "management", Prefixes: []string{"192.168.0.0/24", "192.168.1.0/24"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(updated.Payload.Prefixes).To(ConsistOf("192.168.0.0/24", "192.168.1.0/24"))
		Expect(updated.Payload.Description).To(Equal("management"))

		found, err := c.Network().FindNetworks(network.NewFindNetworksParams().WithBody(&models.V1NetworkFindRequest{
			Labels: map[string]string{"purpose": "contract"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(found.Payload).To(HaveLen(1))

		_, err = c.Network().DeleteNetwork(network.NewDeleteNetworkParams().WithID("mgmt"), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID("mgmt"), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
		_, err = c.Network().DeleteNetwork(network.NewDeleteNetworkParams().WithID(metalapi.PrivateSuperNetworkID), nil)
		Expect(err).NotTo(HaveOccurred(), "a super network without children can be deleted")
		_, err = c.Network().CreateNetwork(network.NewCreateNetworkParams().WithBody(&models.V1NetworkCreateRequest{
			ID: new(metalapi.PrivateSuperNetworkID), Partitionid: metalapi.DefaultPartitionID, Prefixes: []string{"10.0.0.0/16", "2001:db8:0:10::/64"},
			Defaultchildprefixlength: map[string]int64{"IPv4": 22, "IPv6": 96}, Nat: new(false), Privatesuper: new(true), Underlay: new(false),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
	})

	It("allocates, lists and frees child networks", func() {
		for _, name := range []string{"node", "firewall"} {
			resp, err := c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(&models.V1NetworkAllocateRequest{
				Name: name, Partitionid: metalapi.DefaultPartitionID, Projectid: metalapi.DefaultProjectID,
				Labels: map[string]string{"cluster.metal-stack.io/id": "contract"},
			}), nil)
			Expect(err).NotTo(HaveOccurred())
			if name == "node" {
				nodeNW = resp.Payload
			} else {
				fwNW = resp.Payload
			}
		}
		list, err := c.Network().ListNetworks(network.NewListNetworksParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Payload).To(HaveLen(6))
		got, err := c.Network().FindNetwork(network.NewFindNetworkParams().WithID(*nodeNW.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(got.Payload.Consumption.IPV4).NotTo(BeNil())

		extra, err := c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(&models.V1NetworkAllocateRequest{
			Partitionid: metalapi.DefaultPartitionID, Projectid: metalapi.DefaultProjectID, Addressfamily: "IPv6",
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		// metal-go's FreeNetworkDeprecated cannot build its request (its consumes list "*/*" has no
		// producer), so this one call is signed and sent by hand, the way metal-go signs requests.
		req, err := http.NewRequest(http.MethodPost, baseURL+"/v1/network/free/"+*extra.Payload.ID, nil)
		Expect(err).NotTo(HaveOccurred())
		auth := security.NewHMACAuth("Metal-Admin", []byte(metalapi.DefaultHMACKey))
		auth.AddAuth(req, time.Now(), nil)
		raw, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(raw.Body.Close()).To(Succeed())
		Expect(raw.StatusCode).To(Equal(http.StatusOK))
		_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(*extra.Payload.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
		_, err = c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(&models.V1NetworkAllocateRequest{
			Partitionid: metalapi.DefaultPartitionID,
		}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusBadRequest))
	})

	It("allocates, updates, finds and frees IPs", func() {
		resp, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID), Type: new("static"),
			Tags: []string{"cluster.metal-stack.io/id=contract"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		egress = resp.Payload
		specific, err := c.IP().AllocateSpecificIP(ip.NewAllocateSpecificIPParams().WithIP("203.0.113.200").WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID), Type: new("ephemeral"),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.IP().AllocateSpecificIP(ip.NewAllocateSpecificIPParams().WithIP("203.0.113.200").WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID),
		}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusConflict))

		upd, err := c.IP().UpdateIP(ip.NewUpdateIPParams().WithBody(&models.V1IPUpdateRequest{
			Ipaddress: specific.Payload.Ipaddress, Name: "renamed", Type: new("static"), Tags: []string{"a=b"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(upd.Payload.Tags).To(ConsistOf("a=b"))
		found, err := c.IP().FindIPs(ip.NewFindIPsParams().WithBody(&models.V1IPFindRequest{Tags: []string{"a=b"}}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(found.Payload).To(HaveLen(1))
		one, err := c.IP().FindIP(ip.NewFindIPParams().WithID(*specific.Payload.Ipaddress), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*one.Payload.Type).To(Equal("static"))
		list, err := c.IP().ListIPs(ip.NewListIPsParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Payload).To(HaveLen(2))
		_, err = c.IP().FreeIP(ip.NewFreeIPParams().WithID(*specific.Payload.Ipaddress), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.IP().FindIP(ip.NewFindIPParams().WithID(*specific.Payload.Ipaddress), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
	})

	It("allocates, updates, finds and frees machines and firewalls", func() {
		m, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(&models.V1MachineAllocateRequest{
			Name: "worker-0", Hostname: "worker-0", Imageid: new(metalapi.MachineImageID), Partitionid: new(metalapi.DefaultPartitionID),
			Projectid: new(metalapi.DefaultProjectID), Sizeid: new(metalapi.MachineSizeID), SSHPubKeys: []string{sshKey()},
			Networks: []*models.V1MachineAllocationNetwork{allocNet(*nodeNW.ID)}, Tags: []string{"cluster.metal-stack.io/id=contract"},
			UserData: "#cloud-config",
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		mach = m.Payload

		f, err := c.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(&models.V1FirewallCreateRequest{
			Name: "fw-0", Hostname: "fw-0", Imageid: new(metalapi.FirewallImageID), Partitionid: new(metalapi.DefaultPartitionID),
			Projectid: new(metalapi.DefaultProjectID), Sizeid: new(metalapi.FirewallSizeID), SSHPubKeys: []string{},
			Networks: []*models.V1MachineAllocationNetwork{allocNet(*fwNW.ID), allocNet(metalapi.InternetNetworkID)},
			Ips:      []string{*egress.Ipaddress}, Tags: []string{"cluster.metal-stack.io/id=contract"},
			FirewallRules: &models.V1FirewallRules{
				Egress:  []*models.V1FirewallEgressRule{{Protocol: "TCP", Ports: []int32{443}, To: []string{"0.0.0.0/0"}}},
				Ingress: []*models.V1FirewallIngressRule{},
			},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		fw = f.Payload

		upd, err := c.Machine().UpdateMachine(machine.NewUpdateMachineParams().WithBody(&models.V1MachineUpdateRequest{
			ID: mach.ID, Description: new("updated"), Tags: []string{"cluster.metal-stack.io/id=contract", "role=worker"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(upd.Payload.Description).To(Equal("updated"))

		ms, err := c.Machine().FindMachines(machine.NewFindMachinesParams().WithBody(&models.V1MachineFindRequest{Tags: []string{"role=worker"}}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ms.Payload).To(HaveLen(1))
		one, err := c.Machine().FindMachine(machine.NewFindMachineParams().WithID(*mach.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(one.Payload.Allocation).NotTo(BeNil())
		all, err := c.Machine().ListMachines(machine.NewListMachinesParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(all.Payload).To(HaveLen(50))

		fws, err := c.Firewall().ListFirewalls(firewall.NewListFirewallsParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(fws.Payload).To(HaveLen(1))
		ff, err := c.Firewall().FindFirewalls(firewall.NewFindFirewallsParams().WithBody(&models.V1FirewallFindRequest{AllocationProject: metalapi.DefaultProjectID}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ff.Payload).To(HaveLen(1))
		f1, err := c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*fw.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*f1.Payload.Allocation.Role).To(Equal("firewall"))
		_, err = c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*mach.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))

		_, err = c.Machine().DeleteMachine(machine.NewDeleteMachineParams().WithID(*mach.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity), "an allocated machine cannot be deleted")
		for _, id := range []string{*mach.ID, *fw.ID} {
			_, err = c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(id), nil)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err = c.Machine().DeleteMachine(machine.NewDeleteMachineParams().WithID(*mach.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		for _, id := range []string{*nodeNW.ID, *fwNW.ID} {
			_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(id), nil)
			Expect(err).NotTo(HaveOccurred())
		}
		_, err = c.IP().FreeIP(ip.NewFreeIPParams().WithID(*egress.Ipaddress), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.LeftoversForCluster("cluster.metal-stack.io/id=contract").Empty()).To(BeTrue())
	})

	It("exercised every endpoint the simulator serves", func() {
		covered := ct.coveredOperations()
		for _, r := range sim.Routes() {
			Expect(covered).To(HaveKey(r.OperationID), "%s %s was not exercised", r.Method, r.Pattern)
		}
		Expect(ct.checked).To(BeNumerically(">", len(sim.Routes())))
	})
})
