package ontapapi

import (
	"fmt"
	"net/http"
)

// ONTAP error codes returned by the simulator. Code "4" and 13434894 are the
// codes ONTAP documents for these conditions; the others are the simulator's
// own, stable so that tests can match them.
const (
	CodeNotFound          = "4"
	CodeNotAuthorized     = "6"
	CodeAuthentication    = "5"
	CodeUnexpectedField   = "262179"
	CodeInvalidValue      = "262197"
	CodeMissingField      = "262186"
	CodeDuplicate         = "1"
	CodeInUse             = "2"
	CodeMaxSVMJobs        = "13434894"
	CodeInjected          = "999"
	CodeSVMNotEmpty       = "13434908"
	CodeNoSpace           = "917927"
	CodeServiceEnabled    = "5374131"
	CodeDefaultPolicy     = "1703955"
	CodeWeakPassword      = "7077918"
	CodeDuplicateIP       = "1376963"
	CodeUnknownHomeNode   = "1376950"
	CodeUnknownPolicy     = "1376951"
	CodeMethodUnsupported = "3"
	CodeVolumeLimit       = "13434920"
	CodeOwnsQoSPolicies   = "13434921"
)

// apiError is an ONTAP error answer: HTTP status plus the body's error object.
type apiError struct {
	status  int
	code    string
	message string
	target  string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message)
}

func errorBody(code, message, target string) map[string]any {
	inner := map[string]any{"code": code, "message": message}
	if target != "" {
		inner["target"] = target
	}
	return map[string]any{"error": inner}
}

func notFound(target string) *apiError {
	return &apiError{status: http.StatusNotFound, code: CodeNotFound, message: "entry doesn't exist", target: target}
}

func badRequest(code, target, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...), target: target}
}

func conflict(code, target, format string, args ...any) *apiError {
	return &apiError{status: http.StatusConflict, code: code, message: fmt.Sprintf(format, args...), target: target}
}

func forbidden() *apiError {
	return &apiError{status: http.StatusForbidden, code: CodeNotAuthorized, message: "not authorized for that command"}
}
