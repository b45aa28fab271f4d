// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/logger"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
)

func TestInfrastructure(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Infrastructure Controller Suite")
}

// requestTimeout is the metal-api request timeout of the controller under test: short, so that timeout
// tests are quick.
const requestTimeout = time.Second

var (
	env *testenv.Environment
	// mgr is the manager the controller runs in; its cache is what the controller's predicates read.
	mgr manager.Manager
	sim *metalapi.Server
	// logs collects everything the controller logs, to prove that no credential ever shows up in it.
	logs = &testenv.LogBuffer{}
)

var _ = BeforeSuite(func() {
	logf.SetLogger(logger.MustNewZapLogger(logger.DebugLevel, logger.FormatJSON, zap.WriteTo(io.MultiWriter(GinkgoWriter, logs))))

	var err error
	env, err = testenv.Start(testenv.Options{CRDs: testenv.ExtensionCRDs})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })

	simCtx, simCancel := context.WithCancel(context.Background())
	sim, err = metalapi.Start(simCtx, metalapi.DefaultConfig())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		simCancel()
		Expect(sim.Close()).To(Succeed())
	})

	mgr, err = manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())

	mgrCtx, mgrCancel := context.WithCancel(context.Background())
	Expect(infrastructure.AddToManagerWithOptions(mgrCtx, mgr, infrastructure.AddOptions{
		Controller: controller.Options{MaxConcurrentReconciles: 5},
		MetalAPI: configmetal.MetalAPIClientConfig{
			RequestTimeout: &metav1.Duration{Duration: requestTimeout},
			QPS:            new(float32(1000)),
			Burst:          new(1000),
		},
		InUseRequeueInterval: 500 * time.Millisecond,
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
	Expect(logs.String()).NotTo(ContainSubstring(metalapi.DefaultHMACKey), "the controller's logs never contain the credentials")
	Expect(logs.String()).NotTo(ContainSubstring(metalapi.DefaultToken))
})
