// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package app wires the command of gardener-extension-ontap: Gardener's option aggregator, the component
// configuration, the controller and webhook switches, nothing else.
package app

import (
	"context"
	"fmt"
	"os"
	"slices"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	"github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	extensionsheartbeatcmd "github.com/gardener/gardener/extensions/pkg/controller/heartbeat/cmd"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	gardenerhealthz "github.com/gardener/gardener/pkg/healthz"
	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	ontapinstall "github.com/metalgarden/metalgarden/pkg/apis/ontap/install"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	ontaphealthcheck "github.com/metalgarden/metalgarden/pkg/controller/ontap/healthcheck"
)

// Name is the name of the extension: the heartbeat lease, the leader election lock and the webhook
// configurations are named after it.
const Name = "ontap"

// NewControllerManagerCommand returns the command that runs the extension's controllers and webhooks.
func NewControllerManagerCommand(ctx context.Context) *cobra.Command {
	var (
		restOpts = &extensionscmdcontroller.RESTOptions{}
		mgrOpts  = &extensionscmdcontroller.ManagerOptions{
			LeaderElection:          true,
			LeaderElectionID:        extensionscmdcontroller.LeaderElectionNameID(Name),
			LeaderElectionNamespace: os.Getenv("LEADER_ELECTION_NAMESPACE"),
			WebhookServerPort:       10250,
			WebhookCertDir:          "/tmp/gardener-extensions-cert",
			MetricsBindAddress:      ":8080",
			HealthBindAddress:       ":8081",
		}
		generalOpts         = &extensionscmdcontroller.GeneralOptions{}
		configOpts          = &ConfigOptions{}
		reconcileOpts       = &extensionscmdcontroller.ReconcilerOptions{}
		extensionCtrlOpts   = &extensionscmdcontroller.ControllerOptions{MaxConcurrentReconciles: 5}
		healthCheckCtrlOpts = &extensionscmdcontroller.ControllerOptions{MaxConcurrentReconciles: 5}
		heartbeatOpts       = &extensionsheartbeatcmd.Options{
			ExtensionName:        Name,
			RenewIntervalSeconds: 30,
			Namespace:            os.Getenv("LEADER_ELECTION_NAMESPACE"),
		}
		webhookServerOpts = &extensionscmdwebhook.ServerOptions{Namespace: os.Getenv("WEBHOOK_CONFIG_NAMESPACE")}

		controllerSwitches = ControllerSwitchOptions()
		webhookSwitches    = WebhookSwitchOptions()
		webhookOpts        = extensionscmdwebhook.NewAddToManagerOptions(
			Name,
			ontapcontroller.ManagedResourceShootWebhooks,
			// The shoot namespaces of shoots with the ontap extension, as gardenlet labels them.
			map[string]string{"extensions.gardener.cloud/" + ontapcontroller.Type: "true"},
			generalOpts,
			webhookServerOpts,
			webhookSwitches,
		)

		aggOption = extensionscmdcontroller.NewOptionAggregator(
			restOpts,
			mgrOpts,
			generalOpts,
			configOpts,
			extensionscmdcontroller.PrefixOption("extension-", extensionCtrlOpts),
			extensionscmdcontroller.PrefixOption("healthcheck-", healthCheckCtrlOpts),
			extensionscmdcontroller.PrefixOption("heartbeat-", heartbeatOpts),
			controllerSwitches,
			reconcileOpts,
			webhookOpts,
		)
	)

	cmd := &cobra.Command{
		Use:          "gardener-extension-" + Name,
		Short:        "Runs the ontap extension in a seed: one NetApp ONTAP SVM per shoot, Trident in the shoot.",
		SilenceUsage: true,
		RunE: func(_ *cobra.Command, _ []string) error {
			if err := aggOption.Complete(); err != nil {
				return fmt.Errorf("error completing options: %w", err)
			}
			if err := heartbeatOpts.Validate(); err != nil {
				return err
			}
			config := configOpts.Completed()

			restConfig := restOpts.Completed().Config
			if cc := config.ClientConnection; cc != nil {
				if cc.QPS > 0 {
					restConfig.QPS = cc.QPS
				}
				if cc.Burst > 0 {
					restConfig.Burst = int(cc.Burst)
				}
			}
			mgr, err := manager.New(restConfig, mgrOpts.Completed().Options())
			if err != nil {
				return fmt.Errorf("could not instantiate manager: %w", err)
			}
			if err := extensionscontroller.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}
			if err := ontapinstall.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}

			classes := generalOpts.Completed().ExtensionClasses
			extensionCtrlOpts.Completed().Apply(&ontapcontroller.DefaultAddOptions.Controller)
			reconcileOpts.Completed().Apply(&ontapcontroller.DefaultAddOptions.IgnoreOperationAnnotation)
			ontapcontroller.DefaultAddOptions.ExtensionClasses = slices.Clone(classes)
			ontapcontroller.DefaultAddOptions.Config = config

			healthCheckCtrlOpts.Completed().Apply(&ontaphealthcheck.DefaultAddOptions.Controller)
			ontaphealthcheck.DefaultAddOptions.Config = config
			if len(classes) > 0 {
				ontaphealthcheck.DefaultAddOptions.ExtensionClasses = slices.Clone(classes)
			}
			if config.HealthCheckConfig != nil {
				ontaphealthcheck.DefaultAddOptions.HealthCheckConfig = *config.HealthCheckConfig
			}
			heartbeatOpts.Completed().Apply(&heartbeat.DefaultAddOptions)

			if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
				return fmt.Errorf("could not add health check: %w", err)
			}
			if err := mgr.AddHealthzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthz(mgr.GetCache())); err != nil {
				return fmt.Errorf("could not add health check: %w", err)
			}
			if err := mgr.AddReadyzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthz(mgr.GetCache())); err != nil {
				return fmt.Errorf("could not add ready check: %w", err)
			}
			if err := mgr.AddReadyzCheck("webhook-server", mgr.GetWebhookServer().StartedChecker()); err != nil {
				return fmt.Errorf("could not add ready check of the webhook server: %w", err)
			}

			shootWebhookConfig, err := webhookOpts.Completed().AddToManager(ctx, mgr, nil)
			if err != nil {
				return fmt.Errorf("could not add webhooks to manager: %w", err)
			}
			ontapcontroller.DefaultAddOptions.ShootWebhookConfig = shootWebhookConfig

			if err := controllerSwitches.Completed().AddToManager(ctx, mgr); err != nil {
				return fmt.Errorf("could not add controllers to manager: %w", err)
			}
			if err := mgr.Start(ctx); err != nil {
				return fmt.Errorf("error running manager: %w", err)
			}
			return nil
		},
	}
	aggOption.AddFlags(cmd.Flags())
	return cmd
}
