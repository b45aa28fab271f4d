// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
)

var _ = Describe("registry mirror policy names", func() {
	DescribeTable("are DNS labels made of the mirror's name",
		func(mirrors []string, want []string) {
			isolation := &apismetal.NetworkIsolation{AllowedNetworks: apismetal.AllowedNetworks{Egress: []string{"10.1.0.0/24"}}}
			for _, name := range mirrors {
				isolation.RegistryMirrors = append(isolation.RegistryMirrors, apismetal.RegistryMirror{Name: name, Endpoint: "https://r.example.com", IP: "10.1.0.3", Port: 443})
			}
			var names []string
			for _, p := range clusterwideNetworkPolicies([]gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}, apismetal.NetworkAccessRestricted, isolation) {
				Expect(validation.IsDNS1123Label(p.Name)).To(BeEmpty(), p.Name)
				if strings.HasPrefix(p.Name, "allow-to-registry-") {
					names = append(names, p.Name)
				}
			}
			Expect(names).To(Equal(want))
		},
		Entry("a name with a space", []string{"partition mirror"}, []string{"allow-to-registry-partition-mirror-ipv4"}),
		Entry("upper case and punctuation", []string{"Harbor (EU)/1"}, []string{"allow-to-registry-harbor-eu-1-ipv4"}),
		Entry("nothing a label can hold", []string{"!!!"}, []string{"allow-to-registry-mirror-ipv4"}),
		Entry("two names that become the same", []string{"a b", "a-b"}, []string{"allow-to-registry-a-b-ipv4", "allow-to-registry-a-b-1-ipv4"}),
		Entry("a long name", []string{strings.Repeat("registry", 10)}, []string{"allow-to-registry-" + strings.Repeat("registry", 10)[:37] + "-ipv4"}),
	)
})

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
