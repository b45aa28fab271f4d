// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package app wires the metal admission component: Gardener's option aggregator (REST, manager, webhook server
// and switch options, shoot defaults), the manager with health probes, and the webhooks.
package app

import (
	"context"
	"errors"
	"fmt"
	"os"

	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	"github.com/gardener/gardener/extensions/pkg/util"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	gardenerhealthz "github.com/gardener/gardener/pkg/healthz"
	"github.com/spf13/cobra"
	"k8s.io/client-go/rest"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"k8s.io/component-base/version/verflag"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/pkg/admission"
	admissioncmd "github.com/metalgarden/metalgarden/pkg/admission/cmd"
)

var log = logf.Log.WithName("gardener-extension-" + admission.Name)

// NewAdmissionCommand creates the command that serves the metal admission webhooks.
func NewAdmissionCommand(ctx context.Context) *cobra.Command {
	var (
		restOpts = &extensionscmdcontroller.RESTOptions{}
		mgrOpts  = &extensionscmdcontroller.ManagerOptions{
			LeaderElection:          true,
			LeaderElectionID:        extensionscmdcontroller.LeaderElectionNameID(admission.Name),
			LeaderElectionNamespace: os.Getenv("LEADER_ELECTION_NAMESPACE"),
			WebhookServerPort:       443,
			MetricsBindAddress:      ":8080",
			HealthBindAddress:       ":8081",
			WebhookCertDir:          "/tmp/" + admission.Name + "-cert",
		}
		// The webhook server options carry --webhook-config-namespace and --webhook-config-owner-namespace: where
		// the certificates are kept and which namespace owns the webhook configurations in the garden.
		webhookServerOptions = &extensionscmdwebhook.ServerOptions{
			Namespace: os.Getenv("WEBHOOK_CONFIG_NAMESPACE"),
		}
		mutatorOpts     = admissioncmd.NewMutatorOptions()
		webhookSwitches = admissioncmd.GardenWebhookSwitchOptions(mutatorOpts)
		webhookOptions  = extensionscmdwebhook.NewAddToManagerOptions(admission.Name, "", nil, nil, webhookServerOptions, webhookSwitches)

		aggOption = extensionscmdcontroller.NewOptionAggregator(restOpts, mgrOpts, mutatorOpts, webhookOptions)
	)

	cmd := &cobra.Command{
		Use:   admission.Name,
		Short: "Serves the garden admission webhooks of the metal extensions: validation and defaulting of metal Shoots, CloudProfiles and credentials.",

		RunE: func(_ *cobra.Command, _ []string) error {
			verflag.PrintAndExitIfRequested()

			if gardenKubeconfig := os.Getenv("GARDEN_KUBECONFIG"); gardenKubeconfig != "" {
				log.Info("Getting rest config for garden from GARDEN_KUBECONFIG", "path", gardenKubeconfig)
				restOpts.Kubeconfig = gardenKubeconfig
			}
			if err := aggOption.Complete(); err != nil {
				return fmt.Errorf("error completing options: %w", err)
			}
			return run(ctx, restOpts, mgrOpts, webhookOptions)
		},
	}

	verflag.AddFlags(cmd.Flags())
	aggOption.AddFlags(cmd.Flags())
	return cmd
}

func run(ctx context.Context, restOpts *extensionscmdcontroller.RESTOptions, mgrOpts *extensionscmdcontroller.ManagerOptions, webhookOptions *extensionscmdwebhook.AddToManagerOptions) error {
	util.ApplyClientConnectionConfigurationToRESTConfig(&componentbaseconfigv1alpha1.ClientConnectionConfiguration{
		QPS:   100.0,
		Burst: 130,
	}, restOpts.Completed().Config)

	scheme, err := admission.NewScheme()
	if err != nil {
		return fmt.Errorf("could not build the scheme: %w", err)
	}
	managerOptions := mgrOpts.Completed().Options()
	managerOptions.Scheme = scheme

	// The component runs in the runtime cluster and serves the virtual garden: leader election and the webhook
	// certificates live in the runtime cluster it runs in. Outside of a cluster (development), certificates are
	// generated locally and leader election uses the garden.
	webhookConfig := webhookOptions.Completed()
	sourceConfig, err := rest.InClusterConfig()
	switch {
	case errors.Is(err, rest.ErrNotInCluster) && webhookConfig.Server.Namespace == "":
		log.Info("Not running in a cluster, the webhook certificates are generated locally")
		sourceConfig = nil
	case err != nil:
		return fmt.Errorf("could not get in-cluster config: %w", err)
	default:
		managerOptions.LeaderElectionConfig = sourceConfig
	}

	mgr, err := manager.New(restOpts.Completed().Config, managerOptions)
	if err != nil {
		return fmt.Errorf("could not instantiate manager: %w", err)
	}

	var sourceCluster cluster.Cluster
	if sourceConfig != nil {
		if sourceCluster, err = cluster.New(sourceConfig, func(opts *cluster.Options) {
			opts.Logger = log
			opts.Cache.DefaultNamespaces = map[string]cache.Config{v1beta1constants.GardenNamespace: {}}
		}); err != nil {
			return fmt.Errorf("could not create the source cluster: %w", err)
		}
		if err := mgr.AddHealthzCheck("source-informer-sync", gardenerhealthz.NewCacheSyncHealthzWithDeadline(mgr.GetLogger(), clock.RealClock{}, sourceCluster.GetCache(), gardenerhealthz.DefaultCacheSyncDeadline)); err != nil {
			return err
		}
		if err := mgr.AddReadyzCheck("source-informer-sync", gardenerhealthz.NewCacheSyncHealthz(sourceCluster.GetCache())); err != nil {
			return err
		}
		if err := mgr.Add(sourceCluster); err != nil {
			return err
		}
	}

	log.Info("Setting up webhook server")
	if _, err := webhookConfig.AddToManager(ctx, mgr, sourceCluster); err != nil {
		return fmt.Errorf("could not add the webhooks to the manager: %w", err)
	}

	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("could not add healthcheck: %w", err)
	}
	if err := mgr.AddHealthzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthzWithDeadline(mgr.GetLogger(), clock.RealClock{}, mgr.GetCache(), gardenerhealthz.DefaultCacheSyncDeadline)); err != nil {
		return fmt.Errorf("could not add healthcheck for informers: %w", err)
	}
	if err := mgr.AddReadyzCheck("informer-sync", gardenerhealthz.NewCacheSyncHealthz(mgr.GetCache())); err != nil {
		return fmt.Errorf("could not add readycheck for informers: %w", err)
	}
	if err := mgr.AddReadyzCheck("webhook-server", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return fmt.Errorf("could not add readycheck of webhook to manager: %w", err)
	}

	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("error running manager: %w", err)
	}
	return nil
}
