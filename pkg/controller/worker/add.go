// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package worker is the Worker controller of type metal. Gardener's generic worker actuator makes one
// MachineClass (with its user data secret) and one MachineDeployment per worker pool, and
// machine-controller-manager leases the machines through the metal driver of pkg/mcm. Around it, the controller
// keeps the shoot's FirewallDeployment for firewall-controller-manager: applied before the machines, deleted
// after them, and carried across control plane migrations.
package worker

import (
	"context"
	"fmt"
	"slices"
	"time"

	extensionsworkercontroller "github.com/gardener/gardener/extensions/pkg/controller/worker"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
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

// AddOptions are options to apply when adding the metal worker controller to the manager.
type AddOptions struct {
	// Controller are the controller.Options.
	Controller controller.Options
	// IgnoreOperationAnnotation specifies whether to ignore the operation annotation or not.
	IgnoreOperationAnnotation bool
	// ExtensionClasses are the configured extension classes for this extension deployment.
	ExtensionClasses []extensionsv1alpha1.ExtensionClass
	// GardenCluster, when set, lets the generic actuator read machine state that older gardenlets kept in the
	// ShootState.
	GardenCluster cluster.Cluster
	// MachineImages is the component configuration's mapping of machine images the cloud profile lacks.
	MachineImages []configmetal.MachineImage
	// FirewallDeletionRequeue is how long a deletion waits before it looks again whether the firewall is gone;
	// DefaultFirewallDeletionRequeue when zero.
	FirewallDeletionRequeue time.Duration
}

// AddToManagerWithOptions adds the controller with the given options to the manager, and the machine and
// firewall types it writes to the manager's scheme.
func AddToManagerWithOptions(ctx context.Context, mgr manager.Manager, opts AddOptions) error {
	if err := machinev1alpha1.AddToScheme(mgr.GetScheme()); err != nil {
		return fmt.Errorf("adding machine-controller-manager's types to the scheme: %w", err)
	}
	if err := fcmv2.AddToScheme(mgr.GetScheme()); err != nil {
		return fmt.Errorf("adding firewall-controller-manager's types to the scheme: %w", err)
	}
	classes := slices.DeleteFunc(slices.Clone(opts.ExtensionClasses), func(class extensionsv1alpha1.ExtensionClass) bool {
		return !supportedExtensionClasses.Has(class)
	})
	return extensionsworkercontroller.Add(ctx, mgr, extensionsworkercontroller.AddArgs{
		Actuator:          NewActuator(mgr, opts.GardenCluster, opts.MachineImages, opts.FirewallDeletionRequeue),
		ControllerOptions: opts.Controller,
		Predicates:        extensionsworkercontroller.DefaultPredicates(ctx, mgr, opts.IgnoreOperationAnnotation),
		Type:              metal.ProviderType,
		ExtensionClasses:  classes,
	})
}

// AddToManager adds the controller with DefaultAddOptions to the manager.
func AddToManager(ctx context.Context, mgr manager.Manager) error {
	return AddToManagerWithOptions(ctx, mgr, DefaultAddOptions)
}
