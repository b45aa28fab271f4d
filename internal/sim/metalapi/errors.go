// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"fmt"
	"net/http"
)

// apiError carries the HTTP status metal-api would answer with. metal-api classifies errors in its
// defaultError: not found → 404, conflict → 409, internal → 500, and everything else → 422; request
// validation errors are sent as 400 explicitly.
type apiError struct {
	status int
	err    error
}

func (e *apiError) Error() string { return e.err.Error() }
func (e *apiError) Unwrap() error { return e.err }

func newAPIError(status int, format string, args ...any) error {
	return &apiError{status: status, err: fmt.Errorf(format, args...)}
}

func badRequest(format string, args ...any) error {
	return newAPIError(http.StatusBadRequest, format, args...)
}

func notFound(format string, args ...any) error {
	return newAPIError(http.StatusNotFound, format, args...)
}

func conflict(format string, args ...any) error {
	return newAPIError(http.StatusConflict, format, args...)
}

func unprocessable(format string, args ...any) error {
	return newAPIError(http.StatusUnprocessableEntity, format, args...)
}

func internal(format string, args ...any) error {
	return newAPIError(http.StatusInternalServerError, format, args...)
}

func forbidden(format string, args ...any) error {
	return newAPIError(http.StatusForbidden, format, args...)
}

// statusOf returns the status metal-api's defaultError would choose for err.
func statusOf(err error) int {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status
	}
	return http.StatusUnprocessableEntity
}
