package ontap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/go-openapi/runtime"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Class tells an operator (and a controller's requeue logic) what to do about
// an error.
type Class int

const (
	// ClassUnknown is an error that could not be classified.
	ClassUnknown Class = iota
	// ClassRetriable errors go away by themselves: the cluster is
	// unreachable or busy, a job failed on a transient condition, or the
	// operation waits for something else (e.g. volumes to be deleted).
	ClassRetriable
	// ClassConfiguration errors need an operator: wrong credentials or CA,
	// missing permissions, invalid names or addresses, conflicts with
	// objects someone else owns.
	ClassConfiguration
)

// String names the class.
func (c Class) String() string {
	switch c {
	case ClassRetriable:
		return "retriable"
	case ClassConfiguration:
		return "configuration"
	default:
		return "unknown"
	}
}

// Sentinel errors, matched with errors.Is.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrSVMNotEmpty: the SVM still holds volumes, LUNs or NVMe namespaces
	// and is not deleted.
	ErrSVMNotEmpty = errors.New("SVM still holds storage")
	// ErrUnknownCluster: no configured cluster has the name.
	ErrUnknownCluster = errors.New("unknown ONTAP cluster")
)

// ONTAP error code of "Maximum allowed SVM jobs exceeded. Wait and retry."
const codeMaxSVMJobs = "13434894"

// Error is a failed ONTAP call, classified.
type Error struct {
	Class Class
	// Status is the HTTP status, 0 when no answer arrived.
	Status int
	// Code, Message and Target are ONTAP's error object (or the job's).
	Code    string
	Message string
	Target  string
	// Job is the UUID of the failed job, if a job failed.
	Job string

	cause error
}

// Error describes the failure: HTTP status or failed job, ONTAP code,
// message and target.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.Job != "":
		fmt.Fprintf(&b, "job %s failed", e.Job)
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Code != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "ONTAP error %s", e.Code)
	}
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	if e.Target != "" {
		fmt.Fprintf(&b, " (target %s)", e.Target)
	}
	if b.Len() == 0 && e.cause != nil {
		return e.cause.Error()
	}
	return b.String()
}

// Unwrap returns the cause (a transport error, ErrNotFound, ...).
func (e *Error) Unwrap() error { return e.cause }

// ClassOf returns the class of the first *Error in the chain.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return ClassUnknown
}

// IsRetriable reports whether retrying later can succeed without anyone
// changing the configuration.
func IsRetriable(err error) bool { return ClassOf(err) == ClassRetriable }

// IsConfiguration reports whether the error needs an operator.
func IsConfiguration(err error) bool { return ClassOf(err) == ClassConfiguration }

// IsNotFound reports whether the object does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ontapDefault is implemented by the generated "Default" responses that carry
// ONTAP's error object.
type ontapDefault interface {
	Code() int
	GetPayload() *models.ErrorResponse
}

// unexpectedSuccess reports a 2xx answer the generated client has no type for
// (e.g. 200 where the OpenAPI document promises 201 or 202). ONTAP did what
// was asked; the generated client turns it into an error.
func unexpectedSuccess(err error) bool {
	var apiErr *runtime.APIError
	if errors.As(err, &apiErr) && apiErr.Code/100 == 2 {
		return true
	}
	var def ontapDefault
	return errors.As(err, &def) && def.Code()/100 == 2
}

// tolerate turns an unexpected success into success.
func tolerate(err error) error {
	if err != nil && unexpectedSuccess(err) {
		return nil
	}
	return err
}

// classify turns an error of the generated client or the transport into an
// *Error.
func classify(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var def ontapDefault
	if errors.As(err, &def) {
		out := &Error{Status: def.Code(), Class: classForStatus(def.Code(), ""), cause: err}
		if p := def.GetPayload(); p != nil && p.Error != nil {
			out.Code = deref(p.Error.Code)
			out.Message = deref(p.Error.Message)
			out.Target = deref(p.Error.Target)
			out.Class = classForStatus(out.Status, out.Code)
		}
		if out.Status == http.StatusNotFound {
			out.cause = ErrNotFound
		}
		return out
	}
	var apiErr *runtime.APIError
	if errors.As(err, &apiErr) {
		out := &Error{Status: apiErr.Code, Class: classForStatus(apiErr.Code, ""), Message: apiErr.OperationName, cause: err}
		if out.Status == http.StatusNotFound {
			out.cause = ErrNotFound
		}
		return out
	}
	return &Error{Class: classForTransport(err), cause: err}
}

func classForStatus(status int, code string) Class {
	switch {
	case code == codeMaxSVMJobs:
		return ClassRetriable
	case status == http.StatusTooManyRequests, status == http.StatusRequestTimeout, status >= 500:
		return ClassRetriable
	case status == http.StatusNotFound:
		// A missing object is a state, not a failure: callers decide.
		return ClassUnknown
	case status >= 400:
		return ClassConfiguration
	default:
		return ClassUnknown
	}
}

func classForTransport(err error) Class {
	var (
		unknownAuthority x509.UnknownAuthorityError
		hostname         x509.HostnameError
		invalid          x509.CertificateInvalidError
		verification     *tls.CertificateVerificationError
		recordHeader     tls.RecordHeaderError
		dnsErr           *net.DNSError
		netErr           net.Error
	)
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &hostname), errors.As(err, &invalid),
		errors.As(err, &verification), errors.As(err, &recordHeader):
		// TLS trust problems do not heal by themselves.
		return ClassConfiguration
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return ClassConfiguration
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &netErr):
		return ClassRetriable
	default:
		return ClassUnknown
	}
}

// redactor removes secrets from error text.
type redactor []string

func (r redactor) clean(s string) string {
	for _, secret := range r {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

// wrap names the operation and the cluster, classifies the error and makes
// sure no secret appears in it, also not in the chain below.
func (c *Client) wrap(op string, err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	e := classify(err)
	r := append(redactor{c.cfg.Password}, secrets...)
	clean := *e
	clean.Message = r.clean(e.Message)
	clean.Target = r.clean(e.Target)
	if clean.cause != nil && r.clean(clean.cause.Error()) != clean.cause.Error() {
		clean.cause = errors.New(r.clean(clean.cause.Error()))
	}
	return fmt.Errorf("%s on ONTAP cluster %s: %w", r.clean(op), c.cfg.Name, &clean)
}

// notFound builds a classified not-found error for an object the caller
// named.
func notFoundError(what string) *Error {
	return &Error{Class: ClassConfiguration, Status: http.StatusNotFound, Message: what + " not found", cause: ErrNotFound}
}
