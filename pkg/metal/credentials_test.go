// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	tokenValue = "s3cr3t-t0ken-value"
	hmacValue  = "s3cr3t-hm4c-value"
)

func secretWith(data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "shoot--dev--a", Name: "cloudprovider"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

var _ = Describe("CredentialsFromSecret", func() {
	DescribeTable("accepts exactly one credential",
		func(data map[string]string, kind string, equalTo metal.Credentials) {
			creds, err := metal.CredentialsFromSecret(secretWith(data))
			Expect(err).NotTo(HaveOccurred())
			Expect(creds.Kind()).To(Equal(kind))
			Expect(creds.Hash()).To(Equal(equalTo.Hash()))
		},
		Entry("a bearer token", map[string]string{metal.SecretKeyAPIKey: tokenValue}, "bearer token", metal.BearerToken(tokenValue)),
		Entry("an HMAC key with the default auth type", map[string]string{metal.SecretKeyHMAC: hmacValue}, "HMAC (Metal-Admin)", metal.HMAC(hmacValue, "")),
		Entry("an HMAC key with an auth type", map[string]string{metal.SecretKeyHMAC: hmacValue, metal.SecretKeyHMACAuthType: "Metal-Edit"}, "HMAC (Metal-Edit)", metal.HMAC(hmacValue, "Metal-Edit")),
		Entry("a token with a trailing newline", map[string]string{metal.SecretKeyAPIKey: tokenValue + "\n"}, "bearer token", metal.BearerToken(tokenValue)),
		Entry("a token next to an empty HMAC key", map[string]string{metal.SecretKeyAPIKey: tokenValue, metal.SecretKeyHMAC: ""}, "bearer token", metal.BearerToken(tokenValue)),
		Entry("an HMAC key next to a blank token", map[string]string{metal.SecretKeyAPIKey: "  \n", metal.SecretKeyHMAC: hmacValue}, "HMAC (Metal-Admin)", metal.HMAC(hmacValue, "")),
	)

	DescribeTable("rejects anything else with a configuration error that names the keys, never the values",
		func(data map[string]string, mentions ...string) {
			_, err := metal.CredentialsFromSecret(secretWith(data))
			Expect(err).To(HaveOccurred())
			Expect(metal.IsConfiguration(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring("shoot--dev--a/cloudprovider"))
			for _, m := range mentions {
				Expect(err.Error()).To(ContainSubstring(m))
			}
			Expect(err.Error()).NotTo(ContainSubstring(tokenValue))
			Expect(err.Error()).NotTo(ContainSubstring(hmacValue))
		},
		Entry("both keys", map[string]string{metal.SecretKeyAPIKey: tokenValue, metal.SecretKeyHMAC: hmacValue}, "both", `"metalAPIKey"`, `"metalAPIHMac"`),
		Entry("neither key", map[string]string{"other": tokenValue}, "neither", `"metalAPIKey"`, `"metalAPIHMac"`),
		Entry("empty values only", map[string]string{metal.SecretKeyAPIKey: "", metal.SecretKeyHMAC: " "}, "neither"),
		Entry("an unknown HMAC auth type", map[string]string{metal.SecretKeyHMAC: hmacValue, metal.SecretKeyHMACAuthType: "Metal-Root"}, `"Metal-Root"`, "Metal-View, Metal-Edit, Metal-Admin"),
		Entry("an HMAC auth type with a token", map[string]string{metal.SecretKeyAPIKey: tokenValue, metal.SecretKeyHMACAuthType: "Metal-Edit"}, `"metalAPIHMacAuthType"`),
	)

	It("rejects a missing secret", func() {
		_, err := metal.CredentialsFromSecret(nil)
		Expect(metal.IsConfiguration(err)).To(BeTrue())
	})

	It("never prints the secret", func() {
		for _, creds := range []metal.Credentials{metal.BearerToken(tokenValue), metal.HMAC(hmacValue, "Metal-Edit")} {
			for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				out := fmt.Sprintf(format, creds)
				Expect(out).NotTo(ContainSubstring(tokenValue))
				Expect(out).NotTo(ContainSubstring(hmacValue))
			}
			Expect(creds.Hash()).NotTo(ContainSubstring(tokenValue))
			Expect(creds.Hash()).NotTo(ContainSubstring(hmacValue))
		}
	})

	It("hashes different kinds, values and auth types differently", func() {
		hashes := map[string]bool{}
		for _, c := range []metal.Credentials{
			metal.BearerToken("a"), metal.BearerToken("b"), metal.HMAC("a", ""), metal.HMAC("a", "Metal-Edit"), metal.HMAC("b", ""),
		} {
			hashes[c.Hash()] = true
		}
		Expect(hashes).To(HaveLen(5))
	})
})
