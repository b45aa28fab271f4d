// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/logger"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/config"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
)

func TestControlPlane(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ControlPlane Controller Suite")
}

var (
	env *testenv.Environment
	sim *metalapi.Server
	// mgr is the manager the controller runs in; its cache is what the controller's predicates read.
	mgr manager.Manager
)

var _ = BeforeSuite(func() {
	logf.SetLogger(logger.MustNewZapLogger(logger.DebugLevel, logger.FormatJSON, zap.WriteTo(GinkgoWriter)))

	scheme, err := testenv.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	Expect(firewallv1.AddToScheme(scheme)).To(Succeed())
	crds := append(append(append([]testenv.CRD{}, testenv.ExtensionCRDs...), testenv.ManagedResourceCRDs...), testenv.ShootCRDs...)
	// firewall-controller-manager's resources, to show which webhooks the API server calls for them.
	crds = append(crds, testenv.FirewallCRDs...)
	env, err = testenv.Start(testenv.Options{CRDs: crds, Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })

	// The API server stands in for the shoot as well: the shoot's objects are validated against it.
	Expect(env.Client.Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: firewallv1.ClusterwideNetworkPolicyNamespace}})).To(Succeed())

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
	Expect(controlplane.AddToManagerWithOptions(mgrCtx, mgr, controlplane.AddOptions{
		MetalAPI: configmetal.MetalAPIClientConfig{
			RequestTimeout: &metav1.Duration{Duration: 5 * time.Second},
			QPS:            new(float32(1000)),
			Burst:          new(1000),
		},
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
