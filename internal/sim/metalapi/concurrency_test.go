// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"net/netip"
	"slices"
	"sync"

	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

// runConcurrently runs the jobs on the given number of workers and collects their errors.
func runConcurrently(workers int, jobs []func() error) []error {
	ch := make(chan func() error)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for range workers {
		wg.Go(func() {
			for job := range ch {
				if err := job(); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	return errs
}

// assertNoOverlap fails if any two prefixes overlap.
func assertNoOverlap(prefixes []netip.Prefix) {
	GinkgoHelper()
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	for i := 1; i < len(prefixes); i++ {
		Expect(prefixes[i-1].Overlaps(prefixes[i])).To(BeFalse(), "%s overlaps %s", prefixes[i-1], prefixes[i])
	}
}

var _ = Describe("allocation storm", func() {
	It("allocates 2,000 IPs and 200 child networks concurrently without duplicates or overlaps", func() {
		const (
			ipNetworks = 10
			ipsPerNet  = 200 // 100 IPv4 and 100 IPv6 each: 2,000 IPs
			storm      = 200 // child networks allocated during the IP storm
			tag        = "cluster.metal-stack.io/id=storm"
		)
		srv := startSimulator(metalapi.SandboxConfig())
		c := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
		labels := map[string]string{"cluster.metal-stack.io/id": "storm"}

		var targets []*models.V1NetworkResponse
		for range ipNetworks {
			n, err := allocateChild(c, &models.V1NetworkAllocateRequest{Labels: labels})
			Expect(err).NotTo(HaveOccurred())
			targets = append(targets, n)
		}

		var (
			mu             sync.Mutex
			networks       = slices.Clone(targets)
			ips            []*models.V1IPResponse
			netJobs, ipJob []func() error
		)
		for range storm {
			netJobs = append(netJobs, func() error {
				n, err := allocateChild(c, &models.V1NetworkAllocateRequest{Labels: labels})
				if err != nil {
					return err
				}
				mu.Lock()
				networks = append(networks, n)
				mu.Unlock()
				return nil
			})
		}
		for _, target := range targets {
			for i := range ipsPerNet {
				family := []string{"IPv4", "IPv6"}[i%2]
				ipJob = append(ipJob, func() error {
					resp, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
						Networkid: target.ID, Projectid: new(metalapi.DefaultProjectID), Addressfamily: family, Tags: []string{tag},
					}), nil)
					if err != nil {
						return err
					}
					mu.Lock()
					ips = append(ips, resp.Payload)
					mu.Unlock()
					return nil
				})
			}
		}
		// Interleave the network and the IP allocations: one network per ten IPs.
		interleaved := make([]func() error, 0, len(netJobs)+len(ipJob))
		for i := range ipJob {
			interleaved = append(interleaved, ipJob[i])
			if i%10 == 0 && i/10 < len(netJobs) {
				interleaved = append(interleaved, netJobs[i/10])
			}
		}
		Expect(interleaved).To(HaveLen(storm + ipNetworks*ipsPerNet))
		Expect(runConcurrently(32, interleaved)).To(BeEmpty())

		Expect(ips).To(HaveLen(ipNetworks * ipsPerNet))
		Expect(networks).To(HaveLen(ipNetworks + storm))

		// No address twice, every address inside a prefix of its network and of the requested family.
		prefixesOf := map[string][]netip.Prefix{}
		var all []netip.Prefix
		for _, n := range networks {
			Expect(n.Prefixes).To(HaveLen(2))
			for _, p := range n.Prefixes {
				pfx := netip.MustParsePrefix(p)
				prefixesOf[*n.ID] = append(prefixesOf[*n.ID], pfx)
				all = append(all, pfx)
			}
		}
		assertNoOverlap(all)
		seen := map[string]bool{}
		perNetwork := map[string]int{}
		for _, i := range ips {
			Expect(seen[*i.Ipaddress]).To(BeFalse(), "%s allocated twice", *i.Ipaddress)
			seen[*i.Ipaddress] = true
			a := netip.MustParseAddr(*i.Ipaddress)
			Expect(slices.ContainsFunc(prefixesOf[*i.Networkid], func(p netip.Prefix) bool { return p.Contains(a) })).To(BeTrue(),
				"%s outside of network %s", a, *i.Networkid)
			perNetwork[*i.Networkid]++
		}
		for _, t := range targets {
			Expect(perNetwork[*t.ID]).To(Equal(ipsPerNet))
			n := getNetwork(c, *t.ID)
			Expect(*n.Consumption.IPV4.UsedIps).To(Equal(int64(2 + ipsPerNet/2)))
			Expect(*n.Consumption.IPV6.UsedIps).To(Equal(int64(1 + ipsPerNet/2)))
		}
		super := getNetwork(c, metalapi.PrivateSuperNetworkID)
		Expect(*super.Consumption.IPV4.UsedPrefixes).To(Equal(int64(ipNetworks + storm)))
		Expect(*super.Consumption.IPV6.UsedPrefixes).To(Equal(int64(ipNetworks + storm)))

		// Free everything concurrently: IPs first, then the networks.
		var frees []func() error
		for _, i := range ips {
			frees = append(frees, func() error {
				_, err := c.IP().FreeIP(ip.NewFreeIPParams().WithID(*i.Ipaddress), nil)
				return err
			})
		}
		Expect(runConcurrently(32, frees)).To(BeEmpty())
		frees = nil
		for _, n := range networks {
			frees = append(frees, func() error {
				_, err := c.Network().FreeNetwork(network.NewFreeNetworkParams().WithID(*n.ID), nil)
				return err
			})
		}
		Expect(runConcurrently(32, frees)).To(BeEmpty())

		Expect(srv.LeftoversForCluster(tag).Empty()).To(BeTrue(), srv.LeftoversForCluster(tag).String())
		super = getNetwork(c, metalapi.PrivateSuperNetworkID)
		Expect(super.Consumption.IPV4).To(Equal(usage(1<<18, 2, 1<<16, 0)), "the /14 is whole again")
		Expect(srv.CallsSince(0).Writes().Count("POST", "/v1/ip/allocate")).To(Equal(ipNetworks * ipsPerNet))
	})
})
