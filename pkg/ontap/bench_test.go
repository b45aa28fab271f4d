package ontap_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func benchSetup(b *testing.B) (context.Context, *ontapapi.Server, *ontap.Client) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	srv, err := ontapapi.Start(ctx, ontapapi.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	user, password := srv.AdminCredentials()
	c, err := ontap.NewClient(ontap.ClientConfig{
		Name: "sim", Address: srv.Address(), Username: user, Password: password, CABundle: srv.CACert(),
	})
	if err != nil {
		b.Fatal(err)
	}
	return ctx, srv, c
}

// BenchmarkProvisionShoot measures one shoot's full provisioning (aggregate
// placement, SVM with its creation job, three LIFs (IPv4, IPv6, management),
// NVMe and NFS services, export policy, account, route) through trident's
// generated client over verified HTTPS against the simulator, one shoot
// after the other.
func BenchmarkProvisionShoot(b *testing.B) {
	ctx, srv, c := benchSetup(b)
	mark := srv.Mark()
	i := 0
	for b.Loop() {
		s := shoot{svm: fmt.Sprintf("bench-%d", i), user: "trident", password: "Trident-pw-1", index: i}
		if err := provision(ctx, c, s); err != nil {
			b.Fatal(err)
		}
		i++
	}
	calls := srv.CallsSince(mark)
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "shoots/s")
	b.ReportMetric(float64(len(calls))/float64(i), "requests/shoot")
	b.ReportMetric(float64(len(calls.Writes()))/float64(i), "writes/shoot")
}

// BenchmarkProvisionShootParallel provisions shoots from 4 goroutines per
// core, sharing one client, the way concurrent reconciles do. Retriable
// errors (ONTAP's limit of parallel SVM jobs) are retried as a controller's
// requeue would.
func BenchmarkProvisionShootParallel(b *testing.B) {
	ctx, _, c := benchSetup(b)
	var next, retries atomic.Int64
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			s := shoot{svm: fmt.Sprintf("par-%d", i), user: "trident", password: "Trident-pw-1", index: i}
			for {
				err := provision(ctx, c, s)
				if err == nil {
					break
				}
				if !ontap.IsRetriable(err) {
					b.Error(err)
					return
				}
				retries.Add(1)
			}
		}
	})
	b.ReportMetric(float64(next.Load())/b.Elapsed().Seconds(), "shoots/s")
	b.ReportMetric(float64(retries.Load()), "retries")
}
