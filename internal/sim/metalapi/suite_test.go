// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/go-openapi/runtime"
	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"golang.org/x/crypto/ssh"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

func TestMetalAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "metal-api simulator")
}

// startSimulator starts a simulator for the current spec and stops it afterwards.
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

// hmacClient is metal-go's client with the Metal-Admin HMAC, as the provider builds it.
func hmacClient(url, key string) metalgo.Client {
	GinkgoHelper()
	c, err := metalgo.NewClient(url, metalgo.HMACAuth(key, "Metal-Admin"))
	Expect(err).NotTo(HaveOccurred())
	return c
}

// tokenClient is metal-go's client with a bearer token.
func tokenClient(url, token string) metalgo.Client {
	GinkgoHelper()
	c, err := metalgo.NewClient(url, metalgo.BearerToken(token))
	Expect(err).NotTo(HaveOccurred())
	return c
}

// statusCode extracts the HTTP status of a metal-go error: the generated default and conflict responses
// and runtime.APIError all carry one.
func statusCode(err error) int {
	var coded interface{ Code() int }
	if errors.As(err, &coded) {
		return coded.Code()
	}
	var apiErr *runtime.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return 0
}

func sshKey() string {
	GinkgoHelper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	key, err := ssh.NewPublicKey(pub)
	Expect(err).NotTo(HaveOccurred())
	return string(ssh.MarshalAuthorizedKey(key))
}

func allocNet(networkID string) *models.V1MachineAllocationNetwork {
	return &models.V1MachineAllocationNetwork{Networkid: new(networkID), Autoacquire: new(true)}
}
