// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// Bounds of node network prefix lengths. A node network holds the firewall and every machine of a shoot:
// an IPv4 /28 (14 usable addresses) is the smallest that leaves room for more than a handful of nodes, and a /16
// is more than any single shoot can use. For IPv6 the bounds span a /48 (a whole site) down to a /120 (256
// addresses, the same order as the smallest IPv4 network); metal-stack assigns node addresses itself, so
// prefixes longer than /64 work.
const (
	// MinNodePrefixLengthIPv4 is the shortest (largest) IPv4 node network prefix length.
	MinNodePrefixLengthIPv4 = 16
	// MaxNodePrefixLengthIPv4 is the longest (smallest) IPv4 node network prefix length.
	MaxNodePrefixLengthIPv4 = 28
	// MinNodePrefixLengthIPv6 is the shortest (largest) IPv6 node network prefix length.
	MinNodePrefixLengthIPv6 = 48
	// MaxNodePrefixLengthIPv6 is the longest (smallest) IPv6 node network prefix length.
	MaxNodePrefixLengthIPv6 = 120
)

type prefixBounds struct {
	family   gardencorev1beta1.IPFamily
	min, max int32
}

var (
	ipv4Bounds = prefixBounds{gardencorev1beta1.IPFamilyIPv4, MinNodePrefixLengthIPv4, MaxNodePrefixLengthIPv4}
	ipv6Bounds = prefixBounds{gardencorev1beta1.IPFamilyIPv6, MinNodePrefixLengthIPv6, MaxNodePrefixLengthIPv6}
)

// ValidateInfrastructureConfig validates the providerConfig of an Infrastructure. ipFamilies are the IP families
// of the shoot (spec.networking.ipFamilies); none means IPv4 only, as in Gardener.
func ValidateInfrastructureConfig(cfg *metal.InfrastructureConfig, ipFamilies []gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if cfg.PartitionID == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("partitionID"), "the partition of the shoot is required"))
	}
	if cfg.ProjectID == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("projectID"), "the metal-stack project of the shoot is required"))
	}

	allErrs = append(allErrs, validateFirewall(&cfg.Firewall, fldPath.Child("firewall"))...)

	if cfg.NodeNetwork != nil {
		allErrs = append(allErrs, validateNodeNetwork(cfg.NodeNetwork, ipFamilies, fldPath.Child("nodeNetwork"))...)
	}
	return allErrs
}

func validateFirewall(fw *metal.Firewall, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if fw.Size == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("size"), "the machine size of the firewall is required"))
	}
	if fw.Image == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("image"), "the image of the firewall is required"))
	}

	networksPath := fldPath.Child("networks")
	if len(fw.Networks) == 0 {
		allErrs = append(allErrs, field.Required(networksPath, "at least one external network is required, or the shoot cannot reach anything"))
	}
	allErrs = append(allErrs, validateNonEmptyUnique(fw.Networks, networksPath)...)
	networks := sets.New(fw.Networks...).Delete("")
	networkList := sets.List(networks)

	seenRateLimits := sets.New[string]()
	for i, rl := range fw.RateLimits {
		idxPath := fldPath.Child("rateLimits").Index(i)
		allErrs = append(allErrs, validateFirewallNetworkRef(rl.NetworkID, networks, networkList, seenRateLimits, idxPath.Child("networkID"))...)
		if rl.RateLimit == 0 {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("rateLimit"), rl.RateLimit, "must be a positive bandwidth in Mbit/s; leave the network out for no limit"))
		}
	}

	seenEgressRules := sets.New[string]()
	seenEgressIPs := sets.New[string]()
	for i, rule := range fw.EgressRules {
		idxPath := fldPath.Child("egressRules").Index(i)
		allErrs = append(allErrs, validateFirewallNetworkRef(rule.NetworkID, networks, networkList, seenEgressRules, idxPath.Child("networkID"))...)

		ipsPath := idxPath.Child("ips")
		if len(rule.IPs) == 0 {
			allErrs = append(allErrs, field.Required(ipsPath, "an egress rule needs at least one IP"))
		}
		for j, ip := range rule.IPs {
			ipPath := ipsPath.Index(j)
			if errs := ValidateIP(ip, ipPath); len(errs) > 0 {
				allErrs = append(allErrs, errs...)
				continue
			}
			if seenEgressIPs.Has(ip) {
				allErrs = append(allErrs, field.Duplicate(ipPath, ip))
			}
			seenEgressIPs.Insert(ip)
		}
	}

	versionPath := fldPath.Child("controllerVersion")
	switch fw.ControllerVersion {
	case "":
		allErrs = append(allErrs, field.Required(versionPath, fmt.Sprintf("a firewall-controller version or %q is required", metal.FirewallControllerVersionAuto)))
	case metal.FirewallControllerVersionAuto:
	default:
		allErrs = append(allErrs, validateReleaseVersion(fw.ControllerVersion, versionPath)...)
	}

	if fw.HealthTimeout != nil && fw.HealthTimeout.Duration <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("healthTimeout"), fw.HealthTimeout.Duration.String(), "must be positive"))
	}
	if fw.CreateTimeout != nil && fw.CreateTimeout.Duration <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("createTimeout"), fw.CreateTimeout.Duration.String(), "must be positive"))
	}
	return allErrs
}

// validateFirewallNetworkRef validates a network ID of a per-network firewall setting: it names one of the
// firewall's networks and is not configured twice.
func validateFirewallNetworkRef(id string, networks sets.Set[string], networkList []string, seen sets.Set[string], fldPath *field.Path) field.ErrorList {
	switch {
	case id == "":
		return field.ErrorList{field.Required(fldPath, "the network is required")}
	case !networks.Has(id):
		return field.ErrorList{field.NotSupported(fldPath, id, networkList)}
	case seen.Has(id):
		return field.ErrorList{field.Duplicate(fldPath, id)}
	}
	seen.Insert(id)
	return nil
}

func validateNodeNetwork(nn *metal.NodeNetwork, ipFamilies []gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if len(ipFamilies) == 0 {
		ipFamilies = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	if pl := nn.PrefixLengths; pl != nil {
		prefixPath := fldPath.Child("prefixLengths")
		allErrs = append(allErrs, validateNodePrefixLength(pl.IPv4, ipv4Bounds, ipFamilies, prefixPath.Child("ipv4"))...)
		allErrs = append(allErrs, validateNodePrefixLength(pl.IPv6, ipv6Bounds, ipFamilies, prefixPath.Child("ipv6"))...)
	}

	if nn.ParentNetworkID != nil && *nn.ParentNetworkID == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("parentNetworkID"), "must not be empty when given"))
	}
	return allErrs
}

func validateNodePrefixLength(length *int32, bounds prefixBounds, ipFamilies []gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	if length == nil {
		return nil
	}
	if !slices.Contains(ipFamilies, bounds.family) {
		return field.ErrorList{field.Forbidden(fldPath, fmt.Sprintf("the shoot does not use %s (ipFamilies %v)", bounds.family, ipFamilies))}
	}
	return validatePrefixLengthBounds(length, bounds, fldPath)
}

func validatePrefixLengthBounds(length *int32, bounds prefixBounds, fldPath *field.Path) field.ErrorList {
	if length == nil || (*length >= bounds.min && *length <= bounds.max) {
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, *length, fmt.Sprintf("an %s node network prefix length must be between %d and %d", bounds.family, bounds.min, bounds.max))}
}

// ValidateInfrastructureConfigUpdate validates the change of an Infrastructure's providerConfig: the partition and
// project cannot change, and neither can the node network settings once given, as the node network exists by
// then. The new config itself is validated with ValidateInfrastructureConfig.
func ValidateInfrastructureConfigUpdate(oldCfg, newCfg *metal.InfrastructureConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newCfg.PartitionID, oldCfg.PartitionID, fldPath.Child("partitionID"))...)
	allErrs = append(allErrs, apivalidation.ValidateImmutableField(newCfg.ProjectID, oldCfg.ProjectID, fldPath.Child("projectID"))...)

	nnPath := fldPath.Child("nodeNetwork")
	oldNN, newNN := nodeNetworkOrEmpty(oldCfg), nodeNetworkOrEmpty(newCfg)
	oldPL, newPL := prefixLengthsOrEmpty(oldNN), prefixLengthsOrEmpty(newNN)
	if oldPL.IPv4 != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newPL.IPv4, oldPL.IPv4, nnPath.Child("prefixLengths", "ipv4"))...)
	}
	if oldPL.IPv6 != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newPL.IPv6, oldPL.IPv6, nnPath.Child("prefixLengths", "ipv6"))...)
	}
	if oldNN.ParentNetworkID != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newNN.ParentNetworkID, oldNN.ParentNetworkID, nnPath.Child("parentNetworkID"))...)
	}
	return allErrs
}

func nodeNetworkOrEmpty(cfg *metal.InfrastructureConfig) *metal.NodeNetwork {
	if cfg.NodeNetwork == nil {
		return &metal.NodeNetwork{}
	}
	return cfg.NodeNetwork
}

func prefixLengthsOrEmpty(nn *metal.NodeNetwork) *metal.NodePrefixLengths {
	if nn.PrefixLengths == nil {
		return &metal.NodePrefixLengths{}
	}
	return nn.PrefixLengths
}

// ValidateInfrastructureConfigAgainstCloudProfile validates an Infrastructure's providerConfig against what the
// CloudProfile offers: the partition, the firewall size, image and controller version, and the parent network.
func ValidateInfrastructureConfigAgainstCloudProfile(cfg *metal.InfrastructureConfig, cpc *metal.CloudProfileConfig, fldPath *field.Path) field.ErrorList {
	if cpc == nil {
		return field.ErrorList{field.InternalError(fldPath, errors.New("no cloud profile config to validate against"))}
	}

	_, mcp, partition, err := helper.FindMetalControlPlane(cpc, cfg.PartitionID)
	if err != nil {
		offered := sets.New[string]()
		for _, mcp := range cpc.MetalControlPlanes {
			offered.Insert(slices.Collect(maps.Keys(mcp.Partitions))...)
		}
		if offered.Has(cfg.PartitionID) {
			// Offered, but by more than one control plane: a broken profile rather than a wrong choice.
			return field.ErrorList{field.Invalid(fldPath.Child("partitionID"), cfg.PartitionID, err.Error())}
		}
		return field.ErrorList{field.NotSupported(fldPath.Child("partitionID"), cfg.PartitionID, sets.List(offered))}
	}

	allErrs := field.ErrorList{}
	fwPath := fldPath.Child("firewall")

	if !slices.Contains(partition.FirewallTypes, cfg.Firewall.Size) {
		allErrs = append(allErrs, field.NotSupported(fwPath.Child("size"), cfg.Firewall.Size, partition.FirewallTypes))
	}
	if images := helper.FirewallImages(mcp, partition); len(images) > 0 && !slices.Contains(images, cfg.Firewall.Image) {
		allErrs = append(allErrs, field.NotSupported(fwPath.Child("image"), cfg.Firewall.Image, images))
	}

	versionPath := fwPath.Child("controllerVersion")
	if cfg.Firewall.ControllerVersion == metal.FirewallControllerVersionAuto {
		if _, err := helper.ResolveFirewallControllerVersion(mcp, cfg.Firewall.ControllerVersion); err != nil {
			allErrs = append(allErrs, field.Invalid(versionPath, cfg.Firewall.ControllerVersion, err.Error()))
		}
	} else if _, err := helper.ResolveFirewallControllerVersion(mcp, cfg.Firewall.ControllerVersion); err != nil {
		offered := []string{metal.FirewallControllerVersionAuto}
		for _, v := range mcp.FirewallControllerVersions {
			offered = append(offered, v.Version)
		}
		allErrs = append(allErrs, field.NotSupported(versionPath, cfg.Firewall.ControllerVersion, offered))
	}

	if nn := cfg.NodeNetwork; nn != nil && nn.ParentNetworkID != nil && partition.NodeNetworkDefaults != nil {
		if supers := partition.NodeNetworkDefaults.PrivateSuperNetworks; len(supers) > 0 && !slices.Contains(supers, *nn.ParentNetworkID) {
			allErrs = append(allErrs, field.NotSupported(fldPath.Child("nodeNetwork", "parentNetworkID"), *nn.ParentNetworkID, supers))
		}
	}
	return allErrs
}
