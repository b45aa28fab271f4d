// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validation validates the providerConfig of the shoot's Extension of type "ontap".
package validation

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
)

const (
	// MinLIFsPerNode is the smallest allowed SVMConfig.LIFsPerNode.
	MinLIFsPerNode = 1
	// MaxLIFsPerNode is the largest allowed SVMConfig.LIFsPerNode.
	MaxLIFsPerNode = 4
)

var (
	supportedDeletionPolicies = []ontap.DeletionPolicy{ontap.DeletionPolicyDelete, ontap.DeletionPolicyRetain}
	supportedReclaimPolicies  = []corev1.PersistentVolumeReclaimPolicy{corev1.PersistentVolumeReclaimDelete, corev1.PersistentVolumeReclaimRetain}
	supportedBindingModes     = []storagev1.VolumeBindingMode{storagev1.VolumeBindingImmediate, storagev1.VolumeBindingWaitForFirstConsumer}
	// reservedParameters are set by the controller from StorageClass.Protocol; Trident accepts both spellings.
	reservedParameters = sets.New("backendType", "trident.netapp.io/backendType")
	// aggregateName follows ONTAP's rule: a letter or underscore first, then letters, digits and underscores.
	aggregateName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,249}$`)
)

// ValidateOntapConfig validates a defaulted OntapConfig. fldPath is the path of the providerConfig
// (nil for paths relative to it).
func ValidateOntapConfig(config *ontap.OntapConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if config == nil {
		return append(allErrs, field.Required(fldPath, "an OntapConfig is required"))
	}

	protocolsPath := fldPath.Child("protocols")
	if len(config.Protocols) == 0 {
		allErrs = append(allErrs, field.Required(protocolsPath, "at least one protocol must be enabled"))
	}
	allErrs = append(allErrs, ValidateProtocols(config.Protocols, protocolsPath)...)

	if config.SVM != nil {
		allErrs = append(allErrs, validateSVMConfig(config.SVM, config.Protocols, fldPath.Child("svm"))...)
	}
	allErrs = append(allErrs, validateStorageClasses(config.StorageClasses, sets.New(config.Protocols...), fldPath.Child("storageClasses"))...)

	return allErrs
}

// ValidateOntapConfigUpdate validates the change of an OntapConfig. The SVM's cluster and data network are
// immutable once set: changing them would strand the SVM and its LIFs. The deletion policy may change.
// Callers validate the new configuration with ValidateOntapConfig as well.
func ValidateOntapConfigUpdate(oldConfig, newConfig *ontap.OntapConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if oldConfig == nil || newConfig == nil || oldConfig.SVM == nil {
		return allErrs
	}

	svmPath := fldPath.Child("svm")
	newSVM := newConfig.SVM
	if newSVM == nil {
		newSVM = &ontap.SVMConfig{}
	}
	if oldConfig.SVM.Cluster != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSVM.Cluster, oldConfig.SVM.Cluster, svmPath.Child("cluster"))...)
	}
	if oldConfig.SVM.DataNetworkID != nil {
		allErrs = append(allErrs, apivalidation.ValidateImmutableField(newSVM.DataNetworkID, oldConfig.SVM.DataNetworkID, svmPath.Child("dataNetworkID"))...)
	}

	return allErrs
}

// ValidateProtocols checks that every protocol is supported and given once.
func ValidateProtocols(protocols []ontap.Protocol, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	seen := sets.New[ontap.Protocol]()
	for i, protocol := range protocols {
		idxPath := fldPath.Index(i)
		switch {
		case !slices.Contains(ontap.SupportedProtocols, protocol):
			allErrs = append(allErrs, field.NotSupported(idxPath, protocol, ontap.SupportedProtocols))
		case seen.Has(protocol):
			allErrs = append(allErrs, field.Duplicate(idxPath, protocol))
		}
		seen.Insert(protocol)
	}
	return allErrs
}

func validateSVMConfig(svm *ontap.SVMConfig, protocols []ontap.Protocol, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	if svm.Cluster != nil {
		allErrs = append(allErrs, ValidateClusterName(*svm.Cluster, fldPath.Child("cluster"))...)
	}

	aggregates := sets.New[string]()
	for i, aggregate := range svm.Aggregates {
		idxPath := fldPath.Child("aggregates").Index(i)
		switch {
		case aggregate == "":
			allErrs = append(allErrs, field.Required(idxPath, "aggregate name must not be empty"))
		case !aggregateName.MatchString(aggregate):
			allErrs = append(allErrs, field.Invalid(idxPath, aggregate, "must start with a letter or underscore and contain only letters, digits and underscores (at most 250 characters)"))
		case aggregates.Has(aggregate):
			allErrs = append(allErrs, field.Duplicate(idxPath, aggregate))
		}
		aggregates.Insert(aggregate)
	}

	if svm.DataNetworkID != nil && *svm.DataNetworkID == "" {
		allErrs = append(allErrs, field.Required(fldPath.Child("dataNetworkID"), "must not be empty when set"))
	}

	addresses := sets.New[netip.Addr]()
	dataPath := fldPath.Child("dataLIFAddresses")
	for i, address := range svm.DataLIFAddresses {
		idxPath := dataPath.Index(i)
		addr, errs := validateLIFAddress(address, idxPath)
		allErrs = append(allErrs, errs...)
		if len(errs) > 0 {
			continue
		}
		if addresses.Has(addr) {
			allErrs = append(allErrs, field.Duplicate(idxPath, address))
		}
		addresses.Insert(addr)
	}
	// Invalid or repeated protocols are reported on protocols; only the distinct valid ones need LIFs here.
	enabled := sets.New(slices.DeleteFunc(slices.Clone(protocols), func(p ontap.Protocol) bool {
		return !slices.Contains(ontap.SupportedProtocols, p)
	})...).Len()
	if n := len(svm.DataLIFAddresses); n > 0 && n < enabled {
		allErrs = append(allErrs, field.Invalid(dataPath, n,
			fmt.Sprintf("every enabled protocol needs a data LIF of its own: at least %d addresses are needed for %d protocols", enabled, enabled)))
	}
	if svm.ManagementLIFAddress != nil {
		mgmtPath := fldPath.Child("managementLIFAddress")
		addr, errs := validateLIFAddress(*svm.ManagementLIFAddress, mgmtPath)
		allErrs = append(allErrs, errs...)
		if len(errs) == 0 && addresses.Has(addr) {
			allErrs = append(allErrs, field.Duplicate(mgmtPath, *svm.ManagementLIFAddress))
		}
	}

	if svm.MaxVolumes != nil && *svm.MaxVolumes <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("maxVolumes"), *svm.MaxVolumes, "must be greater than 0"))
	}
	if svm.QoS != nil {
		qosPath := fldPath.Child("qos")
		if v := svm.QoS.MaxThroughputMBps; v != nil && *v <= 0 {
			allErrs = append(allErrs, field.Invalid(qosPath.Child("maxThroughputMBps"), *v, "must be greater than 0"))
		}
		if v := svm.QoS.MaxIOPS; v != nil && *v <= 0 {
			allErrs = append(allErrs, field.Invalid(qosPath.Child("maxIOPS"), *v, "must be greater than 0"))
		}
	}

	if !slices.Contains(supportedDeletionPolicies, svm.DeletionPolicy) {
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("deletionPolicy"), svm.DeletionPolicy, supportedDeletionPolicies))
	}
	if svm.LIFsPerNode != nil && (*svm.LIFsPerNode < MinLIFsPerNode || *svm.LIFsPerNode > MaxLIFsPerNode) {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("lifsPerNode"), *svm.LIFsPerNode,
			fmt.Sprintf("must be between %d and %d", MinLIFsPerNode, MaxLIFsPerNode)))
	}

	return allErrs
}

// ValidateClusterName checks the name of an ONTAP cluster as configured for the seed: a DNS-1123 label,
// because it ends up in object names and label values.
func ValidateClusterName(name string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if name == "" {
		return append(allErrs, field.Required(fldPath, "cluster name must not be empty"))
	}
	for _, msg := range validation.IsDNS1123Label(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}

// validateLIFAddress accepts a unicast IPv4 or IPv6 address without zone, in canonical or non-canonical form.
func validateLIFAddress(address string, fldPath *field.Path) (netip.Addr, field.ErrorList) {
	addr, err := netip.ParseAddr(address)
	switch {
	case err != nil:
		return addr, field.ErrorList{field.Invalid(fldPath, address, "must be a valid IPv4 or IPv6 address")}
	case addr.Zone() != "" || addr.Is4In6() || !addr.IsGlobalUnicast():
		return addr, field.ErrorList{field.Invalid(fldPath, address, "must be a unicast IPv4 or IPv6 address without zone (not loopback, link-local, multicast or unspecified)")}
	}
	return addr, nil
}

func validateStorageClasses(classes []ontap.StorageClass, enabled sets.Set[ontap.Protocol], fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	names := sets.New[string]()
	defaultIdx := -1

	for i, class := range classes {
		idxPath := fldPath.Index(i)

		namePath := idxPath.Child("name")
		switch {
		case class.Name == "":
			allErrs = append(allErrs, field.Required(namePath, "storage class name must not be empty"))
		case names.Has(class.Name):
			allErrs = append(allErrs, field.Duplicate(namePath, class.Name))
		default:
			for _, msg := range validation.IsDNS1123Subdomain(class.Name) {
				allErrs = append(allErrs, field.Invalid(namePath, class.Name, msg))
			}
		}
		names.Insert(class.Name)

		protocolPath := idxPath.Child("protocol")
		switch {
		case class.Protocol == "":
			allErrs = append(allErrs, field.Required(protocolPath, "storage class protocol must not be empty"))
		case !slices.Contains(ontap.SupportedProtocols, class.Protocol):
			allErrs = append(allErrs, field.NotSupported(protocolPath, class.Protocol, ontap.SupportedProtocols))
		case !enabled.Has(class.Protocol):
			allErrs = append(allErrs, field.Invalid(protocolPath, class.Protocol, "must be one of the enabled protocols"))
		}

		if class.Default {
			if defaultIdx >= 0 {
				allErrs = append(allErrs, field.Forbidden(idxPath.Child("default"),
					fmt.Sprintf("only one storage class may be the default, %s already is", fldPath.Index(defaultIdx))))
			} else {
				defaultIdx = i
			}
		}

		for _, key := range sets.List(sets.KeySet(class.Parameters)) {
			keyPath := idxPath.Child("parameters").Key(key)
			if reservedParameters.Has(key) {
				allErrs = append(allErrs, field.Forbidden(keyPath, "is set from the storage class protocol"))
				continue
			}
			for _, msg := range validation.IsQualifiedName(key) {
				allErrs = append(allErrs, field.Invalid(keyPath, key, msg))
			}
		}

		if class.ReclaimPolicy != nil && !slices.Contains(supportedReclaimPolicies, *class.ReclaimPolicy) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("reclaimPolicy"), *class.ReclaimPolicy, supportedReclaimPolicies))
		}
		if class.VolumeBindingMode != nil && !slices.Contains(supportedBindingModes, *class.VolumeBindingMode) {
			allErrs = append(allErrs, field.NotSupported(idxPath.Child("volumeBindingMode"), *class.VolumeBindingMode, supportedBindingModes))
		}
		for j, option := range class.MountOptions {
			if option == "" {
				allErrs = append(allErrs, field.Required(idxPath.Child("mountOptions").Index(j), "mount option must not be empty"))
			}
		}
	}

	return allErrs
}
