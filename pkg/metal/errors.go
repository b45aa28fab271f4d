// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/go-openapi/runtime"
	"github.com/metal-stack/metal-lib/httperrors"
)

// Class tells an operator, and a controller's retry logic, what to do about an error.
type Class int

const (
	// ClassUnknown is an error that is not a metal-api error; callers treat it as retriable.
	ClassUnknown Class = iota
	// ClassRetriable errors go away by themselves: the metal-api is unreachable, slow (timeouts), overloaded
	// (5xx, 429) or a concurrent change conflicted (409).
	ClassRetriable
	// ClassInUse means an object cannot be freed yet because others still use it; retry later.
	ClassInUse
	// ClassNotFound means the object does not exist (404). Whether that is a problem depends on the caller:
	// a referenced network that does not exist is a configuration problem, a network to free that is gone is
	// success.
	ClassNotFound
	// ClassNoCapacity means the metal-api has no room left: no free child prefix in the super network, no free
	// IP in a network. It may resolve when other shoots free what they hold.
	ClassNoCapacity
	// ClassQuotaExceeded means a project quota of the metal-api is exhausted.
	ClassQuotaExceeded
	// ClassConfiguration errors need an operator or the shoot owner: invalid or missing credentials, missing
	// permissions (401, 403), invalid requests (400, 422), objects that do not fit the shoot.
	ClassConfiguration
)

// String names the class.
func (c Class) String() string {
	switch c {
	case ClassRetriable:
		return "retriable"
	case ClassInUse:
		return "in use"
	case ClassNotFound:
		return "not found"
	case ClassNoCapacity:
		return "no capacity"
	case ClassQuotaExceeded:
		return "quota exceeded"
	case ClassConfiguration:
		return "configuration"
	default:
		return "unknown"
	}
}

// severity orders classes for errors that join several: the one an operator must act on wins.
func (c Class) severity() int {
	switch c {
	case ClassConfiguration:
		return 6
	case ClassQuotaExceeded:
		return 5
	case ClassNoCapacity:
		return 4
	case ClassNotFound:
		return 3
	case ClassInUse:
		return 2
	case ClassRetriable:
		return 1
	}
	return 0
}

// Error is a classified failure of the metal-api or of a precondition this package checks.
type Error struct {
	// Operation names what failed: a metal-api operation ("allocateNetwork") or a check of this package.
	Operation string
	// Class classifies the error.
	Class Class
	// Status is the HTTP status of the metal-api's answer, 0 when there was none (or no call).
	Status int
	// Message is the metal-api's error message or the description of the failed check.
	Message string

	cause error
}

// Error describes the failure; it never contains credentials.
func (e *Error) Error() string {
	switch {
	case e.Status != 0:
		return fmt.Sprintf("metal-api %s failed with %d %s: %s", e.Operation, e.Status, http.StatusText(e.Status), e.Message)
	case e.Operation != "":
		return fmt.Sprintf("metal-api %s: %s", e.Operation, e.Message)
	default:
		return e.Message
	}
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.cause }

// newError builds an error of this package that is not an answer of the metal-api.
func newError(class Class, format string, args ...any) *Error {
	return &Error{Class: class, Message: fmt.Sprintf(format, args...)}
}

// ConfigurationError returns an error of class ClassConfiguration; for checks outside this package whose
// failure an operator or shoot owner has to fix.
func ConfigurationError(format string, args ...any) error {
	return newError(ClassConfiguration, format, args...)
}

// Classify returns the class of err. For an error that joins several, the most severe class wins
// (configuration over quota over no capacity over not found over in use over retriable). Errors that are not
// from this package are classified by what they are: context deadlines and network errors are retriable,
// anything else is ClassUnknown.
func Classify(err error) Class {
	if err == nil {
		return ClassUnknown
	}
	best := ClassUnknown
	walk(err, func(e error) {
		var c Class
		me, isOwn := e.(*Error)
		switch {
		case isOwn:
			c = me.Class
		case isTransportError(e):
			c = ClassRetriable
		default:
			return
		}
		if c.severity() > best.severity() {
			best = c
		}
	})
	return best
}

// walk calls f for err and every error it wraps, depth first.
func walk(err error, f func(error)) {
	if err == nil {
		return
	}
	f(err)
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, f)
		}
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), f)
	}
}

// StatusOf returns the HTTP status of the first metal-api answer in err, 0 if there is none.
func StatusOf(err error) int {
	var me *Error
	if errors.As(err, &me) {
		return me.Status
	}
	return 0
}

// IsNotFound tells whether err says that an object does not exist.
func IsNotFound(err error) bool { return hasClass(err, ClassNotFound) }

// IsRetriable tells whether err goes away by itself when retried.
func IsRetriable(err error) bool {
	c := Classify(err)
	return c == ClassRetriable || c == ClassUnknown
}

// IsConfiguration tells whether err needs an operator or the shoot owner to change something.
func IsConfiguration(err error) bool { return Classify(err) == ClassConfiguration }

// IsNoCapacity tells whether err says the metal-api ran out of prefixes or IPs.
func IsNoCapacity(err error) bool { return Classify(err) == ClassNoCapacity }

// IsInUse tells whether err says an object is still used by others.
func IsInUse(err error) bool { return Classify(err) == ClassInUse }

func hasClass(err error, class Class) bool {
	found := false
	walk(err, func(e error) {
		if me, ok := e.(*Error); ok && me.Class == class {
			found = true
		}
	})
	return found
}

// isTransportError tells whether err means no (complete) answer arrived: a timeout, a refused or reset
// connection, a response cut off.
func isTransportError(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &netErr)
}

// coded is what metal-go's generated error responses (and go-openapi's APIError) offer.
type coded interface{ Code() int }

// payloaded is what metal-go's generated error responses offer: metal-lib's error body.
type payloaded interface {
	GetPayload() *httperrors.HTTPErrorResponse
}

// apiError converts an error returned by metal-go for the operation op into a classified *Error.
func apiError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		// The caller gave up; nothing to classify.
		return &Error{Operation: op, Class: ClassRetriable, Message: "canceled", cause: err}
	}

	status, message := 0, ""
	var (
		withPayload payloaded
		withCode    coded
		openAPIErr  *runtime.APIError
	)
	switch {
	case errors.As(err, &withPayload) && withPayload.GetPayload() != nil:
		message = withPayload.GetPayload().Message
		status = withPayload.GetPayload().StatusCode
		if errors.As(err, &withCode) {
			status = withCode.Code()
		}
	case errors.As(err, &withCode):
		status = withCode.Code()
	case errors.As(err, &openAPIErr):
		status = openAPIErr.Code
		message = openAPIErr.OperationName
	}

	if status == 0 {
		class := ClassUnknown
		if isTransportError(err) {
			class = ClassRetriable
		}
		return &Error{Operation: op, Class: class, Message: "no answer: " + transportMessage(err), cause: err}
	}
	if message == "" {
		message = http.StatusText(status)
	}
	return &Error{Operation: op, Class: classifyStatus(status, message), Status: status, Message: message, cause: err}
}

// transportMessage describes a transport error without the request URL's details beyond host and path.
func transportMessage(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "request timed out"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed before the response arrived"
	}
	return err.Error()
}

// Markers of the metal-api's (go-ipam's) answers when a network or super network is full, and of quota
// answers. metal-api answers both with 422 (or 500 for "no ips left"), so the message tells them apart from
// invalid requests.
var (
	noCapacityMarkers = []string{"cannot allocate free child prefix", "no ips left", "no more ips", "cannot allocate free ip", "no free"}
	quotaMarkers      = []string{"quota"}
)

// classifyStatus classifies an answer of the metal-api by its status and message.
func classifyStatus(status int, message string) Class {
	lower := strings.ToLower(message)
	containsAny := func(markers []string) bool {
		for _, m := range markers {
			if strings.Contains(lower, m) {
				return true
			}
		}
		return false
	}
	switch {
	case status == http.StatusNotFound:
		return ClassNotFound
	case status == http.StatusConflict, status == http.StatusTooManyRequests, status == http.StatusRequestTimeout:
		return ClassRetriable
	case containsAny(quotaMarkers):
		return ClassQuotaExceeded
	case containsAny(noCapacityMarkers) && (status == http.StatusUnprocessableEntity || status >= 500):
		return ClassNoCapacity
	case status >= 500:
		return ClassRetriable
	case status >= 400:
		return ClassConfiguration
	}
	return ClassUnknown
}
