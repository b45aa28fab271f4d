// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"flag"
	"io"
	"testing"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/pkg/logger"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
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
	// controllerClient is the manager's client, whose cache is what the controller sees.
	controllerClient client.Client
	// logs collects everything the controllers log, to prove that no credential shows up in it.
	logs = &testenv.LogBuffer{}
)

var _ = BeforeSuite(func() {
	logf.SetLogger(logger.MustNewZapLogger(logger.DebugLevel, logger.FormatJSON, zap.WriteTo(io.MultiWriter(GinkgoWriter, logs))))
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	Expect(klogFlags.Set("logtostderr", "false")).To(Succeed())
	klog.SetOutput(io.MultiWriter(GinkgoWriter, logs))

	startEnvironment(metalapi.DefaultConfig(), func(stop func()) { DeferCleanup(stop) })
})

// startEnvironment starts what the specs and the benchmark run against and sets env, sim, admin and
// controllerClient: envtest with the CRDs of the seed and of gardenlet's ShootState computation, the metal-api
// simulator with simConfig, and a manager with the Worker controller (5 workers). deferCleanup registers how each
// is stopped again (Ginkgo's DeferCleanup, testing.B's Cleanup); they run in reverse order.
func startEnvironment(simConfig metalapi.Config, deferCleanup func(func())) {
	GinkgoHelper()
	var err error
	env, err = testenv.Start(testenv.Options{CRDs: append(testenv.SeedCRDs(), gardenerCRDs...)})
	Expect(err).NotTo(HaveOccurred())
	deferCleanup(func() { Expect(env.Stop()).To(Succeed()) })

	simCtx, simCancel := context.WithCancel(context.Background())
	sim, err = metalapi.Start(simCtx, simConfig)
	Expect(err).NotTo(HaveOccurred())
	deferCleanup(func() {
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
	controllerClient = mgr.GetClient()

	mgrCtx, mgrCancel := context.WithCancel(context.Background())
	Expect(AddToManagerWithOptions(mgrCtx, mgr, AddOptions{
		Controller:              controller.Options{MaxConcurrentReconciles: 5},
		FirewallDeletionRequeue: 500 * time.Millisecond,
	})).To(Succeed())

	// The manager's error is checked when it stops: a benchmark must not fail from another goroutine.
	done := make(chan error, 1)
	go func() { done <- mgr.Start(mgrCtx) }()
	deferCleanup(func() {
		mgrCancel()
		var err error
		Eventually(done).WithTimeout(30 * time.Second).Should(Receive(&err))
		Expect(err).NotTo(HaveOccurred())
	})
}

var _ = AfterSuite(func() {
	Expect(logs.String()).NotTo(BeEmpty())
	Expect(logs.String()).NotTo(ContainSubstring(metalapi.DefaultHMACKey), "no log line contains the credentials")
	Expect(logs.String()).NotTo(ContainSubstring("bootstrap-token:"), "no log line contains the user data")
})
