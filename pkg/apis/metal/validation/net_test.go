// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("IP and CIDR validation", func() {
	path := field.NewPath("spec", "value")

	// errWithDetail matches an error of the given type at spec.value whose detail mentions the given text.
	errWithDetail := func(t field.ErrorType, detail string) types.GomegaMatcher {
		return PointTo(MatchFields(IgnoreExtras, Fields{
			"Type":   Equal(t),
			"Field":  Equal("spec.value"),
			"Detail": ContainSubstring(detail),
		}))
	}

	DescribeTable("ValidateIP",
		func(ip string, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateIP(ip, path), matchers)
		},
		Entry("an IPv4 address", "192.0.2.1"),
		Entry("an IPv6 address", "2001:db8::1"),
		Entry("an empty address", "", errWithDetail(field.ErrorTypeRequired, "required")),
		Entry("an IPv4 address with leading zeros", "192.0.2.01", errWithDetail(field.ErrorTypeInvalid, "valid IP address")),
		Entry("a truncated IPv4 address", "192.0.2", errWithDetail(field.ErrorTypeInvalid, "valid IP address")),
		Entry("a host name", "example.com", errWithDetail(field.ErrorTypeInvalid, "valid IP address")),
		Entry("a CIDR", "192.0.2.0/24", errWithDetail(field.ErrorTypeInvalid, "valid IP address")),
		Entry("an IPv6 address with zone", "fe80::1%eth0", errWithDetail(field.ErrorTypeInvalid, "zone")),
		Entry("an IPv4-mapped IPv6 address", "::ffff:192.0.2.1", errWithDetail(field.ErrorTypeInvalid, "IPv4-mapped")),
	)

	DescribeTable("ValidateIPOfFamily",
		func(ip string, family gardencorev1beta1.IPFamily, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateIPOfFamily(ip, family, path), matchers)
		},
		Entry("an IPv4 address as IPv4", "192.0.2.1", ipv4),
		Entry("an IPv6 address as IPv6", "2001:db8::1", ipv6),
		Entry("an IPv6 address as IPv4", "2001:db8::1", ipv4, errWithDetail(field.ErrorTypeInvalid, "must be an IPv4 address")),
		Entry("an IPv4 address as IPv6", "192.0.2.1", ipv6, errWithDetail(field.ErrorTypeInvalid, "must be an IPv6 address")),
		Entry("a malformed address", "192.0.2.256", ipv4, errWithDetail(field.ErrorTypeInvalid, "valid IP address")),
	)

	DescribeTable("ValidateCIDR",
		func(cidr string, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateCIDR(cidr, path), matchers)
		},
		Entry("an IPv4 CIDR", "10.0.0.0/8"),
		Entry("an IPv6 CIDR", "2001:db8::/32"),
		Entry("a host route", "192.0.2.1/32"),
		Entry("the IPv6 default route", "::/0"),
		Entry("an empty CIDR", "", errWithDetail(field.ErrorTypeRequired, "required")),
		Entry("an address without prefix length", "10.0.0.0", errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("a too long IPv4 prefix", "10.0.0.0/33", errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("a too long IPv6 prefix", "2001:db8::/129", errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("a malformed address", "10.0.0.256/24", errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("a netmask instead of a prefix length", "10.0.0.0/255.0.0.0", errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("an IPv4 CIDR with host bits", "10.1.2.3/16", errWithDetail(field.ErrorTypeInvalid, "did you mean 10.1.0.0/16")),
		Entry("an IPv6 CIDR with host bits", "2001:db8::1/64", errWithDetail(field.ErrorTypeInvalid, "did you mean 2001:db8::/64")),
		Entry("an IPv4-mapped IPv6 CIDR", "::ffff:10.0.0.0/104", errWithDetail(field.ErrorTypeInvalid, "IPv4-mapped")),
	)

	DescribeTable("ValidateCIDROfFamily",
		func(cidr string, family gardencorev1beta1.IPFamily, matchers ...types.GomegaMatcher) {
			expectErrors(validation.ValidateCIDROfFamily(cidr, family, path), matchers)
		},
		Entry("an IPv4 CIDR as IPv4", "10.0.0.0/8", ipv4),
		Entry("an IPv6 CIDR as IPv6", "2001:db8::/32", ipv6),
		Entry("an IPv6 CIDR as IPv4", "2001:db8::/32", ipv4, errWithDetail(field.ErrorTypeInvalid, "must be an IPv4 CIDR")),
		Entry("an IPv4 CIDR as IPv6", "10.0.0.0/8", ipv6, errWithDetail(field.ErrorTypeInvalid, "must be an IPv6 CIDR")),
		Entry("a malformed CIDR of the right family", "10.0.0.0/40", ipv4, errWithDetail(field.ErrorTypeInvalid, "valid CIDR")),
		Entry("a CIDR with host bits of the right family", "2001:db8::1/64", ipv6, errWithDetail(field.ErrorTypeInvalid, "host bits")),
		Entry("an empty CIDR", "", ipv6, errWithDetail(field.ErrorTypeRequired, "required")),
	)
})
