// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package validation validates the component configuration of gardener-extension-provider-metal.
package validation

import (
	"regexp"
	"strings"

	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	configvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/validation"
)

// featureGateName is the form of Kubernetes-style feature gate names, e.g. "DualStackNodeNetworks".
var featureGateName = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)

// ValidateControllerConfiguration validates a defaulted ControllerConfiguration.
func ValidateControllerConfiguration(config *metal.ControllerConfiguration) field.ErrorList {
	allErrs := field.ErrorList{}
	if config == nil {
		return append(allErrs, field.Required(nil, "a ControllerConfiguration is required"))
	}

	allErrs = append(allErrs, configvalidation.ValidateClientConnection(config.ClientConnection, field.NewPath("clientConnection"))...)
	allErrs = append(allErrs, validateMachineImages(config.MachineImages, field.NewPath("machineImages"))...)
	allErrs = append(allErrs, validateETCD(&config.ETCD, field.NewPath("etcd"))...)
	allErrs = append(allErrs, configvalidation.ValidateHealthCheckConfig(config.HealthCheckConfig, field.NewPath("healthCheckConfig"))...)
	allErrs = append(allErrs, validateMetalAPI(&config.MetalAPI, field.NewPath("metalAPI"))...)

	for _, name := range sets.List(sets.KeySet(config.FeatureGates)) {
		if !featureGateName.MatchString(name) {
			allErrs = append(allErrs, field.Invalid(field.NewPath("featureGates").Key(name), name, "must be an upper camel case name such as \"SomeFeature\""))
		}
	}

	return allErrs
}

func validateMachineImages(images []metal.MachineImage, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	type nameVersion struct{ name, version string }
	seen := sets.New[nameVersion]()
	for i, image := range images {
		idxPath := fldPath.Index(i)
		if image.Name == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("name"), "machine image name must not be empty"))
		}
		if image.Version == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("version"), "machine image version must not be empty"))
		}
		if image.Image == "" {
			allErrs = append(allErrs, field.Required(idxPath.Child("image"), "metal-stack image must not be empty"))
		}
		key := nameVersion{image.Name, image.Version}
		if seen.Has(key) {
			allErrs = append(allErrs, field.Duplicate(idxPath, image.Name+"@"+image.Version))
		}
		seen.Insert(key)
	}
	return allErrs
}

func validateETCD(etcd *metal.ETCD, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}

	storagePath := fldPath.Child("storage")
	if etcd.Storage.ClassName == nil || *etcd.Storage.ClassName == "" {
		allErrs = append(allErrs, field.Required(storagePath.Child("className"), "storage class name must not be empty"))
	}
	if etcd.Storage.Capacity == nil {
		allErrs = append(allErrs, field.Required(storagePath.Child("capacity"), "capacity must be given"))
	} else if etcd.Storage.Capacity.Sign() <= 0 {
		allErrs = append(allErrs, field.Invalid(storagePath.Child("capacity"), etcd.Storage.Capacity.String(), "must be greater than 0"))
	}

	backupPath := fldPath.Child("backup")
	if etcd.Backup.Schedule == nil {
		allErrs = append(allErrs, field.Required(backupPath.Child("schedule"), "schedule must be given"))
	} else if msg := checkCronSchedule(*etcd.Backup.Schedule); msg != "" {
		allErrs = append(allErrs, field.Invalid(backupPath.Child("schedule"), *etcd.Backup.Schedule, msg))
	}
	allErrs = append(allErrs, configvalidation.ValidatePositiveDuration(etcd.Backup.DeltaSnapshotPeriod, backupPath.Child("deltaSnapshotPeriod"))...)

	return allErrs
}

func validateMetalAPI(api *metal.MetalAPIClientConfig, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if api.RequestTimeout == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("requestTimeout"), "request timeout must be given"))
	}
	allErrs = append(allErrs, configvalidation.ValidatePositiveDuration(api.RequestTimeout, fldPath.Child("requestTimeout"))...)
	if api.QPS == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("qps"), "qps must be given"))
	} else if *api.QPS <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("qps"), *api.QPS, "must be greater than 0"))
	}
	if api.Burst == nil {
		allErrs = append(allErrs, field.Required(fldPath.Child("burst"), "burst must be given"))
	} else if *api.Burst <= 0 {
		allErrs = append(allErrs, field.Invalid(fldPath.Child("burst"), *api.Burst, "must be greater than 0"))
	}
	return allErrs
}

// cronFieldBounds are the value ranges of the five fields of a standard cron schedule: minute, hour, day of
// month, month, day of week (0 and 7 are both Sunday).
var cronFieldBounds = [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}

// checkCronSchedule checks a standard five-field cron schedule with numeric values, "*", ranges, lists and
// steps; it returns a message when the schedule is invalid and "" otherwise.
func checkCronSchedule(schedule string) string {
	fields := strings.Fields(schedule)
	if len(fields) != len(cronFieldBounds) {
		return "must be a cron schedule of five fields (minute hour day-of-month month day-of-week)"
	}
	for i, f := range fields {
		for item := range strings.SplitSeq(f, ",") {
			if !validCronItem(item, cronFieldBounds[i][0], cronFieldBounds[i][1]) {
				return "cron field " + f + " is invalid"
			}
		}
	}
	return ""
}

func validCronItem(item string, lo, hi int) bool {
	rangePart, step, hasStep := strings.Cut(item, "/")
	// A step beyond the range is valid and selects the start only, as in gardener's "0 */24 * * *".
	if hasStep {
		if n, ok := atoi(step); !ok || n < 1 {
			return false
		}
	}
	if rangePart == "*" {
		return true
	}
	from, to, isRange := strings.Cut(rangePart, "-")
	start, ok := atoi(from)
	if !ok || start < lo || start > hi {
		return false
	}
	if !isRange {
		return true
	}
	end, ok := atoi(to)
	return ok && end >= start && end <= hi
}

// atoi parses a non-empty string of decimal digits.
func atoi(s string) (int, bool) {
	if s == "" || len(s) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
