// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/Masterminds/semver/v3"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// MaxDNSServers is the number of DNS servers a resolver uses at most (MAXNS of resolv.conf).
const MaxDNSServers = 3

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
	allErrs = append(allErrs, validateCIDRs(isolation.AllowedNetworks.Ingress, allowedPath.Child("ingress"))...)
	allErrs = append(allErrs, validateCIDRs(isolation.AllowedNetworks.Egress, allowedPath.Child("egress"))...)

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
	if len(isolation.NTPServers) == 0 {
		allErrs = append(allErrs, field.Required(ntpPath, "isolated shoots cannot reach public time servers, at least one NTP server is required"))
	}
	for i, server := range isolation.NTPServers {
		allErrs = append(allErrs, validateHostOrIP(server, ntpPath.Index(i))...)
	}
	allErrs = append(allErrs, validateUnique(isolation.NTPServers, ntpPath)...)

	mirrorsPath := fldPath.Child("registryMirrors")
	for i := range isolation.RegistryMirrors {
		allErrs = append(allErrs, validateRegistryMirror(&isolation.RegistryMirrors[i], mirrorsPath.Index(i))...)
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
