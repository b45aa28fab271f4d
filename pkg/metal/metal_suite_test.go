// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

func TestMetal(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "pkg/metal Suite")
}

// startSimulator starts a metal-api simulator for the current spec and stops it afterwards.
func startSimulator(cfg metalapi.Config) *metalapi.Server {
	GinkgoHelper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := metalapi.Start(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		cancel()
		Expect(srv.Close()).To(Succeed())
	})
	return srv
}
