// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package admission_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerenvtest "github.com/gardener/gardener/test/envtest"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/admission"
	admissioncmd "github.com/metalgarden/metalgarden/pkg/admission/cmd"
	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
)

func TestAdmission(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Admission Suite (gardener-apiserver)")
}

var (
	ctx        = context.Background()
	restConfig *rest.Config
	testClient client.Client
)

// disabledAdmissionPlugins are gardener-apiserver's plugins that need objects this test has no business with
// (projects, quotas, DNS, controller registrations for every type) or that check the shoot against the cloud
// profile themselves, which would hide our webhooks' answers. ExtensionLabels stays on: it sets the labels the
// webhooks select objects by.
const disabledAdmissionPlugins = "DeletionConfirmation,ResourceReferenceManager,ExtensionValidator,ShootQuotaValidator,ShootValidator,ShootDNS,ShootTolerationRestriction"

var _ = BeforeSuite(func() {
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(GinkgoWriter)))

	By("Starting kube-apiserver, etcd and gardener-apiserver")
	assets, err := testenv.BinaryAssetsDir()
	Expect(err).NotTo(HaveOccurred())
	testEnv := &gardenerenvtest.GardenerTestEnvironment{
		Environment: &envtest.Environment{
			BinaryAssetsDirectory:    assets,
			ControlPlaneStartTimeout: 2 * time.Minute,
			ControlPlaneStopTimeout:  time.Minute,
			WebhookInstallOptions:    envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
		},
		GardenerAPIServer: &gardenerenvtest.GardenerAPIServer{
			Args: []string{"--disable-admission-plugins=" + disabledAdmissionPlugins},
		},
	}
	// The serving certificate and port of the webhook server are prepared up front; the webhook configurations
	// follow once the manager that serves them knows Gardener's API groups.
	Expect(testEnv.WebhookInstallOptions.PrepWithoutInstalling()).To(Succeed())
	restConfig, err = testEnv.Start()
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		By("Stopping the test environment")
		Expect(testEnv.Stop()).To(Succeed())
	})

	scheme, err := admission.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	testClient, err = client.New(restConfig, client.Options{Scheme: scheme})
	Expect(err).NotTo(HaveOccurred())

	By("Starting a manager with the admission webhooks, as the admission component builds them")
	install := &testEnv.WebhookInstallOptions
	mgr, err := manager.New(restConfig, manager.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    install.LocalServingHost,
			Port:    install.LocalServingPort,
			CertDir: install.LocalServingCertDir,
		}),
	})
	Expect(err).NotTo(HaveOccurred())

	switches := admissioncmd.GardenWebhookSwitchOptions(admissioncmd.NewMutatorOptions())
	Expect(switches.Complete()).To(Succeed())
	webhooks, err := switches.Completed().WebhooksFactory(mgr)
	Expect(err).NotTo(HaveOccurred())
	Expect(webhooks).To(HaveLen(4))
	for _, wh := range webhooks {
		mgr.GetWebhookServer().Register(wh.Path, wh.Webhook)
	}

	mgrCtx, cancel := context.WithCancel(ctx)
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(mgrCtx)).To(Succeed())
	}()
	DeferCleanup(cancel)
	Eventually(func() error { return mgr.GetWebhookServer().StartedChecker()(&http.Request{}) }).Should(Succeed())

	By("Registering the webhooks in the API servers with the configurations the admission component writes")
	hostPort := net.JoinHostPort(install.LocalServingHost, strconv.Itoa(install.LocalServingPort))
	configs, _, err := extensionswebhook.BuildWebhookConfigs(webhooks, mgr.GetClient(), "", admission.Name, false,
		install.LocalServingPort, extensionswebhook.ModeURL, hostPort, install.LocalServingCAData, false)
	Expect(err).NotTo(HaveOccurred())
	install.MutatingWebhooks = []*admissionregistrationv1.MutatingWebhookConfiguration{configs.MutatingWebhookConfig}
	install.ValidatingWebhooks = []*admissionregistrationv1.ValidatingWebhookConfiguration{configs.ValidatingWebhookConfig}
	Expect(install.Install(restConfig)).To(Succeed())

	By("Waiting until both API servers call the webhooks")
	Expect(testClient.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: fx.Namespace}})).To(Succeed())
	Eventually(func(g Gomega) {
		cp := fx.CloudProfile()
		cp.Spec.ProviderConfig = nil
		g.Expect(testClient.Create(ctx, cp, client.DryRunAll)).To(MatchError(ContainSubstring("spec.providerConfig: Required value")))
	}).Should(Succeed())
	Eventually(func(g Gomega) {
		secret := fx.Secret("probe")
		secret.Data = nil
		g.Expect(testClient.Create(ctx, secret, client.DryRunAll)).To(MatchError(ContainSubstring("data: Required value")))
	}).Should(Succeed())

	By("Registering the ontap extension, so that Gardener labels shoots that enable it")
	Expect(testClient.Create(ctx, &gardencorev1beta1.ControllerRegistration{
		ObjectMeta: metav1.ObjectMeta{Name: "extension-ontap"},
		Spec: gardencorev1beta1.ControllerRegistrationSpec{
			Resources: []gardencorev1beta1.ControllerResource{{Kind: "Extension", Type: admission.ExtensionTypeOntap}},
		},
	})).To(Succeed())
})
