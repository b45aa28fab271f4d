// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"errors"
	"fmt"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// configurationProblem marks an error that an operator or the shoot owner has to fix.
func configurationProblem(err error) error {
	return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorConfigurationProblem)
}

// classify names the operation that failed and gives the error the Gardener error code of its class, so that
// the Extension's last error tells the operator what to do. Errors that go away by themselves (an unreachable
// or busy ONTAP cluster or metal-api, an SVM that still holds volumes) are marked retryable. The controller
// retries every error with a backoff capped at its retry interval (see AddOptions.RetryInterval).
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	err = fmt.Errorf(format+": %w", append(args, err)...)

	var ontapErr *ontap.Error
	switch {
	case errors.As(err, &ontapErr):
		switch {
		case ontap.IsConfiguration(err) && (ontapErr.Status == 401):
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthenticated)
		case ontap.IsConfiguration(err) && (ontapErr.Status == 403):
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthorized)
		case ontap.IsConfiguration(err):
			return configurationProblem(err)
		default:
			// Unreachable or busy clusters, failed jobs, an SVM that still holds volumes.
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorRetryableInfraDependencies)
		}
	case isMetalError(err):
		switch metal.Classify(err) {
		case metal.ClassConfiguration, metal.ClassNotFound:
			switch metal.StatusOf(err) {
			case 401:
				return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthenticated)
			case 403:
				return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthorized)
			}
			return configurationProblem(err)
		case metal.ClassQuotaExceeded:
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraQuotaExceeded)
		case metal.ClassNoCapacity:
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraResourcesDepleted)
		default:
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorRetryableInfraDependencies)
		}
	}
	return err
}

// isMetalError tells whether err holds an error of the metal package.
func isMetalError(err error) bool {
	var me *metal.Error
	return errors.As(err, &me)
}

// waitFor is the error of a condition that is expected to hold soon (e.g. shoot webhooks to be applied); the
// controller retries with its capped backoff. It is not a reconcilerutils.RequeueAfterError on purpose: gardener's
// Extension reconciler replaces the requeue interval of a reconciliation with its resync period.
func waitFor(format string, args ...any) error {
	return v1beta1helper.NewErrorWithCodes(fmt.Errorf(format, args...), gardencorev1beta1.ErrorRetryableInfraDependencies)
}
