// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck_test

import (
	"context"
	"testing"
	"time"

	extensionsconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	extensionshealthcheck "github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	logzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/controller/healthcheck"
)

func TestHealthcheck(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Provider Metal Health Check Suite")
}

var (
	ctx context.Context
	env *testenv.Environment
	c   client.Client
	// shootKubeconfig reaches the same API server as the seed client: it serves as the shoot of every test, whose
	// nodes the Worker checks read through the shoot namespace's "gardener" secret.
	shootKubeconfig []byte
)

var _ = BeforeSuite(func() {
	var cancel context.CancelFunc
	ctx, cancel = context.WithCancel(context.Background())
	DeferCleanup(func() { cancel() })
	log := logzap.New(logzap.UseDevMode(true), logzap.WriteTo(GinkgoWriter))
	logf.SetLogger(log)

	var crds []testenv.CRD
	for _, set := range [][]testenv.CRD{testenv.ExtensionCRDs, testenv.ManagedResourceCRDs, testenv.MachineCRDs, testenv.FirewallCRDs} {
		crds = append(crds, set...)
	}
	var err error
	env, err = testenv.Start(testenv.Options{CRDs: crds})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	c = env.Client

	user, err := env.ControlPlane.AddUser(envtest.User{Name: "shoot-admin", Groups: []string{"system:masters"}}, nil)
	Expect(err).NotTo(HaveOccurred())
	shootKubeconfig, err = user.KubeConfig()
	Expect(err).NotTo(HaveOccurred())

	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Logger:                 log,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(healthcheck.AddToManagerWithOptions(ctx, mgr, healthcheck.AddOptions{
		DefaultAddArgs: extensionshealthcheck.DefaultAddArgs{
			HealthCheckConfig: extensionsconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Second}},
		},
		// Every node of the tests is new: no grace, a NotReady node is reported at once.
		NodeStartupGracePeriod: 0,
	})).To(Succeed())

	mgrCtx, stopManager := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(stopped)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	DeferCleanup(func() {
		stopManager()
		<-stopped
	})
})
