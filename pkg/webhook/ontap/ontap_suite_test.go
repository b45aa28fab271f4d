// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapwebhook "github.com/metalgarden/metalgarden/pkg/webhook/ontap"
)

func TestOntapWebhook(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ONTAP Shoot Webhook Suite")
}

// extensionName is the name the ontap extension registers its webhooks under.
const extensionName = "ontap"

var (
	ctx = context.Background()

	// c talks to the kube-apiserver, which plays the shoot's: it calls the webhook as a shoot's API server does.
	c client.Client
	// shootWebhookConfig is the MutatingWebhookConfiguration the extension deploys into every shoot.
	shootWebhookConfig *admissionregistrationv1.MutatingWebhookConfiguration
	// webhookAddress is host:port of the webhook server.
	webhookAddress string
	// stopWebhookServer stops the manager that serves the webhook and returns when it stopped.
	stopWebhookServer func()
)

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(GinkgoWriter)))

	By("starting kube-apiserver and etcd, with a serving certificate and port for the webhook server")
	// testenv installs at least one CRD; ManagedResources are what carries the webhook configuration into shoots.
	env, err := testenv.Start(testenv.Options{
		CRDs:     testenv.ManagedResourceCRDs,
		Webhooks: envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
	})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
	c = env.Client
	install := &env.WebhookInstallOptions
	webhookAddress = net.JoinHostPort(install.LocalServingHost, strconv.Itoa(install.LocalServingPort))

	By("serving the webhook over HTTPS from a manager, as the extension does")
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    install.LocalServingHost,
			Port:    install.LocalServingPort,
			CertDir: install.LocalServingCertDir,
		}),
	})
	Expect(err).NotTo(HaveOccurred())
	wh, err := ontapwebhook.AddToManager(mgr)
	Expect(err).NotTo(HaveOccurred())
	mgr.GetWebhookServer().Register("/"+wh.Path, wh.Webhook)

	mgrCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(stopped)
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	stopWebhookServer = func() {
		cancel()
		<-stopped
	}
	// Registered after the control plane's cleanup, so it runs first.
	DeferCleanup(stopWebhookServer)
	Eventually(func() error { return mgr.GetWebhookServer().StartedChecker()(&http.Request{}) }).Should(Succeed())

	By("registering the webhook in the API server with the configuration the extension deploys into shoots")
	_, shootConfigs, err := extensionswebhook.BuildWebhookConfigs([]*extensionswebhook.Webhook{wh}, mgr.GetClient(), "", extensionName, false,
		install.LocalServingPort, extensionswebhook.ModeURL, webhookAddress, install.LocalServingCAData, false)
	Expect(err).NotTo(HaveOccurred())
	Expect(shootConfigs.MutatingWebhookConfig).NotTo(BeNil())
	shootWebhookConfig = shootConfigs.MutatingWebhookConfig
	install.MutatingWebhooks = []*admissionregistrationv1.MutatingWebhookConfiguration{shootWebhookConfig.DeepCopy()}
	Expect(install.Install(env.Config)).To(Succeed())

	By("labelling kube-system as Gardener does in every shoot")
	kubeSystem := &corev1.Namespace{}
	Expect(c.Get(ctx, client.ObjectKey{Name: metav1.NamespaceSystem}, kubeSystem)).To(Succeed())
	patch := client.MergeFrom(kubeSystem.DeepCopy())
	metav1.SetMetaDataLabel(&kubeSystem.ObjectMeta, v1beta1constants.GardenerPurpose, metav1.NamespaceSystem)
	Expect(c.Patch(ctx, kubeSystem, patch)).To(Succeed())

	By("waiting until the API server calls the webhook")
	Eventually(func(g Gomega) {
		probe := tridentController("probe")
		g.Expect(c.Create(ctx, probe, client.DryRunAll)).To(Succeed())
		g.Expect(probe.Labels).To(HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"))
	}).WithTimeout(30 * time.Second).Should(Succeed())
})

// listening reports whether something accepts connections at the address.
func listening(address string) bool {
	conn, err := net.DialTimeout("tcp", address, time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}
