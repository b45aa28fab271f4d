// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
)

var _ = Describe("clusterwideNetworkPolicies", func() {
	v4 := gardencorev1beta1.IPFamilyIPv4
	v6 := gardencorev1beta1.IPFamilyIPv6
	isolation := &apismetal.NetworkIsolation{
		AllowedNetworks: apismetal.AllowedNetworks{Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}},
		DNSServers:      []string{"100.64.0.53", "2001:db8:2::53"},
		NTPServers:      []string{"ntp.example.com", "2001:db8:2::123"},
	}
	destinations := func(families []gardencorev1beta1.IPFamily, access apismetal.NetworkAccessType, isolation *apismetal.NetworkIsolation) map[string][]string {
		out := map[string][]string{}
		for _, p := range clusterwideNetworkPolicies(families, access, isolation) {
			Expect(p.Spec.Egress).To(HaveLen(1))
			for _, to := range p.Spec.Egress[0].To {
				out[p.Name] = append(out[p.Name], to.CIDR)
			}
		}
		return out
	}

	DescribeTable("has one policy per purpose and family, never the IPv4 address space alone for an IPv6 shoot",
		func(families []gardencorev1beta1.IPFamily, access apismetal.NetworkAccessType, want map[string][]string) {
			Expect(destinations(families, access, isolation)).To(Equal(want))
		},
		Entry("baseline IPv6 only", []gardencorev1beta1.IPFamily{v6}, apismetal.NetworkAccessBaseline, map[string][]string{
			"allow-to-dns-ipv6": {"::/0"}, "allow-to-ntp-ipv6": {"::/0"}, "allow-to-apiserver-ipv6": {"::/0"},
			"allow-to-vpn-ipv6": {"::/0"}, "allow-to-http-ipv6": {"::/0"},
		}),
		Entry("baseline dual-stack", []gardencorev1beta1.IPFamily{v4, v6}, apismetal.NetworkAccessBaseline, map[string][]string{
			"allow-to-dns-ipv4": {"0.0.0.0/0"}, "allow-to-ntp-ipv4": {"0.0.0.0/0"}, "allow-to-apiserver-ipv4": {"0.0.0.0/0"},
			"allow-to-vpn-ipv4": {"0.0.0.0/0"}, "allow-to-http-ipv4": {"0.0.0.0/0"},
			"allow-to-dns-ipv6": {"::/0"}, "allow-to-ntp-ipv6": {"::/0"}, "allow-to-apiserver-ipv6": {"::/0"},
			"allow-to-vpn-ipv6": {"::/0"}, "allow-to-http-ipv6": {"::/0"},
		}),
		Entry("forbidden IPv4 only: host names cannot be matched, so no NTP policy", []gardencorev1beta1.IPFamily{v4}, apismetal.NetworkAccessForbidden, map[string][]string{
			"allow-to-dns-ipv4": {"100.64.0.53/32"}, "allow-to-apiserver-ipv4": {"100.64.0.0/10"}, "allow-to-vpn-ipv4": {"100.64.0.0/10"},
		}),
		Entry("restricted IPv6 only", []gardencorev1beta1.IPFamily{v6}, apismetal.NetworkAccessRestricted, map[string][]string{
			"allow-to-dns-ipv6": {"2001:db8:2::53/128"}, "allow-to-ntp-ipv6": {"2001:db8:2::123/128"},
			"allow-to-apiserver-ipv6": {"2001:db8:2::/48"}, "allow-to-vpn-ipv6": {"2001:db8:2::/48"},
		}),
	)

	It("treats a missing isolation like baseline", func() {
		Expect(destinations([]gardencorev1beta1.IPFamily{v4}, apismetal.NetworkAccessRestricted, nil)).To(HaveKeyWithValue("allow-to-http-ipv4", []string{"0.0.0.0/0"}))
	})
})
