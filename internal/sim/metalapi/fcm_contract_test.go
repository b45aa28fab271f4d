// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"net/http"
	"net/http/httptest"
	"slices"

	"github.com/metal-stack/metal-go/api/client/firewall"
	"github.com/metal-stack/metal-go/api/client/image"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

// firewall-controller-manager (v0.6.1, controllers/firewall and controllers/update) drives a firewall through
// these calls of metal-go's driver; every response is validated against metal-api.json.
var _ = Describe("contract with firewall-controller-manager's calls", func() {
	const clusterTag = "cluster.metal-stack.io/id=fcm-contract"

	It("refuses a driver without URL or HMAC, naming what is missing", func() {
		_, err := metalapi.NewDriver("", metalapi.DefaultHMACKey)
		Expect(err).To(MatchError(ContainSubstring("URL is empty")))
		_, err = metalapi.NewDriver("http://127.0.0.1:1", "")
		Expect(err).To(MatchError(ContainSubstring("METAL_AUTH_HMAC")))
	})

	It("allocates, finds, tags and frees a firewall as firewall-controller-manager does", func() {
		ct := loadContract()
		sim, err := metalapi.New(metalapi.DefaultConfig())
		Expect(err).NotTo(HaveOccurred())
		ts := httptest.NewServer(ct.wrap(sim))
		DeferCleanup(ts.Close)
		c, err := metalapi.NewDriver(ts.URL, metalapi.DefaultHMACKey)
		Expect(err).NotTo(HaveOccurred())

		nw, err := c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(&models.V1NetworkAllocateRequest{
			Name: "node", Partitionid: metalapi.DefaultPartitionID, Projectid: metalapi.DefaultProjectID,
			Labels: map[string]string{"cluster.metal-stack.io/id": "fcm-contract"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		nodeNetwork := *nw.Payload.ID

		By("searching before creating: no firewall of that name yet")
		find := func() []*models.V1FirewallResponse {
			GinkgoHelper()
			resp, err := c.Firewall().FindFirewalls(firewall.NewFindFirewallsParams().WithBody(&models.V1FirewallFindRequest{
				AllocationName: "shoot-firewall-abcde", AllocationProject: metalapi.DefaultProjectID, Tags: []string{clusterTag},
			}), nil)
			Expect(err).NotTo(HaveOccurred())
			return resp.Payload
		}
		Expect(find()).To(BeEmpty())

		By("allocating with auto-acquired IPs in the node network and the internet, and FCM's tags")
		created, err := c.Firewall().AllocateFirewall(firewall.NewAllocateFirewallParams().WithBody(&models.V1FirewallCreateRequest{
			Description: "created by firewall-controller-manager", Name: "shoot-firewall-abcde", Hostname: "shoot-firewall-abcde",
			Sizeid: new(metalapi.FirewallSizeID), Projectid: new(metalapi.DefaultProjectID), Partitionid: new(metalapi.DefaultPartitionID),
			Imageid: new(metalapi.FirewallImageID), SSHPubKeys: []string{sshKey()},
			Networks: []*models.V1MachineAllocationNetwork{allocNet(nodeNetwork), allocNet(metalapi.InternetNetworkID)},
			Tags:     []string{clusterTag, "firewall.metal-stack.io/managed-by=firewall-controller-manager", "firewall.metal-stack.io/set=shoot-firewall-abcde"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		fw := created.Payload
		Expect(fw.Allocation.Created).NotTo(BeNil())
		Expect(fw.Liveliness).NotTo(BeNil())
		Expect(*fw.Allocation.Image.ID).To(Equal(metalapi.FirewallImageID))

		By("finding it by search and by ID, with what FCM reads for the Firewall's status")
		found := find()
		Expect(found).To(HaveLen(1))
		Expect(*found[0].ID).To(Equal(*fw.ID))
		one, err := c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*fw.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*one.Payload.Allocation.Hostname).To(Equal("shoot-firewall-abcde"))
		Expect(*one.Payload.Liveliness).To(Equal("Alive"))
		Expect(one.Payload.Events.Log).NotTo(BeEmpty())
		Expect(*one.Payload.Events.Log[0].Event).To(Equal("Phoned Home"), "provisioned at once with ProvisioningTime zero")
		networks := map[string][]string{}
		for _, n := range one.Payload.Allocation.Networks {
			networks[*n.Networkid] = n.Ips
			got, err := c.Network().FindNetwork(network.NewFindNetworkParams().WithID(*n.Networkid), nil)
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Payload.Prefixes).NotTo(BeEmpty())
		}
		Expect(networks).To(HaveKey(nodeNetwork))
		Expect(networks).To(HaveKey(metalapi.InternetNetworkID))
		Expect(networks[nodeNetwork]).To(HaveLen(2), "an IPv4 and an IPv6 address in the dual-stack node network")

		By("syncing tags and SSH keys with updateMachine")
		tags := append(slices.Clone(fw.Tags), "firewall.metal-stack.io/controller-set=shoot-firewall-abcde")
		_, err = c.Machine().UpdateMachine(machine.NewUpdateMachineParams().WithBody(&models.V1MachineUpdateRequest{ID: fw.ID, Tags: tags}), nil)
		Expect(err).NotTo(HaveOccurred())
		key := sshKey()
		_, err = c.Machine().UpdateMachine(machine.NewUpdateMachineParams().WithBody(&models.V1MachineUpdateRequest{ID: fw.ID, SSHPubKeys: []string{key}}), nil)
		Expect(err).NotTo(HaveOccurred())
		one, err = c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*fw.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(one.Payload.Tags).To(ContainElement("firewall.metal-stack.io/controller-set=shoot-firewall-abcde"))
		Expect(one.Payload.Allocation.SSHPubKeys).To(Equal([]string{key}))

		By("resolving the latest firewall image for auto-updates")
		latest, err := c.Image().FindLatestImage(image.NewFindLatestImageParams().WithID(metalapi.FirewallImageID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*latest.Payload.ID).To(Equal(metalapi.FirewallImageID))

		By("freeing it; a find by ID of the freed firewall is a 404, which FCM answers with a search")
		_, err = c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(*fw.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Firewall().FindFirewall(firewall.NewFindFirewallParams().WithID(*fw.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
		Expect(find()).To(BeEmpty())
		_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(nodeNetwork), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(sim.LeftoversForCluster(clusterTag).Empty()).To(BeTrue())
		Expect(ct.takeFailures()).To(BeEmpty(), "responses that violate metal-api.json")
	})
})
