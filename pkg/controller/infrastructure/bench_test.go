// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// benchShoots is the number of Infrastructures created at once.
const benchShoots = 200

// BenchmarkInfrastructures200 creates 200 dual-stack Infrastructures at once in one envtest, with the
// controller as the binary runs it (5 workers) against the metal-api simulator, and reports the seconds until
// all are Ready, the metal-api calls per shoot for the creation and for a no-op reconciliation, and the peak RSS
// of the test process. The sub-benchmarks differ in the metal-api client's rate limit: the component
// configuration's default (20 QPS, burst 40, shared by all shoots with the same credentials) and one that never
// throttles.
// benchRuns numbers the runs of BenchmarkInfrastructures200 so that each gets namespaces of its own.
var benchRuns int

func BenchmarkInfrastructures200(b *testing.B) {
	logf.SetLogger(logr.Discard())
	env, err := testenv.Start(testenv.Options{CRDs: testenv.ExtensionCRDs})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = env.Stop() })
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	srv, err := metalapi.Start(ctx, metalapi.SandboxConfig())
	if err != nil {
		b.Fatal(err)
	}

	for _, bc := range []struct {
		name string
		api  configmetal.MetalAPIClientConfig
	}{
		{name: "default-rate-limit"},
		{name: "unthrottled", api: configmetal.MetalAPIClientConfig{QPS: new(float32(10000)), Burst: new(10000)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				// The testing package may call this function more than once in the same environment.
				benchRuns++
				runBenchmark(ctx, b, env, srv, bc.api, fmt.Sprintf("%s-%d", bc.name, benchRuns))
			}
		})
	}
}

func runBenchmark(ctx context.Context, b *testing.B, env *testenv.Environment, srv *metalapi.Server, api configmetal.MetalAPIClientConfig, run string) {
	b.Helper()
	c := env.Client

	mgrCtx, stopMgr := context.WithCancel(ctx)
	defer stopMgr()
	benchMgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := infrastructure.AddToManagerWithOptions(mgrCtx, benchMgr, infrastructure.AddOptions{
		Controller: controller.Options{MaxConcurrentReconciles: 5},
		MetalAPI:   api,
	}); err != nil {
		b.Fatal(err)
	}
	go func() { _ = benchMgr.Start(mgrCtx) }()

	cpc := &metalv1alpha1.CloudProfileConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "CloudProfileConfig"},
		MetalControlPlanes: map[string]metalv1alpha1.MetalControlPlane{"simulator": {
			Endpoint:   srv.URL(),
			Partitions: map[string]metalv1alpha1.Partition{metalapi.DefaultPartitionID: {FirewallTypes: []string{metalapi.FirewallSizeID}}},
		}},
	}
	cpcRaw, _ := json.Marshal(cpc)
	cfg := &metalv1alpha1.InfrastructureConfig{
		TypeMeta:    metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "InfrastructureConfig"},
		PartitionID: metalapi.DefaultPartitionID, ProjectID: metalapi.DefaultProjectID,
		Firewall: metalv1alpha1.Firewall{Size: metalapi.FirewallSizeID, Image: metalapi.FirewallImageID, Networks: []string{metalapi.InternetNetworkID}, ControllerVersion: "auto"},
	}
	cfgRaw, _ := json.Marshal(cfg)
	cloudProfile := testenv.NewCloudProfile(cpcRaw, gardencorev1beta1.CloudProfileSpec{Regions: []gardencorev1beta1.Region{{Name: "local"}}})

	// What gardenlet writes before the Infrastructures: namespaces, Clusters and secrets (not measured).
	infras := make([]*extensionsv1alpha1.Infrastructure, benchShoots)
	parallel(b, benchShoots, func(i int) error {
		shoot := testenv.NewShoot(testenv.ShootSpec{
			Project: "bench", Name: fmt.Sprintf("%s-%d", run, i), InfrastructureConfig: cfgRaw,
			IPFamilies: []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6},
		})
		ns, err := testenv.CreateShoot(ctx, c, shoot, cloudProfile, testenv.NewSeed("seed"))
		if err != nil {
			return err
		}
		if err := c.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: secretName, Namespace: ns},
			Data:       map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)},
		}); err != nil {
			return err
		}
		infras[i] = &extensionsv1alpha1.Infrastructure{
			ObjectMeta: metav1.ObjectMeta{Name: shoot.Name, Namespace: ns},
			Spec: extensionsv1alpha1.InfrastructureSpec{
				DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType, ProviderConfig: &runtime.RawExtension{Raw: cfgRaw}},
				Region:      "local",
				SecretRef:   corev1.SecretReference{Name: secretName, Namespace: ns},
			},
		}
		return nil
	})
	waitFor(b, func() (bool, error) {
		var clusters extensionsv1alpha1.ClusterList
		if err := benchMgr.GetClient().List(ctx, &clusters); err != nil {
			return false, err
		}
		return len(clusters.Items) >= benchShoots, nil
	})

	b.ResetTimer()
	mark := srv.Mark()
	start := time.Now()
	parallel(b, benchShoots, func(i int) error { return c.Create(ctx, infras[i]) })
	waitFor(b, allReady(ctx, c, infras))
	readySeconds := time.Since(start).Seconds()
	createCalls := srv.CallsSince(mark)
	b.StopTimer()

	mark = srv.Mark()
	parallel(b, benchShoots, func(i int) error {
		infra := infras[i].DeepCopy()
		patch := client.MergeFrom(infra.DeepCopy())
		metav1.SetMetaDataAnnotation(&infra.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
		return c.Patch(ctx, infra, patch)
	})
	waitFor(b, func() (bool, error) {
		return srv.CallsSince(mark).Count("POST", "/v1/network/find") >= benchShoots, nil
	})
	waitFor(b, allReady(ctx, c, infras))
	noopCalls := srv.CallsSince(mark)

	b.ReportMetric(readySeconds, "s-to-all-ready")
	b.ReportMetric(float64(len(createCalls))/benchShoots, "create-calls/shoot")
	b.ReportMetric(float64(len(createCalls.Writes()))/benchShoots, "create-writes/shoot")
	b.ReportMetric(float64(len(noopCalls))/benchShoots, "noop-calls/shoot")
	b.ReportMetric(float64(len(noopCalls.Writes())), "noop-writes")
	b.ReportMetric(peakRSSMiB(b), "peak-RSS-MiB")

	// Clean up for the next run: the simulator's super network holds 256 node networks.
	parallel(b, benchShoots, func(i int) error { return client.IgnoreNotFound(c.Delete(ctx, infras[i])) })
	waitFor(b, func() (bool, error) {
		var list extensionsv1alpha1.InfrastructureList
		if err := c.List(ctx, &list); err != nil {
			return false, err
		}
		return len(list.Items) == 0, nil
	})
	b.StartTimer()
}

// allReady tells whether every Infrastructure's last operation succeeded for its generation.
func allReady(ctx context.Context, c client.Client, infras []*extensionsv1alpha1.Infrastructure) func() (bool, error) {
	return func() (bool, error) {
		var list extensionsv1alpha1.InfrastructureList
		if err := c.List(ctx, &list); err != nil {
			return false, err
		}
		ready := 0
		for _, infra := range list.Items {
			op := infra.Status.LastOperation
			if op != nil && op.State == gardencorev1beta1.LastOperationStateSucceeded && infra.Status.ObservedGeneration == infra.Generation &&
				infra.Annotations[v1beta1constants.GardenerOperation] == "" {
				ready++
			}
		}
		return ready >= len(infras), nil
	}
}

// parallel runs f for 0..n-1 with 20 workers.
func parallel(b *testing.B, n int, f func(int) error) {
	b.Helper()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		next = make(chan int)
	)
	for range 20 {
		wg.Go(func() {
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		b.Fatal(errs[0])
	}
}

// waitFor polls cond every 50ms for up to 10 minutes.
func waitFor(b *testing.B, cond func() (bool, error)) {
	b.Helper()
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		ok, err := cond()
		if err != nil {
			b.Fatal(err)
		}
		if ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fatal("timed out")
}

// peakRSSMiB reads the peak resident set size (VmHWM) of the test process.
func peakRSSMiB(b *testing.B) float64 {
	b.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		if v, ok := strings.CutPrefix(scanner.Text(), "VmHWM:"); ok {
			kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kib / 1024
		}
	}
	b.Fatal("no VmHWM in /proc/self/status")
	return 0
}
