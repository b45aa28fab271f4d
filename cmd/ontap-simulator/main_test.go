package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestOntapSimulator(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ontap-simulator command suite")
}

var _ = Describe("ontap-simulator", func() {
	It("serves over TLS with the CA it writes, keeps state, and stops with its context", func() {
		dir := GinkgoT().TempDir()
		seed := filepath.Join(dir, "seed.yaml")
		Expect(os.WriteFile(seed, []byte("clusterName: lab\nnodes: [{name: lab-01}]\naggregates: [{name: a1, node: lab-01, size: 1Ti}]\n"), 0o600)).To(Succeed())

		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out, w := io.Pipe()
		done := make(chan error, 1)
		go func() {
			done <- run(ctx, []string{"--listen", "127.0.0.1:0", "--state-file", filepath.Join(dir, "state.json"),
				"--admin-password", "Lab-admin-1", "--seed", seed}, w)
			_ = w.Close()
		}()

		lines := bufio.NewScanner(out)
		Expect(lines.Scan()).To(BeTrue())
		url := regexp.MustCompile(`https://[0-9.:]+`).FindString(lines.Text())
		Expect(url).NotTo(BeEmpty())
		Expect(lines.Text()).To(ContainSubstring(`cluster "lab"`))
		Expect(lines.Scan()).To(BeTrue())
		caPath := regexp.MustCompile(`CA certificate: (.+)$`).FindStringSubmatch(lines.Text())[1]
		Expect(caPath).To(Equal(filepath.Join(dir, "ontap-simulator-ca.pem")))
		go func() { _, _ = io.Copy(io.Discard, out) }()

		ca, err := os.ReadFile(caPath)
		Expect(err).NotTo(HaveOccurred())
		pool := x509.NewCertPool()
		Expect(pool.AppendCertsFromPEM(ca)).To(BeTrue())
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
		req, err := http.NewRequest(http.MethodGet, url+"/api/cluster", nil)
		Expect(err).NotTo(HaveOccurred())
		req.SetBasicAuth("admin", "Lab-admin-1")
		resp, err := hc.Do(req)
		Expect(err).NotTo(HaveOccurred())
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
		Expect(string(body)).To(ContainSubstring(`"name":"lab"`))
		Expect(filepath.Join(dir, "state.json")).To(BeAnExistingFile())

		cancel()
		Eventually(done).WithTimeout(10 * time.Second).Should(Receive(BeNil()))
	})

	It("rejects a broken seed", func() {
		seed := filepath.Join(GinkgoT().TempDir(), "seed.yaml")
		Expect(os.WriteFile(seed, []byte("nodes: []\n"), 0o600)).To(Succeed())
		err := run(context.Background(), []string{"--listen", "127.0.0.1:0", "--seed", seed}, io.Discard)
		Expect(err).To(MatchError(ContainSubstring("clusterName is required")))
	})
})
