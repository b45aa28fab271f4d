// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// ReservedTagDomain is the domain of the tags metal-stack and the extension use to find the machines, networks
// and IPs of a shoot again; user tags in it could make the extension mistake or lose objects.
const ReservedTagDomain = "metal-stack.io"

// ValidateWorkerConfig validates the providerConfig of a worker pool.
func ValidateWorkerConfig(cfg *metal.WorkerConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	allErrs = append(allErrs, validateNonEmptyUnique(cfg.AdditionalNetworks, fldPath.Child("additionalNetworks"))...)

	tagsPath := fldPath.Child("tags")
	for _, key := range slices.Sorted(maps.Keys(cfg.Tags)) {
		keyPath := tagsPath.Key(key)
		switch {
		case key == "":
			allErrs = append(allErrs, field.Invalid(keyPath, key, "a tag key must not be empty"))
		case strings.Contains(key, "="):
			allErrs = append(allErrs, field.Invalid(keyPath, key, "a tag key must not contain '=', which separates key and value in metal-stack tags"))
		case isReservedTagKey(key):
			allErrs = append(allErrs, field.Forbidden(keyPath, "tags of the domain "+ReservedTagDomain+" are reserved for metal-stack and the extension"))
		}
	}
	return allErrs
}

// isReservedTagKey tells whether a tag key has a prefix of the reserved domain or one of its subdomains, such as
// cluster.metal-stack.io/id.
func isReservedTagKey(key string) bool {
	prefix, _, found := strings.Cut(key, "/")
	if !found {
		return false
	}
	return prefix == ReservedTagDomain || strings.HasSuffix(prefix, "."+ReservedTagDomain)
}
