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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	logzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/ontap/healthcheck"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func TestHealthcheck(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ONTAP Extension Health Check Suite")
}

var (
	ctx context.Context
	env *testenv.Environment
	c   client.Client
	sim *ontapapi.Server
)

var _ = BeforeSuite(func() {
	var cancel context.CancelFunc
	ctx, cancel = context.WithCancel(context.Background())
	DeferCleanup(func() { cancel() })
	log := logzap.New(logzap.UseDevMode(true), logzap.WriteTo(GinkgoWriter))
	logf.SetLogger(log)

	var err error
	sim, err = ontapapi.Start(ctx, ontapapi.Config{})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(sim.Close)

	crds := append(append([]testenv.CRD{}, testenv.ExtensionCRDs...), testenv.ManagedResourceCRDs...)
	env, err = testenv.Start(testenv.Options{CRDs: crds})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	c = env.Client

	Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "garden"}})).To(Succeed())
	user, password := sim.AdminCredentials()
	Expect(c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "ontap-sim", Namespace: "garden"},
		Data: map[string][]byte{
			ontap.SecretKeyAddress:  []byte(sim.Address()),
			ontap.SecretKeyUsername: []byte(user),
			ontap.SecretKeyPassword: []byte(password),
			ontap.SecretKeyCABundle: sim.CACert(),
		},
	})).To(Succeed())

	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Logger:                 log,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(healthcheck.RegisterHealthChecks(mgr, healthcheck.AddOptions{
		DefaultAddArgs: extensionshealthcheck.DefaultAddArgs{
			HealthCheckConfig: extensionsconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: time.Second}},
		},
		Config: &ontapconfig.ControllerConfiguration{
			Clusters: []ontapconfig.ClusterReference{{Name: "sim", SecretRef: corev1.SecretReference{Name: "ontap-sim", Namespace: "garden"}}},
		},
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
