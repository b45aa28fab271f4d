// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validation validates the component configuration of gardener-extension-ontap.
package validation

import (
	"regexp"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	configvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/validation"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontapvalidation "github.com/metalgarden/metalgarden/pkg/apis/ontap/validation"
)

// tridentVersion is the form of Trident release versions, e.g. "24.06.0" or "v24.06.1-rc.1".
var tridentVersion = regexp.MustCompile(`^v?[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$`)

// ValidateControllerConfiguration validates a defaulted ControllerConfiguration.
func ValidateControllerConfiguration(config *ontapconfig.ControllerConfiguration) field.ErrorList {
	allErrs := field.ErrorList{}
	if config == nil {
		return append(allErrs, field.Required(nil, "a ControllerConfiguration is required"))
	}

	allErrs = append(allErrs, configvalidation.ValidateClientConnection(config.ClientConnection, field.NewPath("clientConnection"))...)
	allErrs = append(allErrs, validateClusters(config.Clusters, field.NewPath("clusters"))...)
	if config.DataNetworkID == "" {
		allErrs = append(allErrs, field.Required(field.NewPath("dataNetworkID"), "the default metal-stack storage network must be given"))
	}
	allErrs = append(allErrs, configvalidation.ValidateHealthCheckConfig(config.HealthCheckConfig, field.NewPath("healthCheckConfig"))...)
	if config.Trident != nil && config.Trident.Version != "" && !tridentVersion.MatchString(config.Trident.Version) {
		allErrs = append(allErrs, field.Invalid(field.NewPath("trident", "version"), config.Trident.Version, "must be a Trident release version such as \"24.06.0\""))
	}

	protocolsPath := field.NewPath("defaultProtocols")
	if len(config.DefaultProtocols) == 0 {
		allErrs = append(allErrs, field.Required(protocolsPath, "at least one protocol must be enabled"))
	}
	protocols := make([]ontap.Protocol, 0, len(config.DefaultProtocols))
	for _, p := range config.DefaultProtocols {
		protocols = append(protocols, ontap.Protocol(p))
	}
	allErrs = append(allErrs, ontapvalidation.ValidateProtocols(protocols, protocolsPath)...)

	return allErrs
}

func validateClusters(clusters []ontapconfig.ClusterReference, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if len(clusters) == 0 {
		return append(allErrs, field.Required(fldPath, "at least one ONTAP cluster must be configured"))
	}
	names := sets.New[string]()
	for i, cluster := range clusters {
		idxPath := fldPath.Index(i)
		namePath := idxPath.Child("name")
		allErrs = append(allErrs, ontapvalidation.ValidateClusterName(cluster.Name, namePath)...)
		if cluster.Name != "" && names.Has(cluster.Name) {
			allErrs = append(allErrs, field.Duplicate(namePath, cluster.Name))
		}
		names.Insert(cluster.Name)

		refPath := idxPath.Child("secretRef")
		allErrs = append(allErrs, validateObjectName(cluster.SecretRef.Name, refPath.Child("name"), validation.IsDNS1123Subdomain)...)
		allErrs = append(allErrs, validateObjectName(cluster.SecretRef.Namespace, refPath.Child("namespace"), validation.IsDNS1123Label)...)
	}
	return allErrs
}

func validateObjectName(name string, fldPath *field.Path, check func(string) []string) field.ErrorList {
	allErrs := field.ErrorList{}
	if name == "" {
		return append(allErrs, field.Required(fldPath, "must not be empty"))
	}
	for _, msg := range check(name) {
		allErrs = append(allErrs, field.Invalid(fldPath, name, msg))
	}
	return allErrs
}
