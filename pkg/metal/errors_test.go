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
	"net/url"

	"github.com/go-openapi/runtime"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-lib/httperrors"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("error classification", func() {
	DescribeTable("classifies metal-api answers by status and message",
		func(status int, message string, want Class) {
			Expect(classifyStatus(status, message)).To(Equal(want))
		},
		Entry("400 invalid request", 400, "projectid should not be empty", ClassConfiguration),
		Entry("401 wrong credentials", 401, "unauthenticated", ClassConfiguration),
		Entry("403 missing permission", 403, "you are not member in one of [edit admin]", ClassConfiguration),
		Entry("404", 404, "no network with id \"x\" found", ClassNotFound),
		Entry("408", 408, "timeout", ClassRetriable),
		Entry("409 conflict", 409, "entity already exists", ClassRetriable),
		Entry("422 invalid", 422, "network has ips", ClassConfiguration),
		Entry("422 super network full", 422, "cannot allocate free child prefix in ipam: no prefix found", ClassNoCapacity),
		Entry("422 quota", 422, "project quota for networks exceeded", ClassQuotaExceeded),
		Entry("429", 429, "too many requests", ClassRetriable),
		Entry("500 no ips left", 500, "cannot allocate free ip in ipam, no ips left", ClassNoCapacity),
		Entry("500", 500, "database down", ClassRetriable),
		Entry("503", 503, "unavailable", ClassRetriable),
	)

	defaultResponse := func(code int, message string) error {
		r := network.NewAllocateNetworkDefault(code)
		r.Payload = &httperrors.HTTPErrorResponse{StatusCode: code, Message: message}
		return r
	}

	DescribeTable("converts metal-go's errors",
		func(err error, class Class, status int, mentions ...string) {
			converted := apiError("allocateNetwork", err)
			Expect(Classify(converted)).To(Equal(class))
			Expect(StatusOf(converted)).To(Equal(status))
			Expect(converted.Error()).To(ContainSubstring("allocateNetwork"))
			for _, m := range mentions {
				Expect(converted.Error()).To(ContainSubstring(m))
			}
			Expect(errors.Is(converted, err)).To(BeTrue(), "the cause stays reachable")
		},
		Entry("a default response", defaultResponse(503, "injected"), ClassRetriable, 503, "503", "injected"),
		Entry("a conflict response", func() error {
			r := network.NewAllocateNetworkConflict()
			r.Payload = &httperrors.HTTPErrorResponse{StatusCode: 409, Message: "already exists"}
			return r
		}(), ClassRetriable, 409, "409 Conflict", "already exists"),
		Entry("a not found response", func() error {
			r := ip.NewFindIPDefault(404)
			r.Payload = &httperrors.HTTPErrorResponse{StatusCode: 404, Message: "no ip"}
			return r
		}(), ClassNotFound, 404, "no ip"),
		Entry("a forbidden response", defaultResponse(403, "not member"), ClassConfiguration, 403, "Forbidden"),
		Entry("go-openapi's APIError", runtime.NewAPIError("unexpected success response", nil, 502), ClassRetriable, 502),
		Entry("a timeout", fmt.Errorf("request: %w", context.DeadlineExceeded), ClassRetriable, 0, "timed out"),
		Entry("a lost response", &url.Error{Op: "Post", URL: "http://127.0.0.1/v1/network/allocate", Err: io.EOF}, ClassRetriable, 0, "connection closed"),
		Entry("a refused connection", &url.Error{Op: "Post", URL: "http://127.0.0.1/v1/network/allocate", Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}, ClassRetriable, 0, "connection refused"),
		Entry("anything else", errors.New("boom"), ClassUnknown, 0, "boom"),
	)

	It("lets the most severe class of joined errors win", func() {
		retriable := apiError("findIPs", defaultResponse(503, "x"))
		inUse := &Error{Class: ClassInUse, Message: "used"}
		config := ConfigurationError("bad")
		Expect(Classify(errors.Join(retriable, inUse))).To(Equal(ClassInUse))
		Expect(Classify(errors.Join(retriable, fmt.Errorf("wrapped: %w", config), inUse))).To(Equal(ClassConfiguration))
		Expect(IsNotFound(errors.Join(retriable, apiError("findIP", defaultResponse(404, "gone"))))).To(BeTrue())
		Expect(IsRetriable(errors.New("unknown"))).To(BeTrue())
		Expect(Classify(nil)).To(Equal(ClassUnknown))
	})
})
