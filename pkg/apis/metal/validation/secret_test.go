// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateCloudProviderSecret", func() {
	const secretValue = "s3cr3t-t0k3n"

	DescribeTable("validates",
		func(data map[string][]byte, matchers ...types.GomegaMatcher) {
			errs := validation.ValidateCloudProviderSecret(data, field.NewPath("data"))
			expectErrors(errs, matchers)
			Expect(errs.ToAggregate()).To(Or(BeNil(), MatchError(Not(ContainSubstring(secretValue)))), "the secret value must never be echoed")
		},

		Entry("an API key", map[string][]byte{"metalAPIKey": []byte(secretValue)}),
		Entry("an HMAC key", map[string][]byte{"metalAPIHMac": []byte(secretValue)}),
		Entry("an HMAC key next to other keys", map[string][]byte{"metalAPIHMac": []byte(secretValue), "metalAPIHMacAuthType": []byte("Metal-Edit")}),
		Entry("no credentials", map[string][]byte{"other": []byte(secretValue)}, required("data")),
		Entry("no data at all", nil, required("data")),
		Entry("both credentials", map[string][]byte{"metalAPIKey": []byte(secretValue), "metalAPIHMac": []byte(secretValue)},
			forbidden("data[metalAPIHMac]")),
		Entry("an empty API key", map[string][]byte{"metalAPIKey": {}}, required("data[metalAPIKey]")),
		Entry("an empty HMAC key", map[string][]byte{"metalAPIHMac": nil}, required("data[metalAPIHMac]")),
		Entry("an API key of whitespace only", map[string][]byte{"metalAPIKey": []byte(" \n")}, required("data[metalAPIKey]")),
		Entry("an API key with a trailing line break", map[string][]byte{"metalAPIKey": []byte(secretValue + "\n")}, invalid("data[metalAPIKey]")),
		Entry("an HMAC key with leading blanks", map[string][]byte{"metalAPIHMac": []byte("  " + secretValue)}, invalid("data[metalAPIHMac]")),
	)
})
