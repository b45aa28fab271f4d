// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package seedprovider is the seed provider webhook of provider-metal: it adapts the etcds of shoot control planes
// that gardenlet deploys into a metal seed to the storage and backup settings of the extension's component
// configuration.
package seedprovider

import (
	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	"github.com/gardener/gardener/extensions/pkg/webhook/controlplane"
	"github.com/gardener/gardener/extensions/pkg/webhook/controlplane/genericmutator"
	"github.com/gardener/gardener/pkg/component/extensions/operatingsystemconfig/original/components/kubelet"
	oscutils "github.com/gardener/gardener/pkg/component/extensions/operatingsystemconfig/utils"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// WebhookName is the name of the webhook (Gardener's seed provider webhook).
const WebhookName = controlplane.SeedProviderWebhookName

var logger = log.Log.WithName("metal-seedprovider-webhook")

// AddOptions are options to apply when adding the webhook to the manager.
type AddOptions struct {
	// ETCD is the etcd configuration of the component configuration.
	ETCD configmetal.ETCD
}

// DefaultAddOptions are the options AddToManager uses.
var DefaultAddOptions = AddOptions{}

// AddToManagerWithOptions creates the webhook with the given options and adds it to the manager.
func AddToManagerWithOptions(mgr manager.Manager, opts AddOptions) (*extensionswebhook.Webhook, error) {
	logger.Info("Adding webhook to manager")
	fciCodec := oscutils.NewFileContentInlineCodec()
	return controlplane.New(mgr, controlplane.Args{
		Kind:     controlplane.KindSeed,
		Provider: metal.ProviderType,
		Types:    []extensionswebhook.Type{{Obj: &druidcorev1alpha1.Etcd{}}},
		Mutator: genericmutator.NewMutator(mgr, NewEnsurer(logger, opts.ETCD), oscutils.NewUnitSerializer(),
			kubelet.NewConfigCodec(fciCodec), fciCodec, logger),
	})
}

// AddToManager creates the webhook with DefaultAddOptions and adds it to the manager.
func AddToManager(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	return AddToManagerWithOptions(mgr, DefaultAddOptions)
}
