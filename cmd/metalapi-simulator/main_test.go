// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

func TestMetalAPISimulatorCommand(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "metalapi-simulator command")
}

var _ = Describe("metalapi-simulator", func() {
	It("prints the sandbox seed as a loadable state file", func() {
		var out bytes.Buffer
		Expect(run(context.Background(), []string{"--print-seed"}, &out, io.Discard)).To(Succeed())
		path := filepath.Join(GinkgoT().TempDir(), "seed.yaml")
		Expect(os.WriteFile(path, out.Bytes(), 0o600)).To(Succeed())
		seed, err := metalapi.LoadSeedFile(path)
		Expect(err).NotTo(HaveOccurred())
		Expect(seed).To(Equal(metalapi.SandboxSeed()))
	})

	It("serves a state file with the given credentials until its context ends", func() {
		seed := filepath.Join(GinkgoT().TempDir(), "seed.yaml")
		data, err := metalapi.DefaultSeed().YAML()
		Expect(err).NotTo(HaveOccurred())
		Expect(os.WriteFile(seed, data, 0o600)).To(Succeed())

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		pr, pw := io.Pipe()
		done := make(chan error, 1)
		go func() {
			defer GinkgoRecover()
			done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--state-file", seed, "--hmac", "k", "--token", "t1,t2"}, pw, io.Discard)
			_ = pw.Close()
		}()
		url, err := bufio.NewReader(pr).ReadString('\n')
		Expect(err).NotTo(HaveOccurred())
		url = strings.TrimSpace(url)
		go func() { _, _ = io.Copy(io.Discard, pr) }()

		for token, want := range map[string]int{"t2": http.StatusOK, "nope": http.StatusUnauthorized} {
			req, err := http.NewRequest(http.MethodGet, url+"/v1/partition/"+metalapi.DefaultPartitionID, nil)
			Expect(err).NotTo(HaveOccurred())
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Body.Close()).To(Succeed())
			Expect(resp.StatusCode).To(Equal(want), "token %q", token)
		}

		cancel()
		Eventually(done).WithTimeout(10 * time.Second).Should(Receive(BeNil()))
	})

	It("refuses an unreadable state file", func() {
		err := run(context.Background(), []string{"--state-file", "/does/not/exist.yaml"}, io.Discard, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("reading seed file")))
	})
})
