// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package seedprovider_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestSeedProvider(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Seed Provider Webhook Suite")
}
