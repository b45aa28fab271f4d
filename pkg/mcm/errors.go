// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/status"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

// invalidClass is the error for a machine class or secret the driver cannot work with: nothing changes until the
// class is fixed, which the worker controller does from the shoot's configuration.
func invalidClass(err error) error {
	return status.Error(codes.InvalidArgument, fmt.Sprintf("%v; the MachineClass and its secrets are written by the metal worker controller from the shoot's worker pool, fix the pool's configuration or the credentials secret", err))
}

// statusFor turns an error of pkg/metal into a machine-controller-manager status with a code that makes MCM
// retry sensibly and a message that tells the operator what to do. Messages never contain credentials: neither
// pkg/metal's errors nor this driver's messages include them.
func statusFor(what string, err error) error {
	var st *status.Status
	if errors.As(err, &st) {
		return err
	}
	msg := fmt.Sprintf("%s: %v", what, err)
	switch metal.Classify(err) {
	case metal.ClassNoCapacity:
		return status.Error(codes.ResourceExhausted, msg+"; the partition has no free machine of this size right now: free machines of the size, add machines to the partition or choose another machine type; the machine is retried")
	case metal.ClassQuotaExceeded:
		return status.Error(codes.ResourceExhausted, msg+"; the project's quota is used up: raise the quota or free machines; the machine is retried")
	case metal.ClassConfiguration:
		switch metal.StatusOf(err) {
		case http.StatusUnauthorized:
			return status.Error(codes.Unauthenticated, msg+"; the metal-api rejects the credentials of the shoot's cloudprovider secret: rotate or fix them")
		case http.StatusForbidden:
			return status.Error(codes.PermissionDenied, msg+"; the credentials of the shoot's cloudprovider secret lack permission for the project: grant it in the metal-api")
		}
		return status.Error(codes.InvalidArgument, msg+"; the metal-api rejects the request as configured: check size, image, partition, project and networks of the worker pool")
	case metal.ClassNotFound:
		return status.Error(codes.InvalidArgument, msg+"; something the worker pool refers to does not exist in the metal-api: check size, image, partition, project and networks")
	case metal.ClassInUse:
		return status.Error(codes.Aborted, msg+"; retried")
	}
	return status.Error(codes.Unavailable, msg+"; the metal-api is unreachable or failing, the call is retried")
}
