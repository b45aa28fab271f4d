// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestShootWebhook(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Shoot Webhook Suite")
}
