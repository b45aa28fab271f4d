// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"fmt"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/worker"
	"github.com/gardener/gardener/extensions/pkg/controller/worker/genericactuator"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	reconcilerutils "github.com/gardener/gardener/pkg/controllerutils/reconciler"
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
)

// DefaultFirewallDeletionRequeue is how long a Worker deletion waits before it looks again whether
// firewall-controller-manager has freed the firewall.
const DefaultFirewallDeletionRequeue = 5 * time.Second

// actuator wraps Gardener's generic worker actuator (MachineClasses, MachineDeployments and waiting for
// machine-controller-manager) with the shoot's firewall: the FirewallDeployment is reconciled before the
// machines, deleted after them, and carried across control plane migrations.
type actuator struct {
	worker.Actuator

	client          client.Client
	reader          client.Reader
	gardenReader    client.Reader
	delegateFactory *delegateFactory
	firewallRequeue time.Duration
}

// NewActuator returns the Worker actuator. gardenCluster may be nil; the generic actuator only reads the garden
// for machine state that older gardenlets kept in the ShootState. machineImages is the component
// configuration's image mapping.
func NewActuator(mgr manager.Manager, gardenCluster cluster.Cluster, machineImages []configmetal.MachineImage, firewallRequeue time.Duration) worker.Actuator {
	factory := &delegateFactory{client: mgr.GetClient(), machineImages: machineImages}
	a := &actuator{
		Actuator:        genericactuator.NewActuator(mgr, gardenCluster, factory, nil),
		client:          mgr.GetClient(),
		reader:          mgr.GetAPIReader(),
		delegateFactory: factory,
		firewallRequeue: firewallRequeue,
	}
	if gardenCluster != nil {
		a.gardenReader = gardenCluster.GetAPIReader()
	}
	if a.firewallRequeue <= 0 {
		a.firewallRequeue = DefaultFirewallDeletionRequeue
	}
	return a
}

// Reconcile applies the FirewallDeployment, then the machines through the generic actuator.
func (a *actuator) Reconcile(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	if err := a.reconcileFirewall(ctx, w, cluster); err != nil {
		return err
	}
	return a.Actuator.Reconcile(ctx, log, w, cluster)
}

func (a *actuator) reconcileFirewall(ctx context.Context, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	shoot, err := newShootConfig(w, cluster)
	if err != nil {
		return err
	}
	spec, err := firewallSpecFor(shoot, w, cluster)
	if err != nil {
		return err
	}
	return ensureFirewallDeployment(ctx, a.client, w.Namespace, spec)
}

// Delete deletes the machines through the generic actuator, then the FirewallDeployment, and succeeds only when
// firewall-controller-manager has freed the firewall and let the FirewallDeployment go: the Infrastructure can
// free the node network only after that.
func (a *actuator) Delete(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	if err := a.Actuator.Delete(ctx, log, w, cluster); err != nil {
		return err
	}
	gone, err := deleteFirewallDeployment(ctx, a.client, w.Namespace)
	if err != nil {
		return err
	}
	if !gone {
		log.Info("Waiting for firewall-controller-manager to free the firewall", "firewallDeployment", FirewallDeploymentName)
		return &reconcilerutils.RequeueAfterError{
			RequeueAfter: a.firewallRequeue,
			Cause:        fmt.Errorf("FirewallDeployment %s/%s is still being deleted by firewall-controller-manager", w.Namespace, FirewallDeploymentName),
		}
	}
	return nil
}

// ForceDelete unblocks a forced shoot deletion: it deletes the firewall objects, and when
// firewall-controller-manager is not running to handle their finalizers it removes them, accepting that the
// firewall then stays in the metal-api (it keeps the shoot's cluster tag, so an operator finds and frees it).
// Machines are left to the generic actuator's forced deletion.
func (a *actuator) ForceDelete(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	if err := a.Actuator.ForceDelete(ctx, log, w, cluster); err != nil {
		return err
	}
	if _, err := deleteFirewallDeployment(ctx, a.client, w.Namespace); err != nil {
		return err
	}
	running, err := fcmRunning(ctx, a.reader, w.Namespace)
	if err != nil {
		return err
	}
	if running {
		log.Info("firewall-controller-manager is running and frees the firewall of the deleted FirewallDeployment")
		return nil
	}
	log.Info("firewall-controller-manager is not running: removing its finalizers, the firewall may remain in the metal-api with the shoot's cluster tag")
	return removeFirewallFinalizers(ctx, a.client, w.Namespace)
}

// Migrate keeps the firewall objects for the destination seed (see migrateFirewalls); the machines' state is
// gardenlet's business (Worker.status.state), which the generic actuator leaves alone.
func (a *actuator) Migrate(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	if err := a.migrateFirewalls(ctx, log, w); err != nil {
		return err
	}
	return a.Actuator.Migrate(ctx, log, w, cluster)
}

// Restore brings back the firewall objects kept by Migrate before anything else can create a second firewall,
// restores the machines through the generic actuator and then reconciles.
func (a *actuator) Restore(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	if err := a.restoreFirewalls(ctx, log, w, cluster); err != nil {
		return err
	}
	if err := genericactuator.RestoreWithoutReconcile(ctx, log, a.gardenReader, a.client, a.delegateFactory, w, cluster); err != nil {
		return fmt.Errorf("restoring the machines: %w", err)
	}
	return a.Reconcile(ctx, log, w, cluster)
}
