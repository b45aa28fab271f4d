// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sandbox"
)

// Secrets of the flag tests; no error may show them.
const (
	flagHMAC     = "hmac-s3cr3t-4711"
	flagToken    = "token-s3cr3t-0815"
	flagPassword = "password-s3cr3t-42"
)

var _ = Describe("ExternalFlags", func() {
	var (
		dir string
		env map[string]string
		ca  []byte
	)
	file := func(name, content string) string {
		path := filepath.Join(dir, name)
		Expect(os.WriteFile(path, []byte(content), 0o600)).To(Succeed())
		return path
	}
	// args replaces the placeholders @hmac, @token, @password, @empty, @ca and @garbage by files with that content.
	apply := func(args ...string) (sandbox.Options, error) {
		GinkgoHelper()
		files := map[string]string{
			"@hmac": file("hmac", flagHMAC+"\n"), "@token": file("token", flagToken), "@password": file("password", flagPassword+"\n"),
			"@empty": file("empty", " \n"), "@ca": file("ca.pem", string(ca)), "@garbage": file("garbage", "not a certificate"),
		}
		for i, a := range args {
			if name, value, ok := strings.Cut(a, "="); ok && strings.HasPrefix(value, "@") {
				args[i] = name + "=" + files[value]
			}
		}
		fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var f sandbox.ExternalFlags
		f.Register(fs)
		Expect(fs.Parse(args)).To(Succeed())
		var opts sandbox.Options
		err := f.Apply(&opts, func(k string) string { return env[k] })
		return opts, err
	}

	BeforeEach(func() {
		dir = GinkgoT().TempDir()
		env = map[string]string{}
		ca = selfSignedCA()
	})

	It("leaves the simulators in place without flags, whatever the environment holds", func() {
		env[sandbox.EnvMetalAPIHMAC] = flagHMAC
		env[sandbox.EnvONTAPPassword] = flagPassword
		opts, err := apply()
		Expect(err).NotTo(HaveOccurred())
		Expect(opts.MetalAPI).To(BeNil())
		Expect(opts.ONTAP).To(BeNil())
	})

	DescribeTable("takes a real metal-api",
		func(envVars map[string]string, want sandbox.MetalAPIEndpoint, args ...string) {
			env = envVars
			opts, err := apply(args...)
			Expect(err).NotTo(HaveOccurred())
			Expect(opts.MetalAPI).To(Equal(&want))
			Expect(opts.ONTAP).To(BeNil())
			Expect(fmt.Sprintf("%v %s %#v", opts.MetalAPI, opts.MetalAPI, opts.MetalAPI)).NotTo(Or(ContainSubstring(flagHMAC), ContainSubstring(flagToken)))
		},
		Entry("with an HMAC key from a file", nil,
			sandbox.MetalAPIEndpoint{URL: "https://metal.example.com/metal", HMAC: flagHMAC},
			"--metal-api-url=https://metal.example.com/metal", "--metal-api-hmac-file=@hmac"),
		Entry("with an HMAC key of a named user", nil,
			sandbox.MetalAPIEndpoint{URL: "http://127.0.0.1:8080", HMAC: flagHMAC, HMACAuthType: "Metal-Edit"},
			"--metal-api-url=http://127.0.0.1:8080", "--metal-api-hmac-file=@hmac", "--metal-api-hmac-auth-type=Metal-Edit"),
		Entry("with a bearer token from a file", nil,
			sandbox.MetalAPIEndpoint{URL: "https://metal.example.com", Token: flagToken},
			"--metal-api-url=https://metal.example.com", "--metal-api-token-file=@token"),
		Entry("with a bearer token from the environment", map[string]string{sandbox.EnvMetalAPIToken: flagToken},
			sandbox.MetalAPIEndpoint{URL: "https://metal.example.com", Token: flagToken},
			"--metal-api-url=https://metal.example.com"),
		Entry("with the file winning over the environment", map[string]string{sandbox.EnvMetalAPIHMAC: "from-env"},
			sandbox.MetalAPIEndpoint{URL: "https://metal.example.com", HMAC: flagHMAC},
			"--metal-api-url=https://metal.example.com", "--metal-api-hmac-file=@hmac"),
	)

	DescribeTable("takes a real ONTAP cluster",
		func(envVars map[string]string, want func() sandbox.ONTAPEndpoint, args ...string) {
			env = envVars
			opts, err := apply(args...)
			Expect(err).NotTo(HaveOccurred())
			Expect(opts.ONTAP).To(Equal(new(want())))
			Expect(opts.MetalAPI).To(BeNil())
			Expect(fmt.Sprintf("%v %s %#v", opts.ONTAP, opts.ONTAP, opts.ONTAP)).NotTo(ContainSubstring(flagPassword))
		},
		Entry("with a password file and the system's roots", nil,
			func() sandbox.ONTAPEndpoint {
				return sandbox.ONTAPEndpoint{Address: "ontap-a.mgmt.example.com", Username: "admin", Password: flagPassword}
			},
			"--ontap-address=ontap-a.mgmt.example.com", "--ontap-username=admin", "--ontap-password-file=@password"),
		Entry("with a CA file", nil,
			func() sandbox.ONTAPEndpoint {
				return sandbox.ONTAPEndpoint{Address: "10.0.0.5:8443", Username: "admin", Password: flagPassword, CABundle: ca}
			},
			"--ontap-address=10.0.0.5:8443", "--ontap-username=admin", "--ontap-password-file=@password", "--ontap-ca-file=@ca"),
		Entry("with the password from the environment, unverified", map[string]string{sandbox.EnvONTAPPassword: flagPassword},
			func() sandbox.ONTAPEndpoint {
				return sandbox.ONTAPEndpoint{Address: "https://ontap-b.lab", Username: "vsadmin", Password: flagPassword, InsecureSkipVerify: true}
			},
			"--ontap-address=https://ontap-b.lab", "--ontap-username=vsadmin", "--ontap-insecure-skip-verify"),
	)

	DescribeTable("refuses incomplete or invalid flags with an error naming them, never a secret",
		func(envVars map[string]string, want string, args ...string) {
			env = envVars
			_, err := apply(args...)
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(err.Error()).NotTo(Or(ContainSubstring(flagHMAC), ContainSubstring(flagToken), ContainSubstring(flagPassword)))
		},
		Entry("a URL without a scheme", nil, `--metal-api-url "metal.example.com" is no http(s) URL`,
			"--metal-api-url=metal.example.com", "--metal-api-hmac-file=@hmac"),
		Entry("a URL that does not parse", nil, `--metal-api-url "https://metal example.com:x"`,
			"--metal-api-url=https://metal example.com:x", "--metal-api-hmac-file=@hmac"),
		Entry("a URL without credentials", nil, "--metal-api-url needs credentials",
			"--metal-api-url=https://metal.example.com"),
		Entry("both credentials", nil, "not both",
			"--metal-api-url=https://metal.example.com", "--metal-api-hmac-file=@hmac", "--metal-api-token-file=@token"),
		Entry("both credentials from the environment", map[string]string{sandbox.EnvMetalAPIHMAC: flagHMAC, sandbox.EnvMetalAPIToken: flagToken}, "not both",
			"--metal-api-url=https://metal.example.com"),
		Entry("an unreadable credentials file", nil, "--metal-api-hmac-file: open",
			"--metal-api-url=https://metal.example.com", "--metal-api-hmac-file=/does/not/exist"),
		Entry("an empty credentials file", nil, "--metal-api-token-file:",
			"--metal-api-url=https://metal.example.com", "--metal-api-token-file=@empty"),
		Entry("an auth type with a token", nil, "--metal-api-hmac-auth-type applies to an HMAC key",
			"--metal-api-url=https://metal.example.com", "--metal-api-token-file=@token", "--metal-api-hmac-auth-type=Metal-View"),
		Entry("an unknown auth type", nil, `"Metal-Root"`,
			"--metal-api-url=https://metal.example.com", "--metal-api-hmac-file=@hmac", "--metal-api-hmac-auth-type=Metal-Root"),
		Entry("credentials without a URL", nil, "need --metal-api-url",
			"--metal-api-hmac-file=@hmac"),
		Entry("an ONTAP cluster without a user", nil, "--ontap-address needs --ontap-username",
			"--ontap-address=ontap-a", "--ontap-password-file=@password"),
		Entry("an ONTAP cluster without a password", nil, "--ontap-address needs the admin's password",
			"--ontap-address=ontap-a", "--ontap-username=admin"),
		Entry("an unreadable password file", nil, "--ontap-password-file: open",
			"--ontap-address=ontap-a", "--ontap-username=admin", "--ontap-password-file=/does/not/exist"),
		Entry("an unreadable CA file", nil, "--ontap-ca-file: open",
			"--ontap-address=ontap-a", "--ontap-username=admin", "--ontap-password-file=@password", "--ontap-ca-file=/does/not/exist"),
		Entry("a CA file without a certificate", nil, "holds no PEM certificate",
			"--ontap-address=ontap-a", "--ontap-username=admin", "--ontap-password-file=@password", "--ontap-ca-file=@garbage"),
		Entry("a CA file and no verification", nil, "exclude each other",
			"--ontap-address=ontap-a", "--ontap-username=admin", "--ontap-password-file=@password", "--ontap-ca-file=@ca", "--ontap-insecure-skip-verify"),
		Entry("an ONTAP address that is not https", nil, "only https",
			"--ontap-address=http://ontap-a", "--ontap-username=admin", "--ontap-password-file=@password"),
		Entry("ONTAP credentials without an address", nil, "need --ontap-address",
			"--ontap-username=admin", "--ontap-password-file=@password"),
	)
})

// selfSignedCA returns a PEM certificate of a throwaway CA.
func selfSignedCA() []byte {
	GinkgoHelper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	Expect(err).NotTo(HaveOccurred())
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sandbox test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	Expect(err).NotTo(HaveOccurred())
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
