// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"fmt"
	"maps"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/util/sets"
	utilvalidation "k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

var (
	supportedNetworkAccessTypes = []string{
		string(metal.NetworkAccessBaseline),
		string(metal.NetworkAccessRestricted),
		string(metal.NetworkAccessForbidden),
	}

	// featureGateName is the shape of Kubernetes feature gate names (e.g. CloudControllerManagerWebhook).
	featureGateName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
)

// ValidateControlPlaneConfig validates the providerConfig of a ControlPlane.
func ValidateControlPlaneConfig(cfg *metal.ControlPlaneConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if ccm := cfg.CloudControllerManager; ccm != nil {
		ccmPath := fldPath.Child("cloudControllerManager")
		for _, name := range slices.Sorted(maps.Keys(ccm.FeatureGates)) {
			if !featureGateName.MatchString(name) {
				allErrs = append(allErrs, field.Invalid(ccmPath.Child("featureGates").Key(name), name, "must be a feature gate name: letters and digits, starting with a letter"))
			}
		}
		if ccm.DefaultExternalNetwork != nil && *ccm.DefaultExternalNetwork == "" {
			allErrs = append(allErrs, field.Required(ccmPath.Child("defaultExternalNetwork"), "must not be empty when given"))
		}
	}

	if t := cfg.NetworkAccessType; t != nil && !slices.Contains(supportedNetworkAccessTypes, string(*t)) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("networkAccessType"), *t, supportedNetworkAccessTypes))
	}

	csiLVM := cfg.FeatureGates.CSILVM == nil || *cfg.FeatureGates.CSILVM
	scPath := fldPath.Child("customDefaultStorageClass")
	switch sc := cfg.CustomDefaultStorageClass; {
	case sc == nil && !csiLVM:
		allErrs = append(allErrs, field.Required(scPath, fmt.Sprintf("csi-lvm is switched off, so %q cannot be the default StorageClass: name another class, or an empty class name for none", metal.CSILVMStorageClassName)))
	case sc == nil || sc.ClassName == "":
	case sc.ClassName == metal.CSILVMStorageClassName && !csiLVM:
		allErrs = append(allErrs, field.Invalid(scPath.Child("className"), sc.ClassName, "csi-lvm is switched off in featureGates.csiLVM"))
	default:
		if msgs := utilvalidation.IsDNS1123Subdomain(sc.ClassName); len(msgs) > 0 {
			allErrs = append(allErrs, field.Invalid(scPath.Child("className"), sc.ClassName, "must be a StorageClass name: "+strings.Join(msgs, "; ")))
		}
	}
	return allErrs
}

// ValidateControlPlaneConfigAgainstInfrastructure validates a ControlPlane's providerConfig against the shoot's
// InfrastructureConfig and the CloudProfile: an isolated network access type needs network isolation settings
// for the partition, and the cloud-controller-manager's default external network must be one of the firewall's.
// A partition that the CloudProfile does not offer is left to ValidateInfrastructureConfigAgainstCloudProfile.
func ValidateControlPlaneConfigAgainstInfrastructure(cfg *metal.ControlPlaneConfig, infra *metal.InfrastructureConfig, cpc *metal.CloudProfileConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if t := cfg.NetworkAccessType; t != nil && *t != metal.NetworkAccessBaseline {
		if _, mcp, partition, err := helper.FindMetalControlPlane(cpc, infra.PartitionID); err == nil && helper.NetworkIsolation(mcp, partition) == nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("networkAccessType"),
				fmt.Sprintf("partition %q has no network isolation settings in the cloud profile, only %q is possible", infra.PartitionID, metal.NetworkAccessBaseline)))
		}
	}

	if ccm := cfg.CloudControllerManager; ccm != nil && ccm.DefaultExternalNetwork != nil && *ccm.DefaultExternalNetwork != "" &&
		!slices.Contains(infra.Firewall.Networks, *ccm.DefaultExternalNetwork) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("cloudControllerManager", "defaultExternalNetwork"), *ccm.DefaultExternalNetwork, infra.Firewall.Networks))
	}
	return allErrs
}

// ValidateNetworkAccessForIPFamilies validates that the network isolation of the shoot's partition serves the IP
// families of the shoot when its network access type isolates it: an allowed egress network of every family of the
// shoot, and a DNS server and a registry mirror the shoot can reach over one of its families. ipFamilies are the IP
// families of the shoot (none means IPv4 only). A partition that the CloudProfile does not offer or that has no
// network isolation is left to ValidateInfrastructureConfigAgainstCloudProfile and
// ValidateControlPlaneConfigAgainstInfrastructure.
func ValidateNetworkAccessForIPFamilies(cfg *metal.ControlPlaneConfig, infra *metal.InfrastructureConfig, cpc *metal.CloudProfileConfig, ipFamilies []gardencorev1beta1.IPFamily, fldPath *field.Path) field.ErrorList {
	accessType := cfg.NetworkAccessType
	if accessType == nil || *accessType == metal.NetworkAccessBaseline {
		return nil
	}
	_, mcp, partition, err := helper.FindMetalControlPlane(cpc, infra.PartitionID)
	if err != nil {
		return nil
	}
	isolation := helper.NetworkIsolation(mcp, partition)
	if isolation == nil {
		return nil
	}
	if len(ipFamilies) == 0 {
		ipFamilies = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}

	egressFamilies := sets.New[gardencorev1beta1.IPFamily]()
	for _, cidr := range isolation.AllowedNetworks.Egress {
		if prefix, err := netip.ParsePrefix(cidr); err == nil {
			egressFamilies.Insert(familyOf(prefix.Addr()))
		}
	}
	reachable := func(ip string) bool {
		addr, err := netip.ParseAddr(ip)
		return err == nil && slices.Contains(ipFamilies, familyOf(addr))
	}

	allErrs := field.ErrorList{}
	path := fldPath.Child("networkAccessType")
	for _, family := range ipFamilies {
		if !egressFamilies.Has(family) {
			allErrs = append(allErrs, field.Forbidden(path, fmt.Sprintf("the network isolation of partition %q allows no %s egress network, so a shoot with IP family %s cannot use %q; use %q or ask the operator to add one",
				infra.PartitionID, family, family, *accessType, metal.NetworkAccessBaseline)))
		}
	}
	if !slices.ContainsFunc(isolation.DNSServers, reachable) {
		allErrs = append(allErrs, field.Forbidden(path, fmt.Sprintf("the network isolation of partition %q has no DNS server of the shoot's IP families %v, so a shoot using %q could not resolve names",
			infra.PartitionID, ipFamilies, *accessType)))
	}
	if !slices.ContainsFunc(isolation.RegistryMirrors, func(m metal.RegistryMirror) bool { return reachable(m.IP) }) {
		allErrs = append(allErrs, field.Forbidden(path, fmt.Sprintf("the network isolation of partition %q has no registry mirror of the shoot's IP families %v, so a shoot using %q could not pull images",
			infra.PartitionID, ipFamilies, *accessType)))
	}
	return allErrs
}
