// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"context"
	"sync/atomic"
	"testing"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

// benchSimulator starts a simulator whose super network (10.0.0.0/10 by /26, 2001:db8:4000::/34 by /64) has room for 65,536 dual-stack children and an
// extra network with a million IPv4 addresses, and returns metal-go's HMAC client for it.
func benchSimulator(b *testing.B) metalgo.Client {
	b.Helper()
	cfg := metalapi.DefaultConfig()
	for i, n := range cfg.Seed.Networks {
		if n.ID == metalapi.PrivateSuperNetworkID {
			cfg.Seed.Networks[i].Prefixes = []string{"10.0.0.0/10", "2001:db8:4000::/34"}
			cfg.Seed.Networks[i].DefaultChildPrefixLength = map[string]int64{"IPv4": 26, "IPv6": 64}
		}
	}
	cfg.Seed.Networks = append(cfg.Seed.Networks, metalapi.NetworkSeed{
		ID: "bench", Prefixes: []string{"100.64.0.0/12", "2001:db8:ffff::/64"},
	})
	ctx, cancel := context.WithCancel(context.Background())
	srv, err := metalapi.Start(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cancel()
		_ = srv.Close()
	})
	c, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth(metalapi.DefaultHMACKey, "Metal-Admin"))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkNetworkAllocation allocates dual-stack child networks (POST /v1/network/allocate) through
// metal-go's client from 16 concurrent callers and reports allocations per second.
func BenchmarkNetworkAllocation(b *testing.B) {
	c := benchSimulator(b)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := c.Network().AllocateNetwork(network.NewAllocateNetworkParams().WithBody(&models.V1NetworkAllocateRequest{
				Partitionid: metalapi.DefaultPartitionID, Projectid: metalapi.DefaultProjectID,
			}), nil)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "networks/s")
}

// BenchmarkIPAllocation allocates IPs (POST /v1/ip/allocate), alternating IPv4 and IPv6, through
// metal-go's client from 16 concurrent callers and reports allocations per second.
func BenchmarkIPAllocation(b *testing.B) {
	c := benchSimulator(b)
	var n atomic.Uint64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			family := [2]string{"IPv4", "IPv6"}[n.Add(1)%2]
			_, err := c.IP().AllocateIP(ip.NewAllocateIPParams().WithBody(&models.V1IPAllocateRequest{
				Networkid: new("bench"), Projectid: new(metalapi.DefaultProjectID), Addressfamily: family,
			}), nil)
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ips/s")
}
