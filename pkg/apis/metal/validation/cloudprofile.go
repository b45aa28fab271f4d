// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// MaxDNSServers is the number of DNS servers a resolver uses at most (MAXNS of resolv.conf).
const MaxDNSServers = 3

// MinNTPServers and MaxNTPServers bound the NTP servers the metal-api takes for a machine allocation; the partition's
// servers of an isolated shoot are handed to every machine and firewall.
const (
	MinNTPServers = 3
	MaxNTPServers = 5
)

var supportedClassifications = []string{
	string(metal.ClassificationPreview),
	string(metal.ClassificationSupported),
	string(metal.ClassificationDeprecated),
}

// ValidateCloudProfileConfig validates the providerConfig of a CloudProfile.
func ValidateCloudProfileConfig(cpc *metal.CloudProfileConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	mcpsPath := fldPath.Child("metalControlPlanes")

	if len(cpc.MetalControlPlanes) == 0 {
		return append(allErrs, field.Required(mcpsPath, "at least one metal control plane is required"))
	}

	// A partition must belong to one control plane only, or a shoot in it would not know which metal-api to use.
	partitionOwner := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(cpc.MetalControlPlanes)) {
		mcp := cpc.MetalControlPlanes[name]
		mcpPath := mcpsPath.Key(name)
		if name == "" {
			allErrs = append(allErrs, field.Invalid(mcpPath, name, "a metal control plane needs a name"))
		}
		allErrs = append(allErrs, validateMetalControlPlane(&mcp, mcpPath)...)

		for _, partitionID := range slices.Sorted(maps.Keys(mcp.Partitions)) {
			if owner, ok := partitionOwner[partitionID]; ok {
				dup := field.Duplicate(mcpPath.Child("partitions").Key(partitionID), partitionID)
				dup.Detail = fmt.Sprintf("already offered by metal control plane %q", owner)
				allErrs = append(allErrs, dup)
				continue
			}
			partitionOwner[partitionID] = name
		}
	}
	return allErrs
}

func validateMetalControlPlane(mcp *metal.MetalControlPlane, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	allErrs = append(allErrs, validateHTTPURL(mcp.Endpoint, fldPath.Child("endpoint"))...)

	partitionsPath := fldPath.Child("partitions")
	if len(mcp.Partitions) == 0 {
		allErrs = append(allErrs, field.Required(partitionsPath, "at least one partition is required"))
	}
	for _, id := range slices.Sorted(maps.Keys(mcp.Partitions)) {
		partition := mcp.Partitions[id]
		partitionPath := partitionsPath.Key(id)
		if id == "" {
			allErrs = append(allErrs, field.Invalid(partitionPath, id, "a partition needs an ID"))
		}
		allErrs = append(allErrs, validatePartition(&partition, partitionPath)...)
	}

	allErrs = append(allErrs, validateNonEmptyUnique(mcp.FirewallImages, fldPath.Child("firewallImages"))...)
	allErrs = append(allErrs, validateFirewallControllerVersions(mcp.FirewallControllerVersions, fldPath.Child("firewallControllerVersions"))...)

	if exporter := mcp.NftablesExporter; exporter != nil {
		exporterPath := fldPath.Child("nftablesExporter")
		if exporter.Version == "" {
			allErrs = append(allErrs, field.Required(exporterPath.Child("version"), "the nftables exporter version is required"))
		}
		allErrs = append(allErrs, validateHTTPURL(exporter.URL, exporterPath.Child("url"))...)
	}

	if mcp.NetworkIsolation != nil {
		allErrs = append(allErrs, validateNetworkIsolation(mcp.NetworkIsolation, fldPath.Child("networkIsolation"))...)
	}
	return allErrs
}

func validateFirewallControllerVersions(versions []metal.FirewallControllerVersion, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	seen := sets.New[string]()
	for i, v := range versions {
		idxPath := fldPath.Index(i)
		versionPath := idxPath.Child("version")
		switch {
		case v.Version == "":
			allErrs = append(allErrs, field.Required(versionPath, "a firewall-controller version is required"))
		case seen.Has(v.Version):
			allErrs = append(allErrs, field.Duplicate(versionPath, v.Version))
		default:
			allErrs = append(allErrs, validateReleaseVersion(v.Version, versionPath)...)
		}
		seen.Insert(v.Version)

		allErrs = append(allErrs, validateHTTPURL(v.URL, idxPath.Child("url"))...)

		if v.Classification != nil && !slices.Contains(supportedClassifications, string(*v.Classification)) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("classification"), *v.Classification, supportedClassifications))
		}
	}
	if len(versions) > 0 && !slices.ContainsFunc(versions, helper.IsSupported) {
		allErrs = append(allErrs, field.Required(fldPath,
			fmt.Sprintf("at least one release must be classified %q, or shoots asking for %q get no firewall-controller", metal.ClassificationSupported, metal.FirewallControllerVersionAuto)))
	}
	return allErrs
}

// validateReleaseVersion validates a firewall-controller release tag: `v` followed by a semantic version, so that
// `auto` can order the releases.
func validateReleaseVersion(version string, fldPath *field.Path) field.ErrorList {
	if rest, ok := strings.CutPrefix(version, "v"); ok {
		if _, err := semver.StrictNewVersion(rest); err == nil {
			return nil
		}
	}
	return field.ErrorList{field.Invalid(fldPath, version, "must be `v` followed by a semantic version, e.g. v2.3.4")}
}

func validatePartition(partition *metal.Partition, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	firewallTypesPath := fldPath.Child("firewallTypes")
	if len(partition.FirewallTypes) == 0 {
		allErrs = append(allErrs, field.Required(firewallTypesPath, "at least one firewall machine size is required"))
	}
	allErrs = append(allErrs, validateNonEmptyUnique(partition.FirewallTypes, firewallTypesPath)...)
	allErrs = append(allErrs, validateNonEmptyUnique(partition.FirewallImages, fldPath.Child("firewallImages"))...)

	if partition.NetworkIsolation != nil {
		allErrs = append(allErrs, validateNetworkIsolation(partition.NetworkIsolation, fldPath.Child("networkIsolation"))...)
	}

	if defaults := partition.NodeNetworkDefaults; defaults != nil {
		defaultsPath := fldPath.Child("nodeNetworkDefaults")
		allErrs = append(allErrs, validateNonEmptyUnique(defaults.PrivateSuperNetworks, defaultsPath.Child("privateSuperNetworks"))...)
		if defaults.PrefixLengths != nil {
			// The partition does not know the IP families of its shoots, so only the bounds are checked here.
			prefixPath := defaultsPath.Child("prefixLengths")
			allErrs = append(allErrs, validatePrefixLengthBounds(defaults.PrefixLengths.IPv4, ipv4Bounds, prefixPath.Child("ipv4"))...)
			allErrs = append(allErrs, validatePrefixLengthBounds(defaults.PrefixLengths.IPv6, ipv6Bounds, prefixPath.Child("ipv6"))...)
		}
	}
	return allErrs
}

func validateNetworkIsolation(isolation *metal.NetworkIsolation, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	allowedPath := fldPath.Child("allowedNetworks")
	egressPath := allowedPath.Child("egress")
	allErrs = append(allErrs, validateCIDRs(isolation.AllowedNetworks.Ingress, allowedPath.Child("ingress"))...)
	egressErrs := validateCIDRs(isolation.AllowedNetworks.Egress, egressPath)
	allErrs = append(allErrs, egressErrs...)
	if len(isolation.AllowedNetworks.Egress) == 0 {
		allErrs = append(allErrs, field.Required(egressPath, "isolated shoots can only reach the allowed egress networks, so they must hold the DNS and NTP servers and registry mirrors"))
	}

	dnsPath := fldPath.Child("dnsServers")
	switch n := len(isolation.DNSServers); {
	case n == 0:
		allErrs = append(allErrs, field.Required(dnsPath, "isolated shoots cannot reach public resolvers, at least one DNS server is required"))
	case n > MaxDNSServers:
		allErrs = append(allErrs, field.TooMany(dnsPath, n, MaxDNSServers))
	}
	for i, ip := range isolation.DNSServers {
		allErrs = append(allErrs, ValidateIP(ip, dnsPath.Index(i))...)
	}
	allErrs = append(allErrs, validateUnique(isolation.DNSServers, dnsPath)...)

	ntpPath := fldPath.Child("ntpServers")
	switch n := len(isolation.NTPServers); {
	case n == 0:
		allErrs = append(allErrs, field.Required(ntpPath, "isolated shoots cannot reach public time servers, at least one NTP server is required"))
	case n < MinNTPServers:
		allErrs = append(allErrs, field.Invalid(ntpPath, n, fmt.Sprintf("the metal-api allocates machines with %d to %d NTP servers; add servers", MinNTPServers, MaxNTPServers)))
	case n > MaxNTPServers:
		allErrs = append(allErrs, field.TooMany(ntpPath, n, MaxNTPServers))
	}
	for i, server := range isolation.NTPServers {
		allErrs = append(allErrs, validateHostOrIP(server, ntpPath.Index(i))...)
	}
	allErrs = append(allErrs, validateUnique(isolation.NTPServers, ntpPath)...)

	mirrorsPath := fldPath.Child("registryMirrors")
	if len(isolation.RegistryMirrors) == 0 {
		allErrs = append(allErrs, field.Required(mirrorsPath, "isolated shoots cannot reach public registries, at least one registry mirror is required"))
	}
	for i := range isolation.RegistryMirrors {
		allErrs = append(allErrs, validateRegistryMirror(&isolation.RegistryMirrors[i], mirrorsPath.Index(i))...)
	}

	// Only a well-formed egress list can tell whether a server is reachable; its own errors are reported above.
	if len(egressErrs) == 0 && len(isolation.AllowedNetworks.Egress) > 0 {
		allErrs = append(allErrs, validateReachableThroughEgress(isolation, egressPath, dnsPath, ntpPath, mirrorsPath)...)
	}
	return allErrs
}

// validateReachableThroughEgress validates that every DNS server, NTP server given by IP and registry mirror lies in
// one of the allowed egress networks of its IP family: an isolated shoot could not reach it otherwise. Entries that
// are no valid IPs are reported elsewhere and skipped here.
func validateReachableThroughEgress(isolation *metal.NetworkIsolation, egressPath, dnsPath, ntpPath, mirrorsPath *field.Path) field.ErrorList {
	egress := make([]netip.Prefix, 0, len(isolation.AllowedNetworks.Egress))
	for _, cidr := range isolation.AllowedNetworks.Egress {
		egress = append(egress, netip.MustParsePrefix(cidr))
	}
	reachable := func(ip string) bool {
		addr, err := netip.ParseAddr(ip)
		if err != nil || addr.Zone() != "" || addr.Is4In6() {
			return true
		}
		return slices.ContainsFunc(egress, func(p netip.Prefix) bool { return p.Contains(addr) })
	}
	unreachable := func(fldPath *field.Path, ip string) *field.Error {
		return field.Invalid(fldPath, ip, fmt.Sprintf("is not in any of the allowed egress networks (%s), so isolated shoots cannot reach it", egressPath))
	}

	allErrs := field.ErrorList{}
	for i, ip := range isolation.DNSServers {
		if !reachable(ip) {
			allErrs = append(allErrs, unreachable(dnsPath.Index(i), ip))
		}
	}
	for i, server := range isolation.NTPServers {
		if !reachable(server) {
			allErrs = append(allErrs, unreachable(ntpPath.Index(i), server))
		}
	}
	for i, mirror := range isolation.RegistryMirrors {
		if !reachable(mirror.IP) {
			allErrs = append(allErrs, unreachable(mirrorsPath.Index(i).Child("ip"), mirror.IP))
		}
	}
	return allErrs
}

// ValidatePartitionsAreZones validates that the partitions of a CloudProfileConfig and the zones of the CloudProfile's
// regions are the same: a shoot picks its partition as zone, so a partition that is no zone cannot be chosen and a
// zone that is no partition has no metal-api behind it. providerConfigPath is the path of the CloudProfileConfig,
// regionsPath the one of the CloudProfile's regions.
func ValidatePartitionsAreZones(cpc *metal.CloudProfileConfig, regions []gardencorev1beta1.Region, providerConfigPath, regionsPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	zones := sets.New[string]()
	for _, region := range regions {
		for _, zone := range region.Zones {
			zones.Insert(zone.Name)
		}
	}
	partitions := sets.New[string]()
	for _, name := range slices.Sorted(maps.Keys(cpc.MetalControlPlanes)) {
		for _, id := range slices.Sorted(maps.Keys(cpc.MetalControlPlanes[name].Partitions)) {
			partitions.Insert(id)
			if !zones.Has(id) {
				allErrs = append(allErrs, field.Invalid(providerConfigPath.Child("metalControlPlanes").Key(name).Child("partitions").Key(id), id,
					fmt.Sprintf("a partition must be a zone of a region (%s), or no shoot can choose it", regionsPath)))
			}
		}
	}
	for i, region := range regions {
		for j, zone := range region.Zones {
			if !partitions.Has(zone.Name) {
				allErrs = append(allErrs, field.Invalid(regionsPath.Index(i).Child("zones").Index(j).Child("name"), zone.Name,
					fmt.Sprintf("no metal control plane of %s offers this zone as a partition", providerConfigPath.Child("metalControlPlanes"))))
			}
		}
	}
	return allErrs
}

func validateCIDRs(cidrs []string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	for i, cidr := range cidrs {
		allErrs = append(allErrs, ValidateCIDR(cidr, fldPath.Index(i))...)
	}
	return append(allErrs, validateUnique(cidrs, fldPath)...)
}

func validateRegistryMirror(mirror *metal.RegistryMirror, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if mirror.Name == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("name"), "a registry mirror needs a name"))
	}
	allErrs = append(allErrs, validateHTTPURL(mirror.Endpoint, fldPath.Child("endpoint"))...)
	allErrs = append(allErrs, ValidateIP(mirror.IP, fldPath.Child("ip"))...)
	if mirror.Port < 1 || mirror.Port > 65535 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("port"), mirror.Port, "must be between 1 and 65535"))
	}

	mirrorOfPath := fldPath.Child("mirrorOf")
	if len(mirror.MirrorOf) == 0 {
		allErrs = append(allErrs, field.Required(mirrorOfPath, "a registry mirror must mirror at least one registry"))
	}
	for i, registry := range mirror.MirrorOf {
		allErrs = append(allErrs, validateRegistryHost(registry, mirrorOfPath.Index(i))...)
	}
	return append(allErrs, validateUnique(mirror.MirrorOf, mirrorOfPath)...)
}
