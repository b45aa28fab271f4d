// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"net/http"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

var _ = Describe("IPs", func() {
	var (
		srv *metalapi.Server
		c   metalgo.Client
	)
	BeforeEach(func() {
		srv = startSimulator(metalapi.DefaultConfig())
		c = hmacClient(srv.URL(), metalapi.DefaultHMACKey)
	})

	alloc := func(req *models.V1IPAllocateRequest) (*models.V1IPResponse, error) {
		if req.Projectid == nil {
			req.Projectid = new(metalapi.DefaultProjectID)
		}
		resp, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(req), nil)
		if err != nil {
			return nil, err
		}
		return resp.Payload, nil
	}
	find := func(req *models.V1IPFindRequest) []string {
		GinkgoHelper()
		resp, err := c.IP().FindIPs(ip.NewFindIPsParams().WithBody(req), nil)
		Expect(err).NotTo(HaveOccurred())
		var out []string
		for _, i := range resp.Payload {
			out = append(out, *i.Ipaddress)
		}
		return out
	}

	It("allocates ephemeral and static IPs, updates and frees them", func() {
		eph, err := alloc(&models.V1IPAllocateRequest{Networkid: new(metalapi.InternetNetworkID), Name: "eph", Tags: []string{"cluster.metal-stack.io/id=c1"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(*eph.Type).To(Equal("ephemeral"))
		Expect(*eph.Ipaddress).To(Equal("203.0.113.1"))
		Expect(*eph.Allocationuuid).NotTo(BeEmpty())
		static, err := alloc(&models.V1IPAllocateRequest{Networkid: new(metalapi.InternetNetworkID), Type: new("static"), Addressfamily: "IPv6"})
		Expect(err).NotTo(HaveOccurred())
		Expect(*static.Type).To(Equal("static"))
		Expect(*static.Ipaddress).To(Equal("2001:db8:ff00::1"))

		upd, err := c.IP().UpdateIP(ip.NewUpdateIPParams().WithBody(&models.V1IPUpdateRequest{
			Ipaddress: eph.Ipaddress, Type: new("static"), Tags: []string{"cluster.metal-stack.io/id=c1", "purpose=egress"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*upd.Payload.Type).To(Equal("static"))
		Expect(upd.Payload.Name).To(Equal("eph"), "fields not given stay")
		Expect(upd.Payload.Tags).To(ConsistOf("cluster.metal-stack.io/id=c1", "purpose=egress"))
		_, err = c.IP().UpdateIP(ip.NewUpdateIPParams().WithBody(&models.V1IPUpdateRequest{Ipaddress: eph.Ipaddress, Type: new("ephemeral")}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusBadRequest), "static cannot become ephemeral again")

		Expect(find(&models.V1IPFindRequest{Projectid: metalapi.DefaultProjectID})).To(ConsistOf("203.0.113.1", "2001:db8:ff00::1"))
		Expect(find(&models.V1IPFindRequest{Tags: []string{"purpose=egress"}})).To(ConsistOf("203.0.113.1"))
		Expect(find(&models.V1IPFindRequest{Networkid: metalapi.InternetNetworkID, Addressfamily: "IPv6"})).To(ConsistOf("2001:db8:ff00::1"))
		Expect(find(&models.V1IPFindRequest{Ipaddress: "203.0.113.1", Type: "static"})).To(ConsistOf("203.0.113.1"))
		Expect(find(&models.V1IPFindRequest{Networkprefix: "2001:db8:ff00::/48"})).To(ConsistOf("2001:db8:ff00::1"))
		Expect(find(&models.V1IPFindRequest{Projectid: metalapi.SecondProjectID})).To(BeEmpty())

		for _, a := range []string{*eph.Ipaddress, *static.Ipaddress} {
			_, err = c.IP().FreeIP(ip.NewFreeIPParams().WithID(a), nil)
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(srv.State().IPs).To(BeEmpty())
		again, err := alloc(&models.V1IPAllocateRequest{Networkid: new(metalapi.InternetNetworkID)})
		Expect(err).NotTo(HaveOccurred())
		Expect(*again.Ipaddress).To(Equal("203.0.113.1"), "a freed address is handed out again")
	})

	It("allocates specific IPs and answers conflicts like metal-api", func() {
		spec := func(addr string) error {
			_, err := c.IP().AllocateSpecificIP(ip.NewAllocateSpecificIPParams().WithIP(addr).WithBody(&models.V1IPAllocateRequest{
				Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID),
			}), nil)
			return err
		}
		Expect(spec("203.0.113.10")).To(Succeed())
		Expect(spec("2001:db8:ff00::10")).To(Succeed())
		Expect(statusCode(spec("203.0.113.10"))).To(Equal(http.StatusConflict))
		Expect(statusCode(spec("203.0.113.0"))).To(Equal(http.StatusConflict), "the reserved network address counts as allocated")
		Expect(statusCode(spec("198.51.100.1"))).To(Equal(http.StatusUnprocessableEntity))
		_, err := c.IP().AllocateSpecificIP(ip.NewAllocateSpecificIPParams().WithIP("203.0.113.11").WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID), Addressfamily: "IPv4",
		}), nil)
		Expect(statusCode(err)).To(Equal(http.StatusBadRequest))
	})

	DescribeTable("refuses invalid allocations",
		func(req *models.V1IPAllocateRequest, status int, msg string) {
			_, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(req), nil)
			Expect(statusCode(err)).To(Equal(status), "%v", err)
			Expect(err.Error()).To(ContainSubstring(msg))
		},
		Entry("without network", &models.V1IPAllocateRequest{Projectid: new(metalapi.DefaultProjectID)}, http.StatusBadRequest, "networkid should not be empty"),
		Entry("without project", &models.V1IPAllocateRequest{Networkid: new(metalapi.InternetNetworkID)}, http.StatusBadRequest, "projectid should not be empty"),
		Entry("unknown network", &models.V1IPAllocateRequest{Networkid: new("nope"), Projectid: new(metalapi.DefaultProjectID)}, http.StatusNotFound, "no network"),
		Entry("unknown project", &models.V1IPAllocateRequest{Networkid: new(metalapi.InternetNetworkID), Projectid: new("nope")}, http.StatusNotFound, "project"),
		Entry("family the network lacks", &models.V1IPAllocateRequest{Networkid: new(metalapi.UnderlayNetworkID), Projectid: new(metalapi.DefaultProjectID), Addressfamily: "IPv6"},
			http.StatusBadRequest, "there is no prefix for the given addressfamily:IPv6"),
	)

	It("refuses IPs from another project's private network, from a parent network and from an exhausted network", func() {
		child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Projectid: metalapi.SecondProjectID})
		Expect(err).NotTo(HaveOccurred())
		_, err = alloc(&models.V1IPAllocateRequest{Networkid: child.ID})
		Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
		Expect(err.Error()).To(ContainSubstring("network is not shared"))

		_, err = alloc(&models.V1IPAllocateRequest{Networkid: new(metalapi.PrivateSuperNetworkID)})
		Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
		Expect(err.Error()).To(ContainSubstring("has childprefixes"))

		_, err = c.Network().CreateNetwork(network.NewCreateNetworkParams().WithBody(&models.V1NetworkCreateRequest{
			ID: new("tiny"), Prefixes: []string{"192.0.2.0/30"}, Nat: new(false), Privatesuper: new(false), Underlay: new(false),
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		for _, want := range []string{"192.0.2.1", "192.0.2.2"} {
			got, err := alloc(&models.V1IPAllocateRequest{Networkid: new("tiny")})
			Expect(err).NotTo(HaveOccurred())
			Expect(*got.Ipaddress).To(Equal(want))
		}
		_, err = alloc(&models.V1IPAllocateRequest{Networkid: new("tiny")})
		Expect(statusCode(err)).To(Equal(http.StatusInternalServerError), "metal-api answers an exhausted network with an internal error")
		Expect(err.Error()).To(ContainSubstring("no ips left"))
	})
})
