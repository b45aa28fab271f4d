// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"context"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	secretToken = "s3cr3t-t0ken-never-shown"
	secretHMAC  = "s3cr3t-hm4c-never-shown"
)

var _ = Describe("errors", func() {
	AfterEach(func() { sim.ClearFaults() })

	DescribeTable("surfaces metal-api failures with the operation named and recovers when they stop",
		func(ctx SpecContext, fault metalapi.Fault, egress bool, mentions ...string) {
			cfg := defaultInfrastructureConfig()
			if egress {
				cfg.Firewall.EgressRules = []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{allocateIP(ctx, metal.IPTypeStatic)}}}
			}
			id := sim.InjectFault(fault)
			s := createShoot(ctx, shootOptions{Families: dualStack, Config: cfg})

			lastErr := s.waitLastError(ctx, mentions...)
			Expect(lastErr.Description).To(ContainSubstring(s.Namespace), "the shoot is named")
			Expect(lastErr.Codes).NotTo(ContainElement(gardencorev1beta1.ErrorConfigurationProblem), "a transient failure is no configuration problem")

			sim.RemoveFault(id)
			infra := s.waitReady(ctx)
			networks := nodeNetworks(s.Cluster.ID)
			Expect(networks).To(HaveLen(1), "exactly one node network after the recovery")
			Expect(providerStatus(infra).NodeNetwork.ID).To(Equal(networks[0].ID))
		},
		Entry("503 on the network allocation", metalapi.Fault{Method: "POST", Path: "/v1/network/allocate", Status: 503},
			false, "ensuring the node network", "allocateNetwork", "503 Service Unavailable"),
		Entry("500 on the node network search", metalapi.Fault{Method: "POST", Path: "/v1/network/find", Status: 500, Message: "rethinkdb is gone"},
			false, "findNetworks", "500 Internal Server Error", "rethinkdb is gone"),
		Entry("409 on the egress tagging", metalapi.Fault{Method: "POST", Path: "/v1/ip", Status: 409, Message: "concurrent update"},
			true, "tagging the egress IPs", "updateIP", "409 Conflict", "concurrent update"),
		Entry("timeouts of the node network search", metalapi.Fault{Method: "POST", Path: "/v1/network/find", Latency: 2 * requestTimeout},
			false, "findNetworks", "timed out"),
		Entry("429 on the firewall network check", metalapi.Fault{Method: "GET", Path: "/v1/network/{id}", Status: 429},
			false, "checking the firewall networks", "findNetwork", "429"),
	)

	DescribeTable("reports configuration problems as such, naming what to fix and never a credential",
		func(ctx SpecContext, configure func(*shootOptions), fix func(context.Context, *testShoot), mentions ...string) {
			var opts shootOptions
			configure(&opts)
			mark := sim.Mark()
			s := createShoot(ctx, opts)

			lastErr := s.waitLastError(ctx, mentions...)
			Expect(lastErr.Codes).To(ContainElement(gardencorev1beta1.ErrorConfigurationProblem))
			for _, secret := range []string{secretToken, secretHMAC, metalapi.DefaultHMACKey} {
				Expect(lastErr.Description).NotTo(ContainSubstring(secret))
				Expect(logs.String()).NotTo(ContainSubstring(secret))
			}
			Expect(sim.CallsSince(mark).Writes()).To(BeEmpty(), "nothing is allocated for a misconfigured shoot")

			if fix != nil {
				fix(ctx, s)
				s.annotate(ctx, "reconcile")
				s.waitReady(ctx)
			}
		},
		Entry("a secret with both credentials", func(o *shootOptions) {
			o.Secret = map[string][]byte{metal.SecretKeyAPIKey: []byte(secretToken), metal.SecretKeyHMAC: []byte(secretHMAC)}
		}, fixSecret, `sets both "metalAPIKey" and "metalAPIHMac"`),
		Entry("a secret without credentials", func(o *shootOptions) {
			o.Secret = map[string][]byte{"token": []byte(secretToken)}
		}, fixSecret, `sets neither "metalAPIKey" nor "metalAPIHMac"`),
		Entry("a partition the cloud profile does not offer", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.PartitionID = "ham-01"
		}, fixConfig, `partition "ham-01" is not offered`),
		Entry("an unknown InfrastructureConfig field (strict decoding)", func(o *shootOptions) {
			o.RawConfig = []byte(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":"fra-equ01","projectID":"p","firewall":{"size":"s","image":"i","networks":["internet"]},"nodeNetwrok":{}}`)
		}, fixConfig, "nodeNetwrok"),
		Entry("a prefix length for a family the shoot does not use", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.NodeNetwork = &metalv1alpha1.NodeNetwork{PrefixLengths: &metalv1alpha1.NodePrefixLengths{IPv6: new(int32(64))}}
		}, fixConfig, "nodeNetwork.prefixLengths.ipv6", "does not use IPv6"),
		Entry("a firewall network that does not exist", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.Firewall.Networks = []string{"no-such-network"}
		}, nil, "checking the firewall networks", `"no-such-network"`, "404 Not Found"),
		Entry("a firewall network of another project", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.Firewall.Networks = []string{metalapi.PrivateSuperNetworkID}
		}, nil, "is a private super network"),
		Entry("a parent network that is no private super network", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.NodeNetwork = &metalv1alpha1.NodeNetwork{ParentNetworkID: new(metalapi.InternetNetworkID)}
		}, nil, `parent network "internet" is not the private super network of partition "fra-equ01"`),
		Entry("an ephemeral egress IP", func(o *shootOptions) {
			o.Config = defaultInfrastructureConfig()
			o.Config.Firewall.EgressRules = []metalv1alpha1.EgressRule{{NetworkID: metalapi.InternetNetworkID, IPs: []string{"203.0.113.250"}}}
		}, nil, "egress IP 203.0.113.250 does not exist"),
		Entry("a user-given node network of the wrong family", func(o *shootOptions) {
			o.Families = []gardencorev1beta1.IPFamily{ipv6}
			o.Nodes = new("10.0.200.0/24")
		}, nil, "spec.networking.nodes 10.0.200.0/24 is an IPv4 network"),
	)

	It("reports wrong credentials as unauthenticated", func(ctx SpecContext) {
		s := createShoot(ctx, shootOptions{Secret: map[string][]byte{metal.SecretKeyHMAC: []byte(secretHMAC)}})
		lastErr := s.waitLastError(ctx, "401 Unauthorized")
		Expect(lastErr.Codes).To(ContainElement(gardencorev1beta1.ErrorInfraUnauthenticated))
		Expect(lastErr.Description).NotTo(ContainSubstring(secretHMAC))
		fixSecret(ctx, s)
		s.annotate(ctx, "reconcile")
		s.waitReady(ctx)
	})
})

// fixSecret gives the shoot's secret the simulator's HMAC key.
func fixSecret(ctx context.Context, s *testShoot) {
	GinkgoHelper()
	secret := &corev1.Secret{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: secretName}, secret)).To(Succeed())
	secret.Data = map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)}
	Expect(env.Client.Update(ctx, secret)).To(Succeed())
}

// fixConfig gives the shoot's Infrastructure the default InfrastructureConfig, so that it can be deleted.
func fixConfig(ctx context.Context, s *testShoot) {
	GinkgoHelper()
	infra := s.get(ctx)
	patch := client.MergeFrom(infra.DeepCopy())
	infra.Spec.ProviderConfig.Raw = mustJSON(defaultInfrastructureConfig())
	Expect(env.Client.Patch(ctx, infra, patch)).To(Succeed())
}
