// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package app wires the command of gardener-extension-provider-metal: Gardener's option aggregator, the
// component configuration and the controller switches, nothing else.
package app

import (
	"context"
	"fmt"
	"os"
	"slices"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	"github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	extensionsheartbeatcmd "github.com/gardener/gardener/extensions/pkg/controller/heartbeat/cmd"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	gardenerhealthz "github.com/gardener/gardener/pkg/healthz"
	"github.com/spf13/cobra"
	vpaautoscalingv1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	metalinstall "github.com/metalgarden/metalgarden/pkg/apis/metal/install"
	metalcontroller "github.com/metalgarden/metalgarden/pkg/controller"
	controlplanecontroller "github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	healthcheckcontroller "github.com/metalgarden/metalgarden/pkg/controller/healthcheck"
	infrastructurecontroller "github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	workercontroller "github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
	metalwebhook "github.com/metalgarden/metalgarden/pkg/webhook"
	controlplanewebhook "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
	seedproviderwebhook "github.com/metalgarden/metalgarden/pkg/webhook/seedprovider"
)

// Name is the name of the extension: the heartbeat lease and the leader election lock are named after it.
const Name = "provider-metal"

// NewControllerManagerCommand returns the command that runs the provider's controllers.
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
		generalOpts   = &extensionscmdcontroller.GeneralOptions{}
		configOpts    = &ConfigOptions{}
		reconcileOpts = &extensionscmdcontroller.ReconcilerOptions{}
		infraCtrlOpts = &extensionscmdcontroller.ControllerOptions{MaxConcurrentReconciles: 5}
		// The health checks of ControlPlanes and Workers (their sync period comes from healthCheckConfig).
		healthCheckCtrlOpts = &extensionscmdcontroller.ControllerOptions{MaxConcurrentReconciles: 5}
		heartbeatOpts       = &extensionsheartbeatcmd.Options{
			ExtensionName:        Name,
			RenewIntervalSeconds: 30,
			Namespace:            os.Getenv("LEADER_ELECTION_NAMESPACE"),
		}
		controllerSwitches = metalcontroller.ControllerSwitchOptions()
		webhookServerOpts  = &extensionscmdwebhook.ServerOptions{Namespace: os.Getenv("WEBHOOK_CONFIG_NAMESPACE")}
		webhookSwitches    = metalwebhook.WebhookSwitchOptions()
		webhookOpts        = extensionscmdwebhook.NewAddToManagerOptions(
			Name,
			genericactuator.ShootWebhooksResourceName,
			map[string]string{v1beta1constants.LabelShootProvider: metal.ProviderType},
			generalOpts,
			webhookServerOpts,
			webhookSwitches,
		)

		aggOption = extensionscmdcontroller.NewOptionAggregator(
			restOpts,
			mgrOpts,
			generalOpts,
			configOpts,
			extensionscmdcontroller.PrefixOption("infrastructure-", infraCtrlOpts),
			extensionscmdcontroller.PrefixOption("heartbeat-", heartbeatOpts),
			extensionscmdcontroller.PrefixOption("healthcheck-", healthCheckCtrlOpts),
			controllerSwitches,
			reconcileOpts,
			webhookOpts,
		)
	)

	cmd := &cobra.Command{
		Use:          "gardener-extension-" + Name,
		Short:        "Runs the Infrastructure, Worker and ControlPlane controllers, the health checks and the webhooks of the metal provider in a seed.",
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
				applyClientConnection(cc, &restConfig.QPS, &restConfig.Burst)
			}
			mgr, err := manager.New(restConfig, mgrOpts.Completed().Options())
			if err != nil {
				return fmt.Errorf("could not instantiate manager: %w", err)
			}
			if err := extensionscontroller.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}
			if err := metalinstall.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}
			// The webhooks mutate etcd-druid's Etcds and the VPA of machine-controller-manager.
			if err := druidcorev1alpha1.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}
			if err := vpaautoscalingv1.AddToScheme(mgr.GetScheme()); err != nil {
				return fmt.Errorf("could not update manager scheme: %w", err)
			}

			infraCtrlOpts.Completed().Apply(&infrastructurecontroller.DefaultAddOptions.Controller)
			reconcileOpts.Completed().Apply(&infrastructurecontroller.DefaultAddOptions.IgnoreOperationAnnotation)
			infrastructurecontroller.DefaultAddOptions.ExtensionClasses = slices.Clone(generalOpts.Completed().ExtensionClasses)
			infrastructurecontroller.DefaultAddOptions.MetalAPI = config.MetalAPI
			workercontroller.DefaultAddOptions = workercontroller.AddOptions{Controller: infrastructurecontroller.DefaultAddOptions.Controller, IgnoreOperationAnnotation: infrastructurecontroller.DefaultAddOptions.IgnoreOperationAnnotation, ExtensionClasses: infrastructurecontroller.DefaultAddOptions.ExtensionClasses, MachineImages: config.MachineImages}
			controlplanecontroller.DefaultAddOptions = controlplanecontroller.AddOptions{Controller: infrastructurecontroller.DefaultAddOptions.Controller, IgnoreOperationAnnotation: infrastructurecontroller.DefaultAddOptions.IgnoreOperationAnnotation, ExtensionClasses: infrastructurecontroller.DefaultAddOptions.ExtensionClasses, MetalAPI: config.MetalAPI}
			heartbeatOpts.Completed().Apply(&heartbeat.DefaultAddOptions)
			healthCheckCtrlOpts.Completed().Apply(&healthcheckcontroller.DefaultAddOptions.Controller)
			if classes := generalOpts.Completed().ExtensionClasses; len(classes) > 0 {
				healthcheckcontroller.DefaultAddOptions.ExtensionClasses = slices.Clone(classes)
			}
			if config.HealthCheckConfig != nil {
				healthcheckcontroller.DefaultAddOptions.HealthCheckConfig = *config.HealthCheckConfig
			}

			if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
				return fmt.Errorf("could not add health check: %w", err)
			}
			if err := mgr.AddHealthzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthz(mgr.GetCache())); err != nil {
				return fmt.Errorf("could not add health check: %w", err)
			}
			if err := mgr.AddReadyzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthz(mgr.GetCache())); err != nil {
				return fmt.Errorf("could not add ready check: %w", err)
			}

			images, err := controlplanecontroller.ImageVector()
			if err != nil {
				return err
			}
			controlplanewebhook.DefaultAddOptions.ImageVector = images
			seedproviderwebhook.DefaultAddOptions.ETCD = config.ETCD
			if err := mgr.AddReadyzCheck("webhook-server", mgr.GetWebhookServer().StartedChecker()); err != nil {
				return fmt.Errorf("could not add ready check of the webhook server: %w", err)
			}
			shootWebhookConfig, err := webhookOpts.Completed().AddToManager(ctx, mgr, nil)
			if err != nil {
				return fmt.Errorf("could not add webhooks to manager: %w", err)
			}
			controlplanecontroller.DefaultAddOptions.ShootWebhookConfig = shootWebhookConfig
			controlplanecontroller.DefaultAddOptions.WebhookServerNamespace = webhookServerOpts.Namespace

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

// applyClientConnection applies the seed client's rate limits of the component configuration.
func applyClientConnection(cc *componentbaseconfigv1alpha1.ClientConnectionConfiguration, qps *float32, burst *int) {
	if cc.QPS > 0 {
		*qps = cc.QPS
	}
	if cc.Burst > 0 {
		*burst = int(cc.Burst)
	}
}
