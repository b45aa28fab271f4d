// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"fmt"
	"net/http"

	"github.com/metal-stack/metal-go/api/client/image"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

var _ = Describe("seeds and state inspection", func() {
	It("round-trips the default seeds through YAML", func() {
		for _, seed := range []metalapi.Seed{metalapi.DefaultSeed(), metalapi.SandboxSeed()} {
			data, err := seed.YAML()
			Expect(err).NotTo(HaveOccurred())
			parsed, err := metalapi.ParseSeed(data)
			Expect(err).NotTo(HaveOccurred())
			Expect(parsed).To(Equal(seed))
		}
		_, err := metalapi.ParseSeed([]byte("partitions: []\nunknown: 1\n"))
		Expect(err).To(HaveOccurred(), "unknown keys are errors")
	})

	It("serves a partition from a YAML file", func() {
		seed, err := metalapi.LoadSeedFile("testdata/ipv6-only.yaml")
		Expect(err).NotTo(HaveOccurred())
		cfg := metalapi.DefaultConfig()
		cfg.Seed = seed
		srv := startSimulator(cfg)
		c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)

		child, err := allocateChild(c, &models.V1NetworkAllocateRequest{Partitionid: "v6-only", Projectid: "p1"})
		Expect(err).NotTo(HaveOccurred())
		Expect(child.Prefixes).To(Equal([]string{"2001:db8:100::/64"}))
		Expect(child.Consumption.IPV4).To(BeNil())
		Expect(*child.Usage.AvailableIps).To(BeZero(), "the deprecated usage only counts IPv4")

		latest, err := c.Image().FindImage(image.NewFindImageParams().WithID("ubuntu-24.04"), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(*latest.Payload.ID).To(Equal("ubuntu-24.04.20260301"), "an image version prefix resolves to the most recent image")

		m, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(&models.V1MachineAllocateRequest{
			Imageid: new("ubuntu-24.04"), Partitionid: new("v6-only"), Projectid: new("p1"), Sizeid: new("small"), SSHPubKeys: []string{},
			Networks: []*models.V1MachineAllocationNetwork{allocNet(*child.ID), allocNet("internet-v6")},
		}), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(ipsOf(m.Payload)).To(Equal(map[string][]string{*child.ID: {"2001:db8:100::1"}, "internet-v6": {"2001:db8:ff::1"}}))
		Expect(*m.Payload.Allocation.Image.ID).To(Equal("ubuntu-24.04.20260301"))
		Expect(*m.Payload.Allocation.Hostname).To(Equal("metal"), "metal-api's default hostname")
	})

	DescribeTable("refuses inconsistent seeds",
		func(mutate func(*metalapi.Seed), msg string) {
			cfg := metalapi.DefaultConfig()
			mutate(&cfg.Seed)
			_, err := metalapi.New(cfg)
			Expect(err).To(MatchError(ContainSubstring(msg)))
		},
		Entry("free machines of an unknown size", func(s *metalapi.Seed) { s.Partitions[0].FreeMachines["xxl"] = 1 }, "unknown size"),
		Entry("super network without default child lengths", func(s *metalapi.Seed) { s.Networks[0].DefaultChildPrefixLength = nil }, "defaultchildprefixlength"),
		Entry("super network without a length for one family", func(s *metalapi.Seed) {
			s.Networks[0].DefaultChildPrefixLength = map[string]int64{"IPv4": 22}
		}, "per addressfamily:IPv6"),
		Entry("overlapping networks", func(s *metalapi.Seed) { s.Networks[3].Prefixes = []string{"10.0.1.0/24"} }, "overlaps"),
		Entry("a second private super network in a partition", func(s *metalapi.Seed) {
			s.Networks = append(s.Networks, metalapi.NetworkSeed{ID: "second", PartitionID: metalapi.DefaultPartitionID, PrivateSuper: true,
				Prefixes: []string{"172.16.0.0/16"}, DefaultChildPrefixLength: map[string]int64{"IPv4": 24}})
		}, "already has a private super network"),
		Entry("an unknown image feature", func(s *metalapi.Seed) { s.Images[0].Features = []string{"toaster"} }, "unknown feature"),
	)

	It("reports the state per project and what a cluster tag still holds", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
		node, err := allocateChild(c, &models.V1NetworkAllocateRequest{Labels: map[string]string{"cluster.metal-stack.io/id": "c1"}})
		Expect(err).NotTo(HaveOccurred())
		m, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(machineRequest(*node.ID)), nil)
		Expect(err).NotTo(HaveOccurred())
		_, err = allocateChild(c, &models.V1NetworkAllocateRequest{Projectid: metalapi.SecondProjectID})
		Expect(err).NotTo(HaveOccurred())

		all := srv.State()
		Expect(all.Partitions).To(HaveLen(1))
		Expect(all.Sizes).To(HaveLen(3))
		Expect(all.Images).To(HaveLen(2))
		Expect(all.Networks).To(HaveLen(6))
		Expect(all.Machines).To(HaveLen(50))
		Expect(all.IPs).To(HaveLen(2))

		mine := srv.ProjectState(metalapi.DefaultProjectID)
		Expect(mine.Projects).To(HaveLen(1))
		Expect(mine.Networks).To(HaveLen(1))
		Expect(mine.Machines).To(HaveLen(1))
		Expect(mine.IPs).To(HaveLen(2))
		Expect(mine.Partitions).To(BeEmpty())

		left := srv.LeftoversForCluster("cluster.metal-stack.io/id=c1")
		Expect(left.Networks).To(ConsistOf(*node.ID))
		Expect(left.Machines).To(ConsistOf(*m.Payload.ID))
		Expect(left.Empty()).To(BeFalse())
		Expect(left.String()).To(ContainSubstring(*node.ID))
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id").Machines).To(ConsistOf(*m.Payload.ID), "a key without value matches any value")
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id=c2").Empty()).To(BeTrue())

		_, err = c.Machine().FreeMachine(machine.NewFreeMachineParams().WithID(*m.Payload.ID), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(srv.LeftoversForCluster("cluster.metal-stack.io/id=c1").Networks).To(ConsistOf(*node.ID))
	})

	It("is deterministic for a random seed", func() {
		run := func(randomSeed uint64) []string {
			cfg := metalapi.DefaultConfig()
			cfg.RandomSeed = randomSeed
			srv := startSimulator(cfg)
			c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
			n, err := allocateChild(c, &models.V1NetworkAllocateRequest{})
			Expect(err).NotTo(HaveOccurred())
			m, err := c.Machine().AllocateMachine(machine.NewAllocateMachineParams().WithBody(machineRequest(*n.ID)), nil)
			Expect(err).NotTo(HaveOccurred())
			return []string{*n.ID, fmt.Sprint(n.Vrf), *m.Payload.ID, *m.Payload.Allocation.Allocationuuid, fmt.Sprint(*m.Payload.Allocation.Networks[0].Asn)}
		}
		first := run(7)
		Expect(run(7)).To(Equal(first))
		Expect(run(8)).NotTo(Equal(first))
	})

	It("answers unknown routes with a metal-api 404", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		resp, err := http.Get(srv.URL() + "/v2/nothing")
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(http.StatusNotFound))
	})
})
