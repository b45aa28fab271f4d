// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shootnetwork_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestShootNetwork(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Network Suite")
}
