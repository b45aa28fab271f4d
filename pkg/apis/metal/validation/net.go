// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validation holds the validation of the metal provider API: pure functions that return every problem
// of a config as a field.ErrorList with the path of the offending field.
package validation

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// ValidateIP validates that ip is a single IPv4 or IPv6 address (no zone, no IPv4-mapped IPv6 address).
func ValidateIP(ip string, fldPath *field.Path) field.ErrorList {
	_, errs := parseIP(ip, fldPath)
	return errs
}

// ValidateIPOfFamily validates that ip is a single address of the given IP family.
func ValidateIPOfFamily(ip string, family gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	addr, errs := parseIP(ip, fldPath)
	if len(errs) > 0 {
		return errs
	}
	if familyOf(addr) != family {
		return field.ErrorList{field.Invalid(fldPath, ip, fmt.Sprintf("must be an %s address", family))}
	}
	return nil
}

// ValidateCIDR validates that cidr is an IPv4 or IPv6 network in CIDR notation without host bits set.
func ValidateCIDR(cidr string, fldPath *field.Path) field.ErrorList {
	_, errs := parseCIDR(cidr, fldPath)
	return errs
}

// ValidateCIDROfFamily validates that cidr is a network of the given IP family in CIDR notation without host bits
// set.
func ValidateCIDROfFamily(cidr string, family gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	prefix, errs := parseCIDR(cidr, fldPath)
	if len(errs) > 0 {
		return errs
	}
	if familyOf(prefix.Addr()) != family {
		return field.ErrorList{field.Invalid(fldPath, cidr, fmt.Sprintf("must be an %s CIDR", family))}
	}
	return nil
}

func parseIP(ip string, fldPath *field.Path) (netip.Addr, field.ErrorList) {
	if ip == "" {
		return netip.Addr{}, field.ErrorList{field.Required(fldPath, "an IP address is required")}
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return netip.Addr{}, field.ErrorList{field.Invalid(fldPath, ip, "must be a valid IP address")}
	}
	if addr.Zone() != "" {
		return netip.Addr{}, field.ErrorList{field.Invalid(fldPath, ip, "must not carry an IPv6 zone")}
	}
	if addr.Is4In6() {
		return netip.Addr{}, field.ErrorList{field.Invalid(fldPath, ip, "must not be an IPv4-mapped IPv6 address; write the IPv4 address instead")}
	}
	return addr, nil
}

func parseCIDR(cidr string, fldPath *field.Path) (netip.Prefix, field.ErrorList) {
	if cidr == "" {
		return netip.Prefix{}, field.ErrorList{field.Required(fldPath, "a CIDR is required")}
	}
	prefix, err := netip.ParsePrefix(cidr)
	if err != nil {
		return netip.Prefix{}, field.ErrorList{field.Invalid(fldPath, cidr, "must be a valid CIDR, e.g. 10.0.0.0/16 or 2001:db8::/48")}
	}
	if prefix.Addr().Is4In6() {
		return netip.Prefix{}, field.ErrorList{field.Invalid(fldPath, cidr, "must not be an IPv4-mapped IPv6 CIDR; write the IPv4 CIDR instead")}
	}
	if masked := prefix.Masked(); masked != prefix {
		return netip.Prefix{}, field.ErrorList{field.Invalid(fldPath, cidr, fmt.Sprintf("must not have host bits set, did you mean %s?", masked))}
	}
	return prefix, nil
}

func familyOf(addr netip.Addr) gardencorev1beta1.IPFamily {
	if addr.Is4() {
		return gardencorev1beta1.IPFamilyIPv4
	}
	return gardencorev1beta1.IPFamilyIPv6
}

// validateHTTPURL validates that s is an absolute http or https URL with a host.
func validateHTTPURL(s string, fldPath *field.Path) field.ErrorList {
	if s == "" {
		return field.ErrorList{field.Required(fldPath, "a URL is required")}
	}
	u, err := url.Parse(s)
	if err != nil {
		return field.ErrorList{field.Invalid(fldPath, s, fmt.Sprintf("must be a valid URL: %v", err))}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return field.ErrorList{field.Invalid(fldPath, s, "must be an http or https URL")}
	}
	if u.Hostname() == "" {
		return field.ErrorList{field.Invalid(fldPath, s, "must name a host")}
	}
	return nil
}

// validateHostOrIP validates that s is an IP address or a DNS host name (lower case).
func validateHostOrIP(s string, fldPath *field.Path) field.ErrorList {
	if s == "" {
		return field.ErrorList{field.Required(fldPath, "an IP address or host name is required")}
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return ValidateIP(s, fldPath)
	}
	if msgs := utilvalidation.IsDNS1123Subdomain(s); len(msgs) > 0 {
		return field.ErrorList{field.Invalid(fldPath, s, "must be an IP address or a host name: "+strings.Join(msgs, "; "))}
	}
	return nil
}

// validateRegistryHost validates a registry host as containerd names it: a host name or IP, optionally with a port.
func validateRegistryHost(s string, fldPath *field.Path) field.ErrorList {
	if s == "" {
		return field.ErrorList{field.Required(fldPath, "a registry host is required")}
	}
	host := s
	if h, port, err := net.SplitHostPort(s); err == nil {
		if p, err := strconv.ParseUint(port, 10, 16); err != nil || p == 0 {
			return field.ErrorList{field.Invalid(fldPath, s, "must have a port between 1 and 65535")}
		}
		host = h
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if msgs := utilvalidation.IsDNS1123Subdomain(host); len(msgs) > 0 {
		return field.ErrorList{field.Invalid(fldPath, s, "must be a registry host name, optionally with a port: "+strings.Join(msgs, "; "))}
	}
	return nil
}

// validateNonEmptyUnique validates that no entry of a list of names or IDs is empty or repeated.
func validateNonEmptyUnique(values []string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	seen := sets.New[string]()
	for i, v := range values {
		switch {
		case v == "":
			allErrs = append(allErrs, field.Required(fldPath.Index(i), "must not be empty"))
		case seen.Has(v):
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), v))
		}
		seen.Insert(v)
	}
	return allErrs
}

// validateUnique reports every repeated entry of a list as a duplicate; empty entries are left to other checks.
func validateUnique(values []string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	seen := sets.New[string]()
	for i, v := range values {
		if v != "" && seen.Has(v) {
			allErrs = append(allErrs, field.Duplicate(fldPath.Index(i), v))
		}
		seen.Insert(v)
	}
	return allErrs
}
