// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package shoot is the shoot webhook of provider-metal: shoots' kube-apiservers call it for what gardenlet deploys
// into their kube-system namespace. It gives vpn-shoot every node network of the shoot and, for shoots whose calico
// runs the eBPF dataplane, makes calico-node attach to metal-stack's data interfaces. It fails open (Gardener's
// default for shoot webhooks): vpn-shoot without the mutation still routes to the node networks gardenlet knows.
// It has no object selector, as one cannot select two label keys alternatively; the mutator picks vpn-shoot
// (app=vpn-shoot) and calico-node (k8s-app=calico-node) and leaves everything else unchanged.
package shoot

import (
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionsshootwebhook "github.com/gardener/gardener/extensions/pkg/webhook/shoot"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// WebhookName is the name of the webhook (Gardener's shoot webhook).
const WebhookName = extensionsshootwebhook.WebhookName

const (
	// AppVPNShoot is the app label of vpn-shoot's Deployment and StatefulSet.
	AppVPNShoot = "vpn-shoot"
	// labelK8sApp is the label by which calico names its objects.
	labelK8sApp = "k8s-app"
)

var logger = log.Log.WithName("metal-shoot-webhook")

// AddOptions are options to apply when adding the webhook to the manager.
type AddOptions struct{}

// DefaultAddOptions are the options AddToManager uses.
var DefaultAddOptions = AddOptions{}

// Types are the object types the webhook mutates.
func Types() []extensionswebhook.Type {
	return []extensionswebhook.Type{{Obj: &appsv1.Deployment{}}, {Obj: &appsv1.StatefulSet{}}, {Obj: &appsv1.DaemonSet{}}}
}

// AddToManagerWithOptions creates the webhook; the webhook server registers it and its configuration is deployed
// into every metal shoot.
func AddToManagerWithOptions(mgr manager.Manager, _ AddOptions) (*extensionswebhook.Webhook, error) {
	logger.Info("Adding webhook to manager")
	return extensionsshootwebhook.New(mgr, extensionsshootwebhook.Args{
		Types:   Types(),
		Mutator: NewMutator(mgr.GetClient()),
	})
}

// AddToManager creates the webhook with DefaultAddOptions and adds it to the manager.
func AddToManager(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	return AddToManagerWithOptions(mgr, DefaultAddOptions)
}
