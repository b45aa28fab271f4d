// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-logr/logr"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	fcmconfig "github.com/metal-stack/firewall-controller-manager/api/v2/config"
	fcmhelper "github.com/metal-stack/firewall-controller-manager/api/v2/helper"
	fcmdeployment "github.com/metal-stack/firewall-controller-manager/controllers/deployment"
	fcmfirewall "github.com/metal-stack/firewall-controller-manager/controllers/firewall"
	fcmmonitor "github.com/metal-stack/firewall-controller-manager/controllers/monitor"
	fcmset "github.com/metal-stack/firewall-controller-manager/controllers/set"
	fcmtimeout "github.com/metal-stack/firewall-controller-manager/controllers/timeout"
	fcmupdate "github.com/metal-stack/firewall-controller-manager/controllers/update"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// fcmDefaults are firewall-controller-manager's flag defaults (its main.go) for what the ControlPlane does not set.
var fcmDefaults = map[string]string{
	"safety-backoff":          "10s",
	"progress-deadline":       "15m",
	"firewall-health-timeout": "0s",
	"create-timeout":          "0s",
}

// fcmFlags are the settings of firewall-controller-manager that the sandbox reads from the ControlPlane's
// Deployment, as the binary reads them from its command line.
type fcmFlags struct {
	namespace, clusterID, metalURL, hmac    string
	shootKubeconfigSecret, shootTokenSecret string
	sshKeySecret, sshKeySecretNamespace     string
	safetyBackoff, progressDeadline         time.Duration
	firewallHealthTimeout, createTimeout    time.Duration
	// seedAPIServerURL and externalShootAPIURL are the API servers' addresses the firewalls get;
	// internalShootAPIServerURL is FCM's own address of the shoot's API server, which the sandbox replaces by
	// the shoot API server's local address (it has no in-cluster DNS).
	seedAPIServerURL, externalShootAPIURL string
	internalShootAPIServerURL             string
}

// fcmFlagsFrom reads firewall-controller-manager's arguments and its METAL_AUTH_HMAC from the Deployment the
// ControlPlane deployed into the shoot namespace; the HMAC may come from a Secret of that namespace.
func fcmFlagsFrom(ctx context.Context, c client.Reader, d *appsv1.Deployment) (*fcmFlags, error) {
	if len(d.Spec.Template.Spec.Containers) == 0 {
		return nil, fmt.Errorf("deployment %s/%s has no container", d.Namespace, d.Name)
	}
	container := d.Spec.Template.Spec.Containers[0]
	args := map[string]string{}
	for k, v := range fcmDefaults {
		args[k] = v
	}
	for _, a := range container.Args {
		name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if ok {
			args[name] = value
		}
	}
	f := &fcmFlags{
		namespace: args["namespace"], clusterID: args["cluster-id"], metalURL: args["metal-api-url"],
		shootKubeconfigSecret: args["shoot-kubeconfig-secret-name"], shootTokenSecret: args["shoot-token-secret-name"],
		sshKeySecret: args["ssh-key-secret-name"], sshKeySecretNamespace: args["ssh-key-secret-namespace"],
		internalShootAPIServerURL: args["internal-shoot-api-url"], externalShootAPIURL: args["shoot-api-url"],
		seedAPIServerURL: args["seed-api-url"],
	}
	for name, value := range map[string]string{
		"namespace": f.namespace, "cluster-id": f.clusterID, "metal-api-url": f.metalURL,
		"shoot-kubeconfig-secret-name": f.shootKubeconfigSecret, "shoot-token-secret-name": f.shootTokenSecret,
		"ssh-key-secret-name": f.sshKeySecret,
	} {
		if value == "" {
			return nil, fmt.Errorf("deployment %s/%s: firewall-controller-manager needs the argument -%s; the ControlPlane's values must set it", d.Namespace, d.Name, name)
		}
	}
	if f.sshKeySecretNamespace == "" {
		f.sshKeySecretNamespace = f.namespace
	}
	for name, into := range map[string]*time.Duration{
		"safety-backoff": &f.safetyBackoff, "progress-deadline": &f.progressDeadline,
		"firewall-health-timeout": &f.firewallHealthTimeout, "create-timeout": &f.createTimeout,
	} {
		v, err := time.ParseDuration(args[name])
		if err != nil {
			return nil, fmt.Errorf("deployment %s/%s: argument -%s=%q is no duration (e.g. 10m): %w", d.Namespace, d.Name, name, args[name], err)
		}
		*into = v
	}
	for _, e := range container.Env {
		if e.Name != "METAL_AUTH_HMAC" {
			continue
		}
		if e.Value != "" {
			f.hmac = e.Value
			break
		}
		if ref := e.ValueFrom; ref != nil && ref.SecretKeyRef != nil {
			secret := &corev1.Secret{}
			if err := c.Get(ctx, client.ObjectKey{Namespace: d.Namespace, Name: ref.SecretKeyRef.Name}, secret); err != nil {
				return nil, fmt.Errorf("deployment %s/%s: reading METAL_AUTH_HMAC from secret %s: %w", d.Namespace, d.Name, ref.SecretKeyRef.Name, err)
			}
			f.hmac = string(secret.Data[ref.SecretKeyRef.Key])
		}
	}
	if f.hmac == "" {
		return nil, fmt.Errorf("deployment %s/%s: firewall-controller-manager v0.6.1 authenticates with METAL_AUTH_HMAC only, which it does not set (a metal-api token is not enough): give the shoots' credentials an HMAC key (cmd/sandbox: --metal-api-hmac-file)", d.Namespace, d.Name)
	}
	return f, nil
}

// startFirewallControllerManager runs firewall-controller-manager for one shoot namespace, as the Deployment
// the ControlPlane writes there runs it in a real seed: once that Deployment exists it starts FCM's controllers
// (FirewallDeployment, FirewallSet, Firewall, update and timeout in the seed namespace, FirewallMonitor in the
// shoot's namespace "firewall") and its defaulting and validating webhooks with the Deployment's arguments, wired
// as FCM's main.go wires them. What the sandbox changes: FCM reaches the shoot with the shoot API server's own
// configuration instead of the shoot-access token Secrets (the sandbox has no token requestor), and its webhook
// server listens on a local port with its own certificate, to which routeWebhooks points the webhook
// configurations the ControlPlane registers for FCM's Service (the sandbox has no Service network). Next to it
// runs the firewall agent (see firewallAgent), the stand-in for the firewall-controller on the firewall machine.
func startFirewallControllerManager(ctx context.Context, seed, shoot *rest.Config, namespace string, machines metal.MachineLeases, serving *atomic.Bool, log logr.Logger, fail func(error)) error {
	reader, err := client.New(seed, client.Options{})
	if err != nil {
		return fmt.Errorf("creating firewall-controller-manager's seed client: %w", err)
	}
	go func() {
		d := &appsv1.Deployment{}
		key := client.ObjectKey{Namespace: namespace, Name: worker.FirewallControllerManagerDeploymentName}
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			err := reader.Get(ctx, key, d)
			if err == nil {
				break
			}
			if !apierrors.IsNotFound(err) && ctx.Err() == nil {
				log.Error(err, "Could not read firewall-controller-manager's Deployment", "deployment", key)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
		flags, err := fcmFlagsFrom(ctx, reader, d)
		if err == nil {
			err = runFirewallControllerManager(ctx, seed, shoot, flags, machines, serving, log)
		}
		if err != nil && ctx.Err() == nil {
			fail(fmt.Errorf("firewall-controller-manager of %s: %w", namespace, err))
		}
	}()
	return nil
}

// runFirewallControllerManager runs FCM's seed and shoot managers and the firewall agent until ctx ends.
func runFirewallControllerManager(ctx context.Context, seed, shoot *rest.Config, f *fcmFlags, machines metal.MachineLeases, serving *atomic.Bool, log logr.Logger) error {
	log = log.WithName("firewall-controller-manager")
	scheme := fcmhelper.MustNewFirewallScheme()
	reconcileInterval := 10 * time.Minute
	// FCM's webhook server, on a local port with its own certificate (FCM's binary serves on 9443 with the
	// ControlPlane's certificate for its Service).
	webhookServing := &envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"}
	if err := webhookServing.PrepWithoutInstalling(); err != nil {
		return fmt.Errorf("preparing the webhook server: %w", err)
	}
	defer func() { _ = webhookServing.Cleanup() }()
	seedMgr, err := manager.New(seed, manager.Options{
		Scheme:                 scheme,
		Logger:                 log,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{SyncPeriod: &reconcileInterval, DefaultNamespaces: map[string]cache.Config{f.namespace: {}}},
		Controller:             config.Controller{SkipNameValidation: new(true)},
		// As testenv.ServeWebhooks: the webhook server would wait up to a minute for the seed API server's idle
		// connections when the sandbox stops.
		GracefulShutdownTimeout: new(2 * time.Second),
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    webhookServing.LocalServingHost,
			Port:    webhookServing.LocalServingPort,
			CertDir: webhookServing.LocalServingCertDir,
		}),
	})
	if err != nil {
		return fmt.Errorf("creating the seed manager: %w", err)
	}
	shootMgr, err := manager.New(shoot, manager.Options{
		Scheme:                  scheme,
		Logger:                  log.WithName("shoot"),
		Metrics:                 metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress:  "0",
		Cache:                   cache.Options{DefaultNamespaces: map[string]cache.Config{fcmv2.FirewallShootNamespace: {}}},
		Controller:              config.Controller{SkipNameValidation: new(true)},
		GracefulShutdownTimeout: new(time.Duration(0)),
	})
	if err != nil {
		return fmt.Errorf("creating the shoot manager: %w", err)
	}
	driver, err := metalapi.NewDriver(f.metalURL, f.hmac)
	if err != nil {
		return err
	}
	seedURL := f.seedAPIServerURL
	if seedURL == "" {
		seedURL = apiServerURL(seed)
	}
	shootURL := f.externalShootAPIURL
	if shootURL == "" {
		shootURL = apiServerURL(shoot)
	}
	access := &fcmv2.ShootAccess{
		GenericKubeconfigSecretName: f.shootKubeconfigSecret,
		TokenSecretName:             f.shootTokenSecret,
		Namespace:                   f.namespace,
		APIServerURL:                shootURL,
	}
	cc, err := fcmconfig.New(&fcmconfig.NewControllerConfig{
		SeedClient:            seedMgr.GetClient(),
		SeedConfig:            seedMgr.GetConfig(),
		SeedNamespace:         f.namespace,
		SeedAPIServerURL:      seedURL,
		ShootClient:           shootMgr.GetClient(),
		ShootConfig:           shootMgr.GetConfig(),
		ShootNamespace:        fcmv2.FirewallShootNamespace,
		ShootAPIServerURL:     shootURL,
		ShootAccess:           access,
		ShootAccessHelper:     fcmhelper.NewSingleClusterModeHelper(shoot),
		SSHKeySecretName:      f.sshKeySecret,
		SSHKeySecretNamespace: f.sshKeySecretNamespace,
		Metal:                 driver,
		ClusterTag:            metal.ClusterTag(f.clusterID),
		SafetyBackoff:         f.safetyBackoff,
		ProgressDeadline:      f.progressDeadline,
		FirewallHealthTimeout: f.firewallHealthTimeout,
		CreateTimeout:         f.createTimeout,
	})
	if err != nil {
		return fmt.Errorf("configuring the controllers: %w", err)
	}
	controllers := log.WithName("controllers")
	for name, setup := range map[string]func() error{
		"deployment": func() error {
			return fcmdeployment.SetupWithManager(controllers.WithName("deployment"), seedMgr.GetEventRecorder("firewall-deployment-controller"), seedMgr, cc)
		},
		"set": func() error {
			return fcmset.SetupWithManager(controllers.WithName("set"), seedMgr.GetEventRecorder("firewall-set-controller"), seedMgr, cc)
		},
		"firewall": func() error {
			return fcmfirewall.SetupWithManager(controllers.WithName("firewall"), seedMgr.GetEventRecorder("firewall-controller"), seedMgr, cc)
		},
		"firewall-monitor": func() error {
			return fcmmonitor.SetupWithManager(controllers.WithName("firewall-monitor"), shootMgr, cc)
		},
		"update": func() error {
			return fcmupdate.SetupWithManager(controllers.WithName("update"), seedMgr.GetEventRecorder("update-controller"), seedMgr, cc)
		},
		"timeout": func() error {
			return fcmtimeout.SetupWithManager(controllers.WithName("timeout"), seedMgr.GetEventRecorder("timeout-controller"), seedMgr, cc)
		},
		"deployment webhook": func() error {
			return fcmdeployment.SetupWebhookWithManager(log.WithName("defaulting-webhook"), seedMgr, cc)
		},
		"set webhook": func() error {
			return fcmset.SetupWebhookWithManager(log.WithName("defaulting-webhook"), seedMgr, cc)
		},
		"firewall webhook": func() error {
			return fcmfirewall.SetupWebhookWithManager(log.WithName("defaulting-webhook"), seedMgr, cc)
		},
	} {
		if err := setup(); err != nil {
			return fmt.Errorf("setting up the %s controller: %w", name, err)
		}
	}
	seedClients, err := kubernetes.NewForConfig(seed)
	if err != nil {
		return fmt.Errorf("creating the seed's clientset: %w", err)
	}
	base := "https://" + net.JoinHostPort(webhookServing.LocalServingHost, strconv.Itoa(webhookServing.LocalServingPort))
	if err := seedMgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		started := seedMgr.GetWebhookServer().StartedChecker()
		go func() {
			for started(&http.Request{}) != nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
			serving.Store(true)
		}()
		routeWebhooks(ctx, seedClients, f.namespace, worker.FirewallControllerManagerDeploymentName, base, webhookServing.LocalServingCAData, log.WithName("service-network"))
		return nil
	})); err != nil {
		return err
	}

	agent := &firewallAgent{seed: seedMgr.GetClient(), shoot: shootMgr.GetClient(), machines: machines, namespace: f.namespace, log: log.WithName("firewall-agent")}
	if err := seedMgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		agent.run(ctx)
		return nil
	})); err != nil {
		return err
	}
	// Either manager ending ends firewall-controller-manager, as its binary exits.
	errs := make(chan error, 2)
	go func() { errs <- shootMgr.Start(ctx) }()
	go func() { errs <- seedMgr.Start(ctx) }()
	if err := <-errs; err != nil || ctx.Err() != nil {
		return err
	}
	return errors.New("a manager stopped")
}

// routedAnnotation marks a webhook configuration whose webhooks routeWebhooks pointed at a local server, with the
// Service ("namespace/name") the server stands in for.
const routedAnnotation = "sandbox.metalgarden.dev/routed-service"

// routeWebhooks stands in for the Service network of the seed for the webhooks of one in-process server: the
// webhook configurations that call the Service service in namespace (registered by the ControlPlane through the
// seed's resource manager) are pointed at the server's local address base, with its CA, keeping each webhook's
// path. It looks again every half second, since the resource manager restores the Service reference when it
// reconciles its ManagedResource.
func routeWebhooks(ctx context.Context, c kubernetes.Interface, namespace, service, base string, caBundle []byte, log logr.Logger) {
	route := func(cc *admissionregistrationv1.WebhookClientConfig) bool {
		svc := cc.Service
		if svc == nil || svc.Namespace != namespace || svc.Name != service {
			return false
		}
		cc.URL = new(base + ptr.Deref(svc.Path, "/"))
		cc.Service, cc.CABundle = nil, caBundle
		return true
	}
	// routeAll routes the webhooks of one configuration and marks it; it tells whether anything changed.
	routeAll := func(meta *metav1.ObjectMeta, ccs []*admissionregistrationv1.WebhookClientConfig) bool {
		changed := false
		for _, cc := range ccs {
			changed = route(cc) || changed
		}
		if changed {
			metav1.SetMetaDataAnnotation(meta, routedAnnotation, namespace+"/"+service)
		}
		return changed
	}
	logFailed := func(err error, kind, name string) {
		if err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
			log.Error(err, "Could not route the webhooks to the local server", kind, name)
		}
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		api := c.AdmissionregistrationV1()
		if list, err := api.MutatingWebhookConfigurations().List(ctx, metav1.ListOptions{}); err == nil {
			for i := range list.Items {
				cfg := &list.Items[i]
				ccs := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
				for j := range cfg.Webhooks {
					ccs[j] = &cfg.Webhooks[j].ClientConfig
				}
				if routeAll(&cfg.ObjectMeta, ccs) {
					_, err := api.MutatingWebhookConfigurations().Update(ctx, cfg, metav1.UpdateOptions{})
					logFailed(err, "mutatingWebhookConfiguration", cfg.Name)
				}
			}
		}
		if list, err := api.ValidatingWebhookConfigurations().List(ctx, metav1.ListOptions{}); err == nil {
			for i := range list.Items {
				cfg := &list.Items[i]
				ccs := make([]*admissionregistrationv1.WebhookClientConfig, len(cfg.Webhooks))
				for j := range cfg.Webhooks {
					ccs[j] = &cfg.Webhooks[j].ClientConfig
				}
				if routeAll(&cfg.ObjectMeta, ccs) {
					_, err := api.ValidatingWebhookConfigurations().Update(ctx, cfg, metav1.UpdateOptions{})
					logFailed(err, "validatingWebhookConfiguration", cfg.Name)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// webhooksOf counts the webhooks of the seed's webhook configurations that reach the in-process server standing
// in for service (routed: pointed at a local URL by routeWebhooks) and those that still name the Service.
func webhooksOf(ctx context.Context, c client.Reader, service client.ObjectKey) (routed, pending int, err error) {
	count := func(cc admissionregistrationv1.WebhookClientConfig, marked bool) {
		switch {
		case cc.Service != nil && cc.Service.Namespace == service.Namespace && cc.Service.Name == service.Name:
			pending++
		case cc.URL != nil && marked:
			routed++
		}
	}
	mutating := &admissionregistrationv1.MutatingWebhookConfigurationList{}
	if err := c.List(ctx, mutating); err != nil {
		return 0, 0, fmt.Errorf("listing the mutating webhook configurations: %w", err)
	}
	for _, cfg := range mutating.Items {
		for _, w := range cfg.Webhooks {
			count(w.ClientConfig, cfg.Annotations[routedAnnotation] == service.String())
		}
	}
	validating := &admissionregistrationv1.ValidatingWebhookConfigurationList{}
	if err := c.List(ctx, validating); err != nil {
		return 0, 0, fmt.Errorf("listing the validating webhook configurations: %w", err)
	}
	for _, cfg := range validating.Items {
		for _, w := range cfg.Webhooks {
			count(w.ClientConfig, cfg.Annotations[routedAnnotation] == service.String())
		}
	}
	return routed, pending, nil
}
