// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation_test

import (
	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega/types"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var _ = Describe("ValidateWorkerConfig", func() {
	DescribeTable("validates",
		func(mutate func(*metal.WorkerConfig), matchers ...types.GomegaMatcher) {
			cfg := validWorkerConfig()
			if mutate != nil {
				mutate(cfg)
			}
			expectErrors(validation.ValidateWorkerConfig(cfg, nil), matchers)
		},

		Entry("a complete config", nil),
		Entry("an empty config", func(cfg *metal.WorkerConfig) { *cfg = metal.WorkerConfig{} }),
		Entry("an empty additional network", func(cfg *metal.WorkerConfig) { cfg.AdditionalNetworks[0] = "" },
			required("additionalNetworks[0]")),
		Entry("a repeated additional network", func(cfg *metal.WorkerConfig) { cfg.AdditionalNetworks[1] = cfg.AdditionalNetworks[0] },
			duplicate("additionalNetworks[1]")),
		Entry("an empty tag key", func(cfg *metal.WorkerConfig) { cfg.Tags[""] = "x" },
			invalid("tags[]")),
		Entry("an empty tag value", func(cfg *metal.WorkerConfig) { cfg.Tags["example.com/flag"] = "" }),
		Entry("a tag key with '='", func(cfg *metal.WorkerConfig) { cfg.Tags["team=a"] = "x" },
			invalid("tags[team=a]")),
		Entry("a tag key of a metal-stack.io subdomain", func(cfg *metal.WorkerConfig) { cfg.Tags["cluster.metal-stack.io/id"] = "x" },
			forbidden("tags[cluster.metal-stack.io/id]")),
		Entry("a tag key of metal-stack.io", func(cfg *metal.WorkerConfig) { cfg.Tags["metal-stack.io/owner"] = "x" },
			forbidden("tags[metal-stack.io/owner]")),
		Entry("a tag key of a domain that only ends like metal-stack.io", func(cfg *metal.WorkerConfig) { cfg.Tags["not-metal-stack.io/owner"] = "x" }),
		Entry("a tag key that mentions metal-stack.io after the prefix", func(cfg *metal.WorkerConfig) { cfg.Tags["example.com/metal-stack.io"] = "x" }),
	)
})
