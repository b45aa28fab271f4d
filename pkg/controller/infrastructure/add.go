// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package infrastructure is the Infrastructure controller of type metal: it finds or allocates a shoot's node
// network in the metal-api (one prefix per IP family of the shoot), checks the firewall's networks, tags the
// shoot's egress IPs, and frees what the shoot holds when it is deleted.
package infrastructure

import (
	"context"
	"slices"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/infrastructure"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// DefaultInUseRequeueInterval is how long a deletion waits before it looks again at a node network that
// machines or firewalls still use.
const DefaultInUseRequeueInterval = 30 * time.Second

var (
	// DefaultAddOptions are the default AddOptions for AddToManager.
	DefaultAddOptions = AddOptions{}

	// supportedExtensionClasses are the extension classes the controller serves: shoots only.
	supportedExtensionClasses = sets.New(extensionsv1alpha1.ExtensionClassShoot)
)

// AddOptions are options to apply when adding the metal infrastructure controller to the manager.
type AddOptions struct {
	// Controller are the controller.Options.
	Controller controller.Options
	// IgnoreOperationAnnotation specifies whether to ignore the operation annotation or not.
	IgnoreOperationAnnotation bool
	// ExtensionClasses are the configured extension classes for this extension deployment.
	ExtensionClasses []extensionsv1alpha1.ExtensionClass
	// MetalAPI configures the metal-api clients (timeouts, rate limits); unset fields get the component
	// configuration's defaults.
	MetalAPI configmetal.MetalAPIClientConfig
	// InUseRequeueInterval is how long a deletion waits for machines or firewalls to leave the node network;
	// DefaultInUseRequeueInterval when zero.
	InUseRequeueInterval time.Duration
}

// AddToManagerWithOptions adds the controller with the given options to the manager.
func AddToManagerWithOptions(ctx context.Context, mgr manager.Manager, opts AddOptions) error {
	classes := slices.DeleteFunc(slices.Clone(opts.ExtensionClasses), func(class extensionsv1alpha1.ExtensionClass) bool {
		return !supportedExtensionClasses.Has(class)
	})
	inUse := opts.InUseRequeueInterval
	if inUse <= 0 {
		inUse = DefaultInUseRequeueInterval
	}

	return infrastructure.Add(mgr, infrastructure.AddArgs{
		Actuator:          NewActuator(mgr.GetClient(), metal.NewClientCache(metal.ClientConfigFrom(opts.MetalAPI)), inUse),
		ControllerOptions: opts.Controller,
		Predicates:        infrastructure.DefaultPredicates(ctx, mgr, opts.IgnoreOperationAnnotation),
		Type:              metal.ProviderType,
		ExtensionClasses:  classes,
	})
}

// AddToManager adds the controller with DefaultAddOptions to the manager.
func AddToManager(ctx context.Context, mgr manager.Manager) error {
	return AddToManagerWithOptions(ctx, mgr, DefaultAddOptions)
}
