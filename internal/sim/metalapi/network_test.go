// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"math"
	"net/http"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

// configWithSuper returns the default config with another private super network.
func configWithSuper(prefixes []string, dcl map[string]int64) metalapi.Config {
	cfg := metalapi.DefaultConfig()
	for i, n := range cfg.Seed.Networks {
		if n.ID == metalapi.PrivateSuperNetworkID {
			cfg.Seed.Networks[i].Prefixes = prefixes
			cfg.Seed.Networks[i].DefaultChildPrefixLength = dcl
		}
	}
	return cfg
}

func allocateChild(c metalgo.Client, req *models.V1NetworkAllocateRequest) (*models.V1NetworkResponse, error) {
	if req.Partitionid == "" {
		req.Partitionid = metalapi.DefaultPartitionID
	}
	if req.Projectid == "" {
		req.Projectid = metalapi.DefaultProjectID
	}
	resp, err := c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(req), nil)
	if err != nil {
		return nil, err
	}
	return resp.Payload, nil
}

func allocateIP(c metalgo.Client, networkID, family string) (*models.V1IPResponse, error) {
	resp, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
		Networkid: new(networkID), Projectid: new(metalapi.DefaultProjectID), Addressfamily: family, Type: new("ephemeral"),
	}), nil)
	if err != nil {
		return nil, err
	}
	return resp.Payload, nil
}

func getNetwork(c metalgo.Client, id string) *models.V1NetworkResponse {
	GinkgoHelper()
	resp, err := c.Network().FindNetwork(network.NewFindNetworkParams().WithID(id), nil)
	Expect(err).NotTo(HaveOccurred())
	return resp.Payload
}

func usage(availIPs, usedIPs, availPfx, usedPfx int64) *models.V1NetworkUsage {
	return &models.V1NetworkUsage{AvailableIps: new(availIPs), UsedIps: new(usedIPs), AvailablePrefixes: new(availPfx), UsedPrefixes: new(usedPfx)}
}

var (
	dualStack = []string{"10.0.0.0/16", "2001:db8:0:10::/64"}
	dualDCL   = map[string]int64{"IPv4": 22, "IPv6": 96}
	v4Only    = []string{"10.0.0.0/16"}
	v4DCL     = map[string]int64{"IPv4": 22}
	v6Only    = []string{"2001:db8:0:10::/64"}
	v6DCL     = map[string]int64{"IPv6": 96}
)

var _ = Describe("dual-stack networks (metal-stack v0.20)", func() {
	type allocation struct {
		super       []string
		dcl         map[string]int64
		family      string
		length      map[string]int64
		wantChild   []string
		ipFamily    string
		wantIP      string
		wantIPError int
	}

	DescribeTable("child network and first IP, as in the v0.20 release notes",
		func(a allocation) {
			srv := startSimulator(configWithSuper(a.super, a.dcl))
			c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
			child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "node", Addressfamily: a.family, Length: a.length})
			Expect(err).NotTo(HaveOccurred())
			Expect(child.Prefixes).To(Equal(a.wantChild))
			Expect(*child.Privatesuper).To(BeFalse())
			Expect(child.Parentnetworkid).To(Equal(metalapi.PrivateSuperNetworkID))
			Expect(child.Vrf).NotTo(BeZero())

			got, err := allocateIP(c, *child.ID, a.ipFamily)
			if a.wantIPError != 0 {
				Expect(statusCode(err)).To(Equal(a.wantIPError), "%v", err)
				return
			}
			Expect(err).NotTo(HaveOccurred())
			Expect(*got.Ipaddress).To(Equal(a.wantIP))
		},
		Entry("dual-stack parent: both families, default lengths; IP without family is IPv4 (.1, not .0)", allocation{
			super: dualStack, dcl: dualDCL, wantChild: []string{"10.0.0.0/22", "2001:db8:0:10::/96"}, wantIP: "10.0.0.1",
		}),
		Entry("dual-stack parent, IP with addressfamily IPv6", allocation{
			super: dualStack, dcl: dualDCL, wantChild: []string{"10.0.0.0/22", "2001:db8:0:10::/96"}, ipFamily: "IPv6", wantIP: "2001:db8:0:10::1",
		}),
		Entry("dual-stack parent restricted to IPv4", allocation{
			super: dualStack, dcl: dualDCL, family: "IPv4", wantChild: []string{"10.0.0.0/22"}, wantIP: "10.0.0.1",
		}),
		Entry("dual-stack parent restricted to IPv6: the IPv6-only child yields IPv6 by default", allocation{
			super: dualStack, dcl: dualDCL, family: "IPv6", wantChild: []string{"2001:db8:0:10::/96"}, wantIP: "2001:db8:0:10::1",
		}),
		Entry("IPv6-only child refuses an IPv4 address", allocation{
			super: dualStack, dcl: dualDCL, family: "IPv6", wantChild: []string{"2001:db8:0:10::/96"}, ipFamily: "IPv4", wantIPError: http.StatusBadRequest,
		}),
		Entry("explicit lengths, one smaller and one larger than the default", allocation{
			super: dualStack, dcl: dualDCL, length: map[string]int64{"IPv4": 24, "IPv6": 80},
			wantChild: []string{"10.0.0.0/24", "2001:db8:0:10::/80"}, ipFamily: "IPv6", wantIP: "2001:db8:0:10::1",
		}),
		Entry("explicit length for one family keeps the default of the other", allocation{
			super: dualStack, dcl: dualDCL, length: map[string]int64{"IPv4": 20},
			wantChild: []string{"10.0.0.0/20", "2001:db8:0:10::/96"}, wantIP: "10.0.0.1",
		}),
		Entry("single-stack IPv4 parent", allocation{
			super: v4Only, dcl: v4DCL, wantChild: []string{"10.0.0.0/22"}, wantIP: "10.0.0.1",
		}),
		Entry("single-stack IPv4 child refuses IPv6", allocation{
			super: v4Only, dcl: v4DCL, wantChild: []string{"10.0.0.0/22"}, ipFamily: "IPv6", wantIPError: http.StatusBadRequest,
		}),
		Entry("single-stack IPv6 parent: IPv6 by default", allocation{
			super: v6Only, dcl: v6DCL, wantChild: []string{"2001:db8:0:10::/96"}, wantIP: "2001:db8:0:10::1",
		}),
	)

	DescribeTable("invalid child requests",
		func(super []string, dcl map[string]int64, req *models.V1NetworkAllocateRequest, status int, msg string) {
			srv := startSimulator(configWithSuper(super, dcl))
			c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
			_, err := allocateChild(c, req)
			Expect(statusCode(err)).To(Equal(status), "%v", err)
			Expect(err.Error()).To(ContainSubstring(msg))
		},
		Entry("family the parent has no default length for", v4Only, v4DCL, &models.V1NetworkAllocateRequest{Addressfamily: "IPv6"}, http.StatusBadRequest, "no childprefixlength for this addressfamily"),
		Entry("unknown family", dualStack, dualDCL, &models.V1NetworkAllocateRequest{Addressfamily: "IPv5"}, http.StatusBadRequest, "addressfamily is invalid"),
		Entry("length not longer than the parent", dualStack, dualDCL, &models.V1NetworkAllocateRequest{Length: map[string]int64{"IPv4": 16}}, http.StatusUnprocessableEntity, "must be greater than prefix length:16"),
		Entry("length for a family the parent lacks", v4Only, v4DCL, &models.V1NetworkAllocateRequest{Length: map[string]int64{"IPv6": 96}}, http.StatusUnprocessableEntity, "cannot allocate free child prefix"),
		Entry("unknown project", dualStack, dualDCL, &models.V1NetworkAllocateRequest{Projectid: "nope"}, http.StatusNotFound, "project"),
		Entry("unknown partition", dualStack, dualDCL, &models.V1NetworkAllocateRequest{Partitionid: "nope"}, http.StatusNotFound, "partition"),
	)

	Context("with the default partition", func() {
		var (
			srv *metalapi.Server
			c   metalgo.Client
		)
		BeforeEach(func() {
			srv = startSimulator(metalapi.DefaultConfig())
			c = hmacClient(srv.URL(), metalapi.DefaultHMACKey)
		})

		It("reports consumption per family like metal-api (go-ipam counts, IPv6 capped at 2^31-1)", func() {
			child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "node"})
			Expect(err).NotTo(HaveOccurred())
			_, err = allocateIP(c, *child.ID, "")
			Expect(err).NotTo(HaveOccurred())
			_, err = allocateIP(c, *child.ID, "IPv6")
			Expect(err).NotTo(HaveOccurred())

			child = getNetwork(c, *child.ID)
			// 1024 addresses, .0 and the broadcast reserved plus one IP; 256 /30s free.
			Expect(child.Consumption.IPV4).To(Equal(usage(1024, 3, 256, 0)))
			// 2^32 addresses are capped; ::0 reserved plus one IP; 2^30 /126s free.
			Expect(child.Consumption.IPV6).To(Equal(usage(math.MaxInt32, 2, 1<<30, 0)))
			Expect(child.Usage).To(Equal(child.Consumption.IPV4), "the deprecated usage is the IPv4 consumption")

			super := getNetwork(c, metalapi.PrivateSuperNetworkID)
			Expect(super.Consumption.IPV4).To(Equal(usage(65536, 2, (65536-1024)/4, 1)))
			Expect(super.Consumption.IPV6).To(Equal(usage(math.MaxInt32, 1, math.MaxInt32, 1)))
			Expect(super.Defaultchildprefixlength).To(Equal(map[string]int64{"IPv4": 22, "IPv6": 96}))

			internet := getNetwork(c, metalapi.InternetNetworkID)
			Expect(internet.Consumption.IPV4).To(Equal(usage(256, 2, 64, 0)))
		})

		It("never overlaps children, frees them and reuses their prefixes", func() {
			a, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "a"})
			Expect(err).NotTo(HaveOccurred())
			b, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "b"})
			Expect(err).NotTo(HaveOccurred())
			Expect(b.Prefixes).To(Equal([]string{"10.0.4.0/22", "2001:db8:0:10:0:1::/96"}))

			_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(*a.ID), nil)
			Expect(err).NotTo(HaveOccurred())
			again, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "again"})
			Expect(err).NotTo(HaveOccurred())
			Expect(again.Prefixes).To(Equal(a.Prefixes))

			for _, id := range []string{*b.ID, *again.ID} {
				_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(id), nil)
				Expect(err).NotTo(HaveOccurred())
			}
			super := getNetwork(c, metalapi.PrivateSuperNetworkID)
			Expect(super.Consumption.IPV4).To(Equal(usage(65536, 2, 65536/4, 0)), "free space coalesced")
		})

		It("runs out of child prefixes with a metal-api error", func() {
			for range 64 {
				_, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
				Expect(err).NotTo(HaveOccurred())
			}
			_, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
			Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
			Expect(err.Error()).To(ContainSubstring("no prefix found in 10.0.0.0/16 with length:22"))
			Expect(srv.State().Networks).To(HaveLen(4+64), "a failed allocation leaves no half network behind")
		})

		It("refuses to free a network that still has IPs or is no child", func() {
			child, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
			Expect(err).NotTo(HaveOccurred())
			addr, err := allocateIP(c, *child.ID, "")
			Expect(err).NotTo(HaveOccurred())
			_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(*child.ID), nil)
			Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
			Expect(err.Error()).To(ContainSubstring("has ips"))
			_, err = c.IP().FreeIP(ip.NewFreeIPParams().WithID(*addr.Ipaddress), nil)
			Expect(err).NotTo(HaveOccurred())
			_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(*child.ID), nil)
			Expect(err).NotTo(HaveOccurred())
			_, err = c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(metalapi.InternetNetworkID), nil)
			Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
			_, err = c.Network().DeleteNetwork(network.NewDeleteNetworkParams().WithID(metalapi.PrivateSuperNetworkID), nil)
			Expect(err).NotTo(HaveOccurred())
		})

		It("stores labels, project, partition, name and description and finds networks by them", func() {
			labels := map[string]string{"cluster.metal-stack.io/id": "c1"}
			child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Name: "node-c1", Description: "nodes of c1", Labels: labels})
			Expect(err).NotTo(HaveOccurred())
			_, err = allocateChild(c, &models.V1NetworkAllocateRequest{Name: "other", Projectid: metalapi.SecondProjectID})
			Expect(err).NotTo(HaveOccurred())
			Expect(child.Labels).To(Equal(labels))
			Expect(child.Description).To(Equal("nodes of c1"))
			Expect(child.Partitionid).To(Equal(metalapi.DefaultPartitionID))
			Expect(child.Projectid).To(Equal(metalapi.DefaultProjectID))

			find := func(req *models.V1NetworkFindRequest) []string {
				GinkgoHelper()
				resp, err := c.Network().FindNetworks(network.NewFindNetworksParams().WithBody(req), nil)
				Expect(err).NotTo(HaveOccurred())
				var ids []string
				for _, n := range resp.Payload {
					ids = append(ids, *n.ID)
				}
				return ids
			}
			Expect(find(&models.V1NetworkFindRequest{Labels: labels})).To(ConsistOf(*child.ID))
			Expect(find(&models.V1NetworkFindRequest{Projectid: metalapi.DefaultProjectID})).To(ConsistOf(*child.ID))
			Expect(find(&models.V1NetworkFindRequest{Name: "node-c1", Partitionid: metalapi.DefaultPartitionID})).To(ConsistOf(*child.ID))
			Expect(find(&models.V1NetworkFindRequest{Prefixes: []string{"10.0.0.0/22"}})).To(ConsistOf(*child.ID))
			Expect(find(&models.V1NetworkFindRequest{Parentnetworkid: metalapi.PrivateSuperNetworkID})).To(HaveLen(2))
			Expect(find(&models.V1NetworkFindRequest{Privatesuper: true})).To(ConsistOf(metalapi.PrivateSuperNetworkID))
			Expect(find(&models.V1NetworkFindRequest{Underlay: true})).To(ConsistOf(metalapi.UnderlayNetworkID))
			Expect(find(&models.V1NetworkFindRequest{Addressfamily: "IPv6", Nat: true})).To(ConsistOf(metalapi.InternetNetworkID))
			Expect(find(&models.V1NetworkFindRequest{Labels: map[string]string{"cluster.metal-stack.io/id": "other"}})).To(BeEmpty())
		})

		It("lets an admin replace prefixes unless IPs use them", func() {
			_, err := c.Network().CreateNetwork(network.NewCreateNetworkParams().WithBody(&models.V1NetworkCreateRequest{
				ID: new("edge"), Prefixes: []string{"192.0.2.0/25"}, Nat: new(false), Privatesuper: new(false), Underlay: new(false),
			}), nil)
			Expect(err).NotTo(HaveOccurred())
			resp, err := c.Network().UpdateNetwork(network.NewUpdateNetworkParams().WithBody(&models.V1NetworkUpdateRequest{
				ID: new("edge"), Prefixes: []string{"192.0.2.0/24"},
			}), nil)
			Expect(err).NotTo(HaveOccurred(), "the growing prefix overlaps only the one it replaces")
			Expect(resp.Payload.Prefixes).To(Equal([]string{"192.0.2.0/24"}))
			addr, err := allocateIP(c, "edge", "")
			Expect(err).NotTo(HaveOccurred())
			Expect(*addr.Ipaddress).To(Equal("192.0.2.1"))
			_, err = c.Network().UpdateNetwork(network.NewUpdateNetworkParams().WithBody(&models.V1NetworkUpdateRequest{
				ID: new("edge"), Prefixes: []string{"198.51.100.0/24"},
			}), nil)
			Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity))
			Expect(err.Error()).To(ContainSubstring("has ip 192.0.2.1 in use"))
			_, err = c.Network().UpdateNetwork(network.NewUpdateNetworkParams().WithBody(&models.V1NetworkUpdateRequest{
				ID: new("edge"), Prefixes: []string{"192.0.2.0/24", "10.0.0.0/24"},
			}), nil)
			Expect(statusCode(err)).To(Equal(http.StatusUnprocessableEntity), "overlaps the private super network")
		})
	})
})
