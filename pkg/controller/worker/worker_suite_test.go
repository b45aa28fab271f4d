// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"bytes"
	"context"
	"flag"
	"io"
	"sync"
	"testing"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/pkg/logger"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

func TestWorker(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Worker Controller Suite")
}

// gardenerCRDs are the extension resources gardenlet's ShootState computation lists besides SeedCRDs.
var gardenerCRDs = func() []testenv.CRD {
	var out []testenv.CRD
	for _, plural := range []string{"backupentries", "containerruntimes", "dnsrecords", "networks", "selfhostedshootexposures"} {
		out = append(out, testenv.CRD{Module: "github.com/gardener/gardener", Path: "example/seed-crds/10-crd-extensions.gardener.cloud_" + plural + ".yaml"})
	}
	return out
}()

var (
	env *testenv.Environment
	sim *metalapi.Server
	// admin is a metal-api client for what the Infrastructure controller would do (node networks) and checks.
	admin metal.Client
	// logs collects everything the controllers log, to prove that no credential shows up in it.
	logs = &syncBuffer{}
)

var _ = BeforeSuite(func() {
	logf.SetLogger(logger.MustNewZapLogger(logger.DebugLevel, logger.FormatJSON, zap.WriteTo(io.MultiWriter(GinkgoWriter, logs))))
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	Expect(klogFlags.Set("logtostderr", "false")).To(Succeed())
	klog.SetOutput(io.MultiWriter(GinkgoWriter, logs))

	var err error
	env, err = testenv.Start(testenv.Options{CRDs: append(testenv.SeedCRDs(), gardenerCRDs...)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })

	simCtx, simCancel := context.WithCancel(context.Background())
	sim, err = metalapi.Start(simCtx, metalapi.DefaultConfig())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		simCancel()
		Expect(sim.Close()).To(Succeed())
	})
	admin, err = metal.NewClient(sim.URL(), metal.HMAC(metalapi.DefaultHMACKey, ""), metal.DefaultClientConfig())
	Expect(err).NotTo(HaveOccurred())

	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(extensionscontroller.AddToScheme(mgr.GetScheme())).To(Succeed())

	mgrCtx, mgrCancel := context.WithCancel(context.Background())
	Expect(AddToManagerWithOptions(mgrCtx, mgr, AddOptions{
		Controller:              controller.Options{MaxConcurrentReconciles: 5},
		FirewallDeletionRequeue: 500 * time.Millisecond,
	})).To(Succeed())

	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	DeferCleanup(func() {
		mgrCancel()
		Eventually(done).WithTimeout(30 * time.Second).Should(BeClosed())
	})
})

var _ = AfterSuite(func() {
	Expect(logs.String()).NotTo(BeEmpty())
	Expect(logs.String()).NotTo(ContainSubstring(metalapi.DefaultHMACKey), "no log line contains the credentials")
	Expect(logs.String()).NotTo(ContainSubstring("bootstrap-token:"), "no log line contains the user data")
})

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
