// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package controlplane is the ControlPlane controller of type metal. Gardener's generic control plane actuator
// deploys, with the values of this package's ValuesProvider, the metal cloud-controller-manager and
// firewall-controller-manager into the shoot namespace of the seed (their certificates through Gardener's
// secrets manager, their shoot access through shoot access secrets) and the shoot's system components
// (firewall policies per IP family, node network info, RBAC) and storage classes into the shoot through
// ManagedResources. The Worker controller owns the FirewallDeployment; this controller owns the
// firewall-controller-manager that acts on it.
package controlplane

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	"github.com/gardener/gardener/extensions/pkg/util"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var (
	// DefaultAddOptions are the default AddOptions for AddToManager.
	DefaultAddOptions = AddOptions{}

	// supportedExtensionClasses are the extension classes the controller serves: shoots only.
	supportedExtensionClasses = sets.New(extensionsv1alpha1.ExtensionClassShoot)
)

// AddOptions are options to apply when adding the metal control plane controller to the manager.
type AddOptions struct {
	// Controller are the controller.Options.
	Controller controller.Options
	// IgnoreOperationAnnotation specifies whether to ignore the operation annotation or not.
	IgnoreOperationAnnotation bool
	// ExtensionClasses are the configured extension classes for this extension deployment.
	ExtensionClasses []extensionsv1alpha1.ExtensionClass
	// ShootWebhookConfig is the shoot webhook configuration of the extension, if it has shoot webhooks.
	ShootWebhookConfig *atomic.Value
	// WebhookServerNamespace is the namespace in which the webhook server runs.
	WebhookServerNamespace string
	// MetalAPI configures the metal-api clients (timeouts, rate limits).
	MetalAPI configmetal.MetalAPIClientConfig
	// MetalClients, when set, replaces the client cache built from MetalAPI.
	MetalClients metal.ClientFactory
	// SeedAPIServerURL is the address under which the shoots' firewalls reach the seed's API server; a Seed's
	// annotation SeedAPIServerURLAnnotation takes precedence. Empty: the address the extension itself uses.
	SeedAPIServerURL string
}

// AddToManagerWithOptions adds the controller with the given options to the manager.
func AddToManagerWithOptions(ctx context.Context, mgr manager.Manager, opts AddOptions) error {
	vector, err := ImageVector()
	if err != nil {
		return err
	}
	factory := opts.MetalClients
	if factory == nil {
		factory = metal.NewClientCache(metal.ClientConfigFrom(opts.MetalAPI))
	}
	actuator, err := genericactuator.NewActuator(mgr, metal.ProviderType,
		secretConfigs, shootAccessSecrets,
		nil, controlPlaneChart, controlPlaneShootChart, nil, storageClassesChart,
		NewValuesProvider(mgr.GetClient(), factory, opts.SeedAPIServerURL, mgr.GetConfig().Host),
		extensionscontroller.ChartRendererFactoryFunc(util.NewChartRendererForShoot),
		vector, "", opts.ShootWebhookConfig, opts.WebhookServerNamespace)
	if err != nil {
		return fmt.Errorf("creating the generic control plane actuator: %w", err)
	}
	classes := slices.DeleteFunc(slices.Clone(opts.ExtensionClasses), func(class extensionsv1alpha1.ExtensionClass) bool {
		return !supportedExtensionClasses.Has(class)
	})
	return controlplane.Add(mgr, controlplane.AddArgs{
		Actuator:          actuator,
		ControllerOptions: opts.Controller,
		Predicates:        controlplane.DefaultPredicates(ctx, mgr, opts.IgnoreOperationAnnotation),
		Type:              metal.ProviderType,
		ExtensionClasses:  classes,
	})
}

// AddToManager adds the controller with DefaultAddOptions to the manager.
func AddToManager(ctx context.Context, mgr manager.Manager) error {
	return AddToManagerWithOptions(ctx, mgr, DefaultAddOptions)
}
