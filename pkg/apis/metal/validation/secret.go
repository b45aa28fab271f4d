// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"bytes"
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

const (
	// SecretKeyAPIKey is the key of a cloud provider Secret that holds a metal-api token (bearer authentication).
	SecretKeyAPIKey = "metalAPIKey"
	// SecretKeyAPIHMac is the key of a cloud provider Secret that holds a metal-api HMAC key.
	SecretKeyAPIHMac = "metalAPIHMac"
)

// ValidateCloudProviderSecret validates the data of a Secret with metal-api credentials: exactly one of
// metalAPIKey and metalAPIHMac, not empty and without surrounding whitespace. fldPath is the path of the Secret's
// data. The errors never carry the secret values.
func ValidateCloudProviderSecret(data map[string][]byte, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	apiKey, hasAPIKey := data[SecretKeyAPIKey]
	hmac, hasHMac := data[SecretKeyAPIHMac]

	switch {
	case !hasAPIKey && !hasHMac:
		return append(allErrs, field.Required(fldPath,
			fmt.Sprintf("the metal-api credentials are required: set exactly one of %q (token) or %q (HMAC key)", SecretKeyAPIKey, SecretKeyAPIHMac)))
	case hasAPIKey && hasHMac:
		return append(allErrs, field.Forbidden(fldPath.Key(SecretKeyAPIHMac),
			fmt.Sprintf("set exactly one of %q or %q: the metal-api client would have to guess which one to use", SecretKeyAPIKey, SecretKeyAPIHMac)))
	case hasAPIKey:
		allErrs = append(allErrs, validateCredential(apiKey, fldPath.Key(SecretKeyAPIKey))...)
	default:
		allErrs = append(allErrs, validateCredential(hmac, fldPath.Key(SecretKeyAPIHMac))...)
	}
	return allErrs
}

// validateCredential checks a credential without ever putting it into an error.
func validateCredential(value []byte, fldPath *field.Path) field.ErrorList {
	switch trimmed := bytes.TrimSpace(value); {
	case len(trimmed) == 0:
		return field.ErrorList{field.Required(fldPath, "must not be empty")}
	case len(trimmed) != len(value):
		// A trailing newline from `echo` is the usual cause; the metal-api would reject the credential.
		return field.ErrorList{field.Invalid(fldPath, field.OmitValueType{}, "must not begin or end with whitespace or a line break")}
	}
	return nil
}
