// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package testenv

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"
)

// WebhookServer is a manager that serves Gardener extension webhooks over HTTPS to the API server of an
// Environment, which calls them through the webhook configurations the extension would register.
type WebhookServer struct {
	// Manager serves the webhooks; its client is the one the webhooks read the seed with.
	Manager manager.Manager
	// Address is host:port of the webhook server.
	Address string
	// SeedConfigs and ShootConfigs are the webhook configurations built from the webhooks, as the extension
	// registers them in the seed and deploys them into shoots. Both are installed into the API server.
	SeedConfigs, ShootConfigs extensionswebhook.Configs

	stop    context.CancelFunc
	stopped chan struct{}
}

// ServeWebhooks starts a manager on the Environment's webhook serving port and certificate (start the
// Environment with Webhooks.LocalServingHost set), adds the webhooks that add returns, waits until the server
// listens and installs their configurations into the API server. providerName names the configurations.
func ServeWebhooks(env *Environment, providerName string, add func(manager.Manager) ([]*extensionswebhook.Webhook, error)) (*WebhookServer, error) {
	install := &env.WebhookInstallOptions
	address := net.JoinHostPort(install.LocalServingHost, strconv.Itoa(install.LocalServingPort))
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:                 env.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             config.Controller{SkipNameValidation: new(true)},
		// The API server keeps its connections to the webhook server open, and the webhook server's graceful
		// shutdown waits up to a minute for them; by the time a test or the sandbox stops the server, no admission
		// request is in flight that it would lose.
		GracefulShutdownTimeout: new(2 * time.Second),
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    install.LocalServingHost,
			Port:    install.LocalServingPort,
			CertDir: install.LocalServingCertDir,
		}),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the webhook manager: %w", err)
	}
	webhooks, err := add(mgr)
	if err != nil {
		return nil, fmt.Errorf("adding webhooks: %w", err)
	}
	for _, wh := range webhooks {
		mgr.GetWebhookServer().Register("/"+wh.Path, wh.Webhook)
	}

	ctx, cancel := context.WithCancel(context.Background())
	s := &WebhookServer{Manager: mgr, Address: address, stop: cancel, stopped: make(chan struct{})}
	startErr := make(chan error, 1)
	go func() {
		defer close(s.stopped)
		startErr <- mgr.Start(ctx)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for mgr.GetWebhookServer().StartedChecker()(&http.Request{}) != nil {
		select {
		case err := <-startErr:
			cancel()
			return nil, fmt.Errorf("webhook manager stopped: %w", err)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, errors.New("webhook server did not start within 30s")
		}
	}

	s.SeedConfigs, s.ShootConfigs, err = extensionswebhook.BuildWebhookConfigs(webhooks, mgr.GetClient(), "", providerName, false,
		install.LocalServingPort, extensionswebhook.ModeURL, address, install.LocalServingCAData, false)
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("building webhook configurations: %w", err)
	}
	install.MutatingWebhooks = nil
	for _, cfg := range []*admissionregistrationv1.MutatingWebhookConfiguration{s.SeedConfigs.MutatingWebhookConfig, s.ShootConfigs.MutatingWebhookConfig} {
		if cfg != nil {
			install.MutatingWebhooks = append(install.MutatingWebhooks, cfg.DeepCopy())
		}
	}
	if err := install.Install(env.Config); err != nil {
		s.Stop()
		return nil, fmt.Errorf("installing webhook configurations: %w", err)
	}
	return s, nil
}

// Stop stops the manager and returns when it stopped.
func (s *WebhookServer) Stop() {
	s.stop()
	<-s.stopped
}
