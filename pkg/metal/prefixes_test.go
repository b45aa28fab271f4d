// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"net/netip"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("ChooseNodePrefixLengths", func() {
	dualStack := &metal.Network{
		ID:                        "super",
		Prefixes:                  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("2001:db8:0:10::/64")},
		DefaultChildPrefixLengths: map[metal.IPFamily]int{metal.IPv4: 22, metal.IPv6: 96},
		PrivateSuper:              true,
	}
	v4Only := &metal.Network{
		ID:                        "super-v4",
		Prefixes:                  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/16"), netip.MustParsePrefix("10.8.0.0/14")},
		DefaultChildPrefixLengths: map[metal.IPFamily]int{metal.IPv4: 24},
		PrivateSuper:              true,
	}
	fam := func(f ...metal.IPFamily) []metal.IPFamily { return f }

	DescribeTable("chooses the given length, else the parent's default",
		func(families []metal.IPFamily, given map[metal.IPFamily]int, parent *metal.Network, want map[metal.IPFamily]int) {
			got, err := metal.ChooseNodePrefixLengths(families, given, parent)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want))
		},
		Entry("dual-stack defaults", fam(metal.IPv4, metal.IPv6), nil, dualStack, map[metal.IPFamily]int{metal.IPv4: 22, metal.IPv6: 96}),
		Entry("dual-stack custom", fam(metal.IPv6, metal.IPv4), map[metal.IPFamily]int{metal.IPv4: 24, metal.IPv6: 80}, dualStack, map[metal.IPFamily]int{metal.IPv4: 24, metal.IPv6: 80}),
		Entry("one family custom, one default", fam(metal.IPv4, metal.IPv6), map[metal.IPFamily]int{metal.IPv6: 112}, dualStack, map[metal.IPFamily]int{metal.IPv4: 22, metal.IPv6: 112}),
		Entry("IPv4 only from a dual-stack parent", fam(metal.IPv4), map[metal.IPFamily]int{metal.IPv6: 80}, dualStack, map[metal.IPFamily]int{metal.IPv4: 22}),
		Entry("IPv6 only", fam(metal.IPv6), nil, dualStack, map[metal.IPFamily]int{metal.IPv6: 96}),
		Entry("a length that fits the larger of two parent prefixes", fam(metal.IPv4), map[metal.IPFamily]int{metal.IPv4: 15}, v4Only, map[metal.IPFamily]int{metal.IPv4: 15}),
	)

	DescribeTable("rejects what the parent cannot give as configuration errors",
		func(families []metal.IPFamily, given map[metal.IPFamily]int, parent *metal.Network, mention string) {
			_, err := metal.ChooseNodePrefixLengths(families, given, parent)
			Expect(metal.IsConfiguration(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring(mention))
		},
		Entry("a family the parent lacks", fam(metal.IPv4, metal.IPv6), nil, v4Only, "has no IPv6 prefix"),
		Entry("a length shorter than the parent", fam(metal.IPv4), map[metal.IPFamily]int{metal.IPv4: 14}, v4Only, "/14 does not fit"),
		Entry("a length equal to the parent", fam(metal.IPv6), map[metal.IPFamily]int{metal.IPv6: 64}, dualStack, "/64 does not fit"),
		Entry("a length beyond the address", fam(metal.IPv4), map[metal.IPFamily]int{metal.IPv4: 33}, dualStack, "/33 does not fit"),
		Entry("no length and no default", fam(metal.IPv6), nil, &metal.Network{ID: "p", Prefixes: []netip.Prefix{netip.MustParsePrefix("fd00::/48")}}, "no default IPv6 child prefix length"),
		Entry("an unknown family", fam("IPv5"), nil, dualStack, "unknown IP family"),
	)

	It("needs a parent", func() {
		_, err := metal.ChooseNodePrefixLengths(fam(metal.IPv4), nil, nil)
		Expect(err).To(HaveOccurred())
	})
})

var _ = Describe("Network", func() {
	n := &metal.Network{Prefixes: []netip.Prefix{netip.MustParsePrefix("2001:db8::/96"), netip.MustParsePrefix("10.0.0.0/22")}}

	It("sorts prefixes into families", func() {
		Expect(n.Families()).To(Equal([]metal.IPFamily{metal.IPv4, metal.IPv6}))
		Expect(n.PrefixesOf(metal.IPv6)).To(Equal([]netip.Prefix{netip.MustParsePrefix("2001:db8::/96")}))
	})

	DescribeTable("UsableBy decides whether a firewall of a project may use a network",
		func(n metal.Network, usable bool) {
			err := n.UsableBy("p", "fra")
			if usable {
				Expect(err).NotTo(HaveOccurred())
				return
			}
			Expect(metal.IsConfiguration(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring(`"n"`))
		},
		Entry("an external network of no project", metal.Network{ID: "n"}, true),
		Entry("a network of the project", metal.Network{ID: "n", ProjectID: "p", PartitionID: "fra"}, true),
		Entry("a shared network of another project", metal.Network{ID: "n", ProjectID: "q", Shared: true}, true),
		Entry("a network of another project", metal.Network{ID: "n", ProjectID: "q"}, false),
		Entry("a network of another partition", metal.Network{ID: "n", PartitionID: "ham"}, false),
		Entry("a private super network", metal.Network{ID: "n", PrivateSuper: true, PartitionID: "fra"}, false),
		Entry("an underlay", metal.Network{ID: "n", Underlay: true, PartitionID: "fra"}, false),
	)
})
