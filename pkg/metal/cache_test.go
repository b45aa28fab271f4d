// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

var _ = Describe("ClientCache", func() {
	var cache *ClientCache
	BeforeEach(func() {
		cache = NewClientCache(DefaultClientConfig())
	})

	DescribeTable("keys clients by endpoint and credential hash",
		func(endpointA string, credsA Credentials, endpointB string, credsB Credentials, same bool) {
			a, err := cache.Client(endpointA, credsA)
			Expect(err).NotTo(HaveOccurred())
			b, err := cache.Client(endpointB, credsB)
			Expect(err).NotTo(HaveOccurred())
			if same {
				Expect(b).To(BeIdenticalTo(a))
				Expect(cache.Len()).To(Equal(1))
			} else {
				Expect(b).NotTo(BeIdenticalTo(a))
				Expect(cache.Len()).To(Equal(2))
			}
		},
		Entry("same endpoint and credentials", "https://metal.example.com/metal", HMAC("k", ""), "https://metal.example.com/metal", HMAC("k", ""), true),
		Entry("a rotated HMAC key", "https://metal.example.com/metal", HMAC("k", ""), "https://metal.example.com/metal", HMAC("k2", ""), false),
		Entry("another HMAC auth type", "https://metal.example.com/metal", HMAC("k", ""), "https://metal.example.com/metal", HMAC("k", "Metal-Edit"), false),
		Entry("a token instead of an HMAC key", "https://metal.example.com/metal", HMAC("k", ""), "https://metal.example.com/metal", BearerToken("k"), false),
		Entry("another endpoint", "https://metal.example.com/metal", HMAC("k", ""), "https://metal2.example.com/metal", HMAC("k", ""), false),
	)

	It("forgets clients nobody asked for within the idle timeout", func() {
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		cache.now = func() time.Time { return now }
		old, err := cache.Client("http://metal.example.com", HMAC("old", ""))
		Expect(err).NotTo(HaveOccurred())
		now = now.Add(defaultIdleTimeout / 2)
		_, err = cache.Client("http://metal.example.com", HMAC("new", ""))
		Expect(err).NotTo(HaveOccurred())
		Expect(cache.Len()).To(Equal(2))

		now = now.Add(defaultIdleTimeout/2 + time.Second)
		_, err = cache.Client("http://metal.example.com", HMAC("new", ""))
		Expect(err).NotTo(HaveOccurred())
		Expect(cache.Len()).To(Equal(1), "the rotated-away client is forgotten")
		again, err := cache.Client("http://metal.example.com", HMAC("old", ""))
		Expect(err).NotTo(HaveOccurred())
		Expect(again).NotTo(BeIdenticalTo(old))
	})

	DescribeTable("rejects endpoints that are no http(s) URL with a host as configuration errors",
		func(endpoint string) {
			_, err := cache.Client(endpoint, HMAC("k", ""))
			Expect(IsConfiguration(err)).To(BeTrue(), "%v", err)
			Expect(cache.Len()).To(BeZero())
		},
		Entry("no scheme", "metal.example.com"),
		Entry("another scheme", "ftp://metal.example.com"),
		Entry("no host", "https:///metal"),
		Entry("garbage", "http://[::1"),
	)

	It("rejects invalid credentials and configurations", func() {
		_, err := cache.Client("http://metal.example.com", Credentials{})
		Expect(IsConfiguration(err)).To(BeTrue())
		_, err = NewClient("http://metal.example.com", HMAC("k", ""), ClientConfig{RequestTimeout: time.Second, QPS: 0, Burst: 1})
		Expect(err).To(MatchError(ContainSubstring("QPS")))
	})

	Describe("ClientFor", func() {
		ref := corev1.SecretReference{Namespace: "shoot--dev--a", Name: "cloudprovider"}
		secret := func(data map[string][]byte) *corev1.Secret {
			return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ref.Namespace, Name: ref.Name}, Data: data}
		}

		It("reads the secret and returns the same client until the secret rotates", func(ctx context.Context) {
			s := secret(map[string][]byte{SecretKeyHMAC: []byte("first")})
			reader := fake.NewClientBuilder().WithObjects(s).Build()
			a, err := cache.ClientFor(ctx, reader, ref, "http://metal.example.com")
			Expect(err).NotTo(HaveOccurred())
			b, err := cache.ClientFor(ctx, reader, ref, "http://metal.example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(b).To(BeIdenticalTo(a))

			s.Data[SecretKeyHMAC] = []byte("second")
			Expect(reader.Update(ctx, s)).To(Succeed())
			c, err := cache.ClientFor(ctx, reader, ref, "http://metal.example.com")
			Expect(err).NotTo(HaveOccurred())
			Expect(c).NotTo(BeIdenticalTo(a))
			Expect(c.Endpoint()).To(Equal("http://metal.example.com"))
		})

		It("reports a missing secret and invalid credentials", func(ctx context.Context) {
			_, err := cache.ClientFor(ctx, fake.NewClientBuilder().Build(), ref, "http://metal.example.com")
			Expect(err).To(MatchError(ContainSubstring("credentials secret shoot--dev--a/cloudprovider does not exist")))

			reader := fake.NewClientBuilder().WithObjects(secret(map[string][]byte{SecretKeyHMAC: []byte("h"), SecretKeyAPIKey: []byte("t")})).Build()
			_, err = cache.ClientFor(ctx, reader, ref, "http://metal.example.com")
			Expect(IsConfiguration(err)).To(BeTrue())
		})
	})
})
