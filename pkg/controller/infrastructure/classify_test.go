// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure

import (
	"errors"
	"net/netip"

	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("classify", func() {
	DescribeTable("gives each class of metal-api error its Gardener error code and names the operation",
		func(err error, codes ...gardencorev1beta1.ErrorCode) {
			classified := classify(err, "ensuring the node network of %s", "shoot--dev--a")
			Expect(classified.Error()).To(HavePrefix("ensuring the node network of shoot--dev--a: "))
			Expect(v1beta1helper.ExtractErrorCodes(classified)).To(Equal(codes))
			Expect(errors.Is(classified, err)).To(BeTrue())
		},
		Entry("configuration", metal.ConfigurationError("bad parent"), gardencorev1beta1.ErrorConfigurationProblem),
		Entry("401", &metal.Error{Operation: "findNetwork", Class: metal.ClassConfiguration, Status: 401}, gardencorev1beta1.ErrorInfraUnauthenticated),
		Entry("403", &metal.Error{Operation: "findNetwork", Class: metal.ClassConfiguration, Status: 403}, gardencorev1beta1.ErrorInfraUnauthorized),
		Entry("not found", &metal.Error{Operation: "findNetwork", Class: metal.ClassNotFound, Status: 404}, gardencorev1beta1.ErrorConfigurationProblem),
		Entry("quota", &metal.Error{Operation: "allocateNetwork", Class: metal.ClassQuotaExceeded, Status: 422}, gardencorev1beta1.ErrorInfraQuotaExceeded),
		Entry("no capacity", &metal.Error{Operation: "allocateNetwork", Class: metal.ClassNoCapacity, Status: 422}, gardencorev1beta1.ErrorInfraResourcesDepleted),
		Entry("in use", &metal.Error{Class: metal.ClassInUse}, gardencorev1beta1.ErrorRetryableInfraDependencies),
		Entry("rate limited", &metal.Error{Operation: "findNetwork", Class: metal.ClassRetriable, Status: 429}, gardencorev1beta1.ErrorInfraRateLimitsExceeded),
	)

	DescribeTable("leaves retriable errors without code, so that the controller retries with backoff",
		func(err error) {
			Expect(v1beta1helper.ExtractErrorCodes(classify(err, "op"))).To(BeEmpty())
		},
		Entry("5xx", &metal.Error{Operation: "allocateNetwork", Class: metal.ClassRetriable, Status: 503}),
		Entry("409", &metal.Error{Operation: "updateIP", Class: metal.ClassRetriable, Status: 409}),
		Entry("timeout", &metal.Error{Operation: "findNetworks", Class: metal.ClassRetriable, Message: "no answer: request timed out"}),
		Entry("unknown", errors.New("boom")),
	)
})

var _ = Describe("desiredStatus", func() {
	It("is deterministic: node prefixes in the shoot's order, egress IPs sorted and unique", func() {
		node := &apismetal.NodeNetworkStatus{ID: "n", Prefixes: []string{"2001:db8::/96", "10.0.0.0/22"}, AllocatedByExtension: true}
		egress := []metal.IP{
			{Address: netip.MustParseAddr("203.0.113.9")},
			{Address: netip.MustParseAddr("2001:db8:ff00::1")},
			{Address: netip.MustParseAddr("203.0.113.10")},
			{Address: netip.MustParseAddr("203.0.113.9")},
		}
		s := desiredStatus(node, egress)
		Expect(*s.nodesCIDR).To(Equal("2001:db8::/96"))
		Expect(s.networking.Nodes).To(Equal([]string{"2001:db8::/96", "10.0.0.0/22"}))
		Expect(s.provider.EgressIPs).To(Equal([]string{"203.0.113.9", "203.0.113.10", "2001:db8:ff00::1"}))
		Expect(s.egressCIDRs).To(Equal([]string{"203.0.113.9/32", "203.0.113.10/32", "2001:db8:ff00::1/128"}))

		raw, err := encodeProviderStatus(s.provider)
		Expect(err).NotTo(HaveOccurred())
		again, err := encodeProviderStatus(desiredStatus(node, egress).provider)
		Expect(err).NotTo(HaveOccurred())
		Expect(raw.Raw).To(Equal(again.Raw))
		Expect(string(raw.Raw)).To(Equal(`{"kind":"InfrastructureStatus","apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","nodeNetwork":{"id":"n","prefixes":["2001:db8::/96","10.0.0.0/22"],"allocatedByExtension":true},"egressIPs":["203.0.113.9","203.0.113.10","2001:db8:ff00::1"]}`))
	})
})
