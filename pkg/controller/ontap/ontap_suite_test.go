// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/gardener/gardener/pkg/utils/managedresources"
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

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func TestOntap(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ONTAP Extension Controller Suite")
}

const (
	// gardenNamespace holds the credentials Secrets of the ONTAP clusters.
	gardenNamespace = "garden"
	// retryInterval is the controller's requeue interval after retriable errors in these tests.
	retryInterval = 300 * time.Millisecond
)

var (
	ctx    context.Context
	cancel context.CancelFunc

	env *testenv.Environment
	c   client.Client
	// cached reads through the manager's cache, as the controller's predicates do.
	cached client.Client
	simA   *ontapapi.Server
	simB   *ontapapi.Server
	metalS *metalapi.Server

	// logs holds everything the controller logged.
	logs = &testenv.LogBuffer{}
)

var _ = BeforeSuite(func() {
	ctx, cancel = context.WithCancel(context.Background())
	DeferCleanup(func() { cancel() })

	log := logzap.New(logzap.UseDevMode(true), logzap.WriteTo(io.MultiWriter(logs, GinkgoWriter)))
	logf.SetLogger(log)
	// Waiting for ManagedResources polls every IntervalWait; there is no gardener-resource-manager here.
	managedresources.IntervalWait = 50 * time.Millisecond

	By("starting the ONTAP clusters: sim-a with the most room, sim-b with little")
	seedA := ontapapi.DefaultSeed()
	seedA.ClusterName = "sim-a"
	var err error
	simA, err = ontapapi.Start(ctx, ontapapi.Config{Seed: &seedA, AdminPassword: "Admin-a-secret-1"})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(simA.Close)
	seedB := ontapapi.Seed{
		ClusterName: "sim-b",
		Nodes:       []ontapapi.SeedNode{{Name: "sim-b-01"}, {Name: "sim-b-02"}},
		Aggregates: []ontapapi.SeedAggregate{
			{Name: "b_01_aggr1", Node: "sim-b-01", Size: 4 << 40, Used: 1 << 40},
			{Name: "b_02_aggr1", Node: "sim-b-02", Size: 4 << 40, Used: 2 << 40},
		},
	}
	simB, err = ontapapi.Start(ctx, ontapapi.Config{Seed: &seedB, AdminPassword: "Admin-b-secret-1"})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(simB.Close)

	By("starting the metal-api")
	metalS, err = metalapi.Start(ctx, metalapi.DefaultConfig())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(metalS.Close)

	By("starting the control plane")
	crds := append(append([]testenv.CRD{}, testenv.ExtensionCRDs...), testenv.ManagedResourceCRDs...)
	env, err = testenv.Start(testenv.Options{CRDs: crds})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	c = env.Client

	Expect(c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gardenNamespace}})).To(Succeed())
	var refs []ontapconfig.ClusterReference
	for _, sim := range []*ontapapi.Server{simA, simB} {
		name := sim.State().ClusterName
		user, password := sim.AdminCredentials()
		Expect(c.Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "ontap-" + name, Namespace: gardenNamespace},
			Data: map[string][]byte{
				ontap.SecretKeyAddress:  []byte(sim.Address()),
				ontap.SecretKeyUsername: []byte(user),
				ontap.SecretKeyPassword: []byte(password),
				ontap.SecretKeyCABundle: sim.CACert(),
			},
		})).To(Succeed())
		refs = append(refs, ontapconfig.ClusterReference{Name: name, SecretRef: corev1.SecretReference{Name: "ontap-" + name, Namespace: gardenNamespace}})
		secrets = append(secrets, password)
	}
	secrets = append(secrets, metalapi.DefaultHMACKey)

	By("starting the controller on a manager")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Logger:                 log,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(ontapcontroller.AddToManagerWithOptions(ctx, mgr, ontapcontroller.AddOptions{
		Config: &ontapconfig.ControllerConfiguration{
			Clusters:         refs,
			DataNetworkID:    metalapi.StorageNetworkID,
			DefaultProtocols: []string{"nvme-tcp"},
		},
		RetryInterval: retryInterval,
		WaitTimeout:   10 * time.Second,
	})).To(Succeed())
	mgrCtx, stopManager := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(stopped)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	// Registered after the control plane's cleanup, so it runs before it: the manager stops first.
	DeferCleanup(func() {
		stopManager()
		<-stopped
	})
	Expect(mgr.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
	cached = mgr.GetClient()
})

// secrets are every credential the tests saw: none of them may show up in logs, events or status.
var secrets []string

// remember records a credential for the leak checks at the end.
func remember(secret string) {
	secrets = append(secrets, secret)
}
