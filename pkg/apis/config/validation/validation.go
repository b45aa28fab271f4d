// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validation validates the pieces the component configurations of metalgarden's binaries share.
package validation

import (
	healthcheckconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
)

// ValidateClientConnection validates a defaulted client connection: QPS and burst are positive (client-go
// would silently switch off rate limiting for a negative QPS).
func ValidateClientConnection(config *componentbaseconfigv1alpha1.ClientConnectionConfiguration, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if config == nil {
		return allErrs
	}
	if config.QPS <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("qps"), config.QPS, "must be greater than 0"))
	}
	if config.Burst <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("burst"), config.Burst, "must be greater than 0"))
	}
	return allErrs
}

// ValidateHealthCheckConfig validates a defaulted health check configuration: the sync period is positive,
// and so are the shoot client's QPS and burst when given; its timeout may be zero (no timeout).
func ValidateHealthCheckConfig(config *healthcheckconfigv1alpha1.HealthCheckConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if config == nil {
		return allErrs
	}
	allErrs = append(allErrs, ValidatePositiveDuration(&config.SyncPeriod, fldPath.Child("syncPeriod"))...)
	if opts := config.ShootRESTOptions; opts != nil {
		optsPath := fldPath.Child("shootRESTOptions")
		if opts.QPS != nil && *opts.QPS <= 0 {
			allErrs = append(allErrs, field.Invalid(optsPath.Child("qps"), *opts.QPS, "must be greater than 0"))
		}
		if opts.Burst != nil && *opts.Burst <= 0 {
			allErrs = append(allErrs, field.Invalid(optsPath.Child("burst"), *opts.Burst, "must be greater than 0"))
		}
		if opts.Timeout != nil && *opts.Timeout < 0 {
			allErrs = append(allErrs, field.Invalid(optsPath.Child("timeout"), opts.Timeout.String(), "must not be negative"))
		}
	}
	return allErrs
}

// ValidatePositiveDuration checks that a duration, when given, is greater than zero.
func ValidatePositiveDuration(duration *metav1.Duration, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if duration != nil && duration.Duration <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath, duration.Duration.String(), "must be greater than 0"))
	}
	return allErrs
}
