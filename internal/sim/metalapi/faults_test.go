// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"errors"
	"net/http"
	"net/url"
	"time"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

var _ = Describe("faults and call accounting", func() {
	var (
		srv *metalapi.Server
		c   metalgo.Client
	)
	BeforeEach(func() {
		srv = startSimulator(metalapi.DefaultConfig())
		c = hmacClient(srv.URL(), metalapi.DefaultHMACKey)
	})

	allocIP := func(tag string) error {
		_, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
			Networkid: new(metalapi.InternetNetworkID), Projectid: new(metalapi.DefaultProjectID), Type: new("static"), Tags: []string{tag},
		}), nil)
		return err
	}

	It("drops the response of an applied allocation: the client errs, the state has the IP", func() {
		srv.DropNextResponses(http.MethodPost, "/v1/ip/allocate", 1)
		mark := srv.Mark()
		err := allocIP("cluster.metal-stack.io/id=lost")
		Expect(err).To(HaveOccurred())
		var urlErr *url.Error
		Expect(errors.As(err, &urlErr)).To(BeTrue(), "a transport error, not an API error: %v", err)
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id=lost").IPs).To(ConsistOf("203.0.113.1"))

		calls := srv.CallsSince(mark)
		Expect(calls).To(HaveLen(1))
		Expect(calls[0].Dropped).To(BeTrue())
		Expect(calls[0].Status).To(Equal(http.StatusCreated))

		Expect(allocIP("cluster.metal-stack.io/id=next")).To(Succeed(), "only the next response was dropped")
		Expect(srv.ActiveFaults()).To(BeEmpty())
	})

	It("drops the response of a machine free after the machine was freed", func() {
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		m, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(machineRequest(*node.ID)), nil)
		Expect(err).NotTo(HaveOccurred())
		srv.DropNextResponses(http.MethodDelete, "/v1/machine/*/free", 1)
		_, err = c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(*m.Payload.ID), nil)
		Expect(err).To(HaveOccurred())
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id=c1").Empty()).To(BeTrue())
	})

	It("fails the next N matching calls without executing them", func() {
		srv.FailNext(http.MethodPost, "/v1/network/allocate", 2, http.StatusServiceUnavailable)
		mark := srv.Mark()
		for range 2 {
			_, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
			Expect(statusCode(err)).To(Equal(http.StatusServiceUnavailable))
			Expect(err.Error()).To(ContainSubstring("injected fault"))
		}
		Expect(srv.State().Networks).To(HaveLen(4), "failed calls change nothing")
		child, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		Expect(child.Prefixes[0]).To(Equal("10.0.0.0/22"))
		Expect(srv.CallsSince(mark).Count(http.MethodPost, "/v1/network/allocate")).To(Equal(3))
	})

	It("matches faults by method, route pattern, concrete path or glob", func() {
		srv.FailNext(http.MethodGet, "/v1/network/{id}", 1, http.StatusInternalServerError)
		_, err := c.Network().ListNetworks(network.NewListNetworksParams(), nil)
		Expect(err).NotTo(HaveOccurred(), "another route is not affected")
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID(metalapi.InternetNetworkID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusInternalServerError))

		srv.FailNext("", "/v1/network/"+metalapi.UnderlayNetworkID, 1, http.StatusConflict)
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID(metalapi.InternetNetworkID), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID(metalapi.UnderlayNetworkID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusConflict))

		id := srv.InjectFault(metalapi.Fault{Method: http.MethodPost, Path: "/v1/ip/*", Status: http.StatusTooManyRequests})
		Expect(statusCode(allocIP("x=y"))).To(Equal(http.StatusTooManyRequests))
		Expect(statusCode(allocIP("x=y"))).To(Equal(http.StatusTooManyRequests), "no Times: until removed")
		srv.RemoveFault(id)
		Expect(allocIP("x=y")).To(Succeed())
	})

	It("adds latency", func() {
		id := srv.AddLatency(http.MethodGet, "/v1/network", 200*time.Millisecond)
		start := time.Now()
		_, err := c.Network().ListNetworks(network.NewListNetworksParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
		srv.ClearFaults()
		Expect(srv.ActiveFaults()).NotTo(HaveKey(id))
		start = time.Now()
		_, err = c.Network().ListNetworks(network.NewListNetworksParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(time.Since(start)).To(BeNumerically("<", 200*time.Millisecond))
	})

	It("counts calls per endpoint and separates writes from reads", func() {
		child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Labels: map[string]string{"cluster.metal-stack.io/id": "c1"}})
		Expect(err).NotTo(HaveOccurred())

		// A no-op reconcile only looks things up.
		mark := srv.Mark()
		_, err = c.Network().FindNetworks(network.NewFindNetworksParams().WithBody(&models.V1NetworkFindRequest{
			Labels: map[string]string{"cluster.metal-stack.io/id": "c1"},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID(*child.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = c.IP().FindIPs(ip.NewFindIPsParams().WithBody(&models.V1IPFindRequest{Tags: []string{"cluster.metal-stack.io/id=c1"}}), nil)
		Expect(err).NotTo(HaveOccurred())
		reads := srv.CallsSince(mark)
		Expect(reads).To(HaveLen(3))
		Expect(reads.Writes()).To(BeEmpty(), reads.String())

		// A reconcile that changes something.
		mark = srv.Mark()
		Expect(allocIP("cluster.metal-stack.io/id=c1")).To(Succeed())
		Expect(allocIP("cluster.metal-stack.io/id=c1")).To(Succeed())
		_, err = c.Network().FindNetwork(network.NewFindNetworkParams().WithID("nope"), nil)
		Expect(statusCode(err)).To(Equal(http.StatusNotFound))
		calls := srv.CallsSince(mark)
		Expect(calls.ByEndpoint()).To(Equal(map[string]int{"POST /v1/ip/allocate": 2, "GET /v1/network/{id}": 1}))
		Expect(calls.Writes()).To(HaveLen(2))
		Expect(calls.Writes().Count(http.MethodPost, "/v1/ip/allocate")).To(Equal(2))
		Expect(calls[2].Status).To(Equal(http.StatusNotFound))
		Expect(srv.AllCalls().Count("", "")).To(Equal(7))
	})

	It("bounds the call log of a long-running simulator", func() {
		cfg := metalapi.DefaultConfig()
		cfg.CallLogLimit = 10
		s := startSimulator(cfg)
		cc := hmacClient(s.URL(), metalapi.DefaultHMACKey)
		mark := s.Mark()
		for range 25 {
			_, err := cc.Network().ListNetworks(network.NewListNetworksParams(), nil)
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(len(s.AllCalls())).To(BeNumerically("<=", 10))
		recent := s.CallsSince(mark)
		Expect(recent[len(recent)-1].Seq).To(Equal(uint64(mark)+25), "the newest calls are kept")
	})
})
