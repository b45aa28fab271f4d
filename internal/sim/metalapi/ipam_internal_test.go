// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"math"
	"net/netip"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("ipam (go-ipam semantics)", func() {
	var im *ipam
	pfx := netip.MustParsePrefix
	addr := netip.MustParseAddr

	BeforeEach(func() { im = newIPAM() })

	It("reserves the network address (and the IPv4 broadcast) and hands out the lowest free address", func() {
		Expect(im.createPrefix(pfx("10.0.0.0/30"))).To(Succeed())
		Expect(im.acquireIP(pfx("10.0.0.0/30"))).To(Equal(addr("10.0.0.1")))
		Expect(im.acquireIP(pfx("10.0.0.0/30"))).To(Equal(addr("10.0.0.2")))
		_, err := im.acquireIP(pfx("10.0.0.0/30"))
		Expect(err).To(MatchError(errNoIPAvailable))
		Expect(im.releaseIP(pfx("10.0.0.0/30"), addr("10.0.0.1"))).To(Succeed())
		Expect(im.acquireIP(pfx("10.0.0.0/30"))).To(Equal(addr("10.0.0.1")), "a released address is reused first")

		Expect(im.createPrefix(pfx("2001:db8::/126"))).To(Succeed())
		Expect(im.acquireIP(pfx("2001:db8::/126"))).To(Equal(addr("2001:db8::1")))
		Expect(im.acquireIP(pfx("2001:db8::/126"))).To(Equal(addr("2001:db8::2")))
		Expect(im.acquireIP(pfx("2001:db8::/126"))).To(Equal(addr("2001:db8::3")), "IPv6 has no broadcast")
	})

	It("refuses overlapping and non-canonical prefixes", func() {
		Expect(im.createPrefix(pfx("10.0.0.0/16"))).To(Succeed())
		Expect(im.createPrefix(pfx("10.0.128.0/17"))).To(MatchError(errPrefixesOverlap))
		Expect(im.createPrefix(netip.PrefixFrom(addr("10.1.0.1"), 16))).NotTo(Succeed())
	})

	It("takes children best-fit and merges free space again on release", func() {
		parent := pfx("10.0.0.0/16")
		Expect(im.createPrefix(parent)).To(Succeed())
		a, _ := im.acquireChild(parent, 22)
		b, _ := im.acquireChild(parent, 24)
		c, _ := im.acquireChild(parent, 22)
		Expect([]netip.Prefix{a, b, c}).To(Equal([]netip.Prefix{pfx("10.0.0.0/22"), pfx("10.0.4.0/24"), pfx("10.0.8.0/22")}))
		// The /24 hole after b is the best fit for another /24 and for a /25.
		Expect(im.acquireChild(parent, 24)).To(Equal(pfx("10.0.5.0/24")))
		Expect(im.acquireChild(parent, 25)).To(Equal(pfx("10.0.6.0/25")))
		Expect(im.releaseChild(a)).To(Succeed())
		Expect(im.acquireChild(parent, 23)).To(Equal(pfx("10.0.0.0/23")), "the released block is reused")

		for _, p := range []netip.Prefix{pfx("10.0.0.0/23"), b, c, pfx("10.0.5.0/24"), pfx("10.0.6.0/25")} {
			Expect(im.releaseChild(p)).To(Succeed())
		}
		pp, _ := im.prefix(parent)
		Expect(pp.freePrefixes()).To(Equal([]netip.Prefix{parent}), "all free space coalesces back into the parent")
	})

	It("rejects child lengths that do not fit and reports what is left", func() {
		parent := pfx("10.0.0.0/23")
		Expect(im.createPrefix(parent)).To(Succeed())
		_, err := im.acquireChild(parent, 23)
		Expect(err).To(MatchError("given length:23 must be greater than prefix length:23"))
		_, err = im.acquireChild(parent, 33)
		Expect(err).To(HaveOccurred())
		Expect(im.acquireChild(parent, 24)).To(Equal(pfx("10.0.0.0/24")))
		Expect(im.acquireChild(parent, 25)).To(Equal(pfx("10.0.1.0/25")))
		_, err = im.acquireChild(parent, 24)
		Expect(err).To(MatchError("no prefix found in 10.0.0.0/23 with length:24, but 10.0.1.128/25 is available"))
	})

	It("keeps IPs and children apart", func() {
		parent := pfx("10.0.0.0/16")
		Expect(im.createPrefix(parent)).To(Succeed())
		child, err := im.acquireChild(parent, 24)
		Expect(err).NotTo(HaveOccurred())
		_, err = im.acquireIP(parent)
		Expect(err).To(MatchError(errPrefixHasChildren))
		_, err = im.acquireIP(child)
		Expect(err).NotTo(HaveOccurred())
		Expect(im.releaseChild(child)).To(MatchError(errPrefixHasIPs))
	})

	It("reports usage with go-ipam's caps", func() {
		Expect(im.createPrefix(pfx("10.0.0.0/16"))).To(Succeed())
		Expect(im.createPrefix(pfx("2001:db8::/64"))).To(Succeed())
		_, err := im.acquireChild(pfx("10.0.0.0/16"), 22)
		Expect(err).NotTo(HaveOccurred())
		_, err = im.acquireChild(pfx("2001:db8::/64"), 96)
		Expect(err).NotTo(HaveOccurred())

		u4, _ := im.usage(pfx("10.0.0.0/16"))
		Expect(u4).To(Equal(ipamUsage{AvailableIPs: 65536, AcquiredIPs: 2, AvailableSmallestPrefixes: (65536 - 1024) / 4, AcquiredPrefixes: 1}))
		u6, _ := im.usage(pfx("2001:db8::/64"))
		Expect(u6).To(Equal(ipamUsage{AvailableIPs: math.MaxInt32, AcquiredIPs: 1, AvailableSmallestPrefixes: math.MaxInt32, AcquiredPrefixes: 1}))
		c6, _ := im.usage(pfx("2001:db8::/96"))
		Expect(c6).To(Equal(ipamUsage{AvailableIPs: math.MaxInt32, AcquiredIPs: 1, AvailableSmallestPrefixes: 1 << 30}))
	})
})

// BenchmarkIPAMChildAndIP measures the IPAM alone, without HTTP: one child prefix out of a /8 and one
// IP out of a /12 per iteration.
func BenchmarkIPAMChildAndIP(b *testing.B) {
	im := newIPAM()
	parent, pool := netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/12")
	if err := im.createPrefix(parent); err != nil {
		b.Fatal(err)
	}
	if err := im.createPrefix(pool); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := im.acquireChild(parent, 28); err != nil {
			b.Fatal(err)
		}
		if _, err := im.acquireIP(pool); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "child+ip/s")
}
