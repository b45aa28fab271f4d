// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"fmt"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/worker"
	"github.com/gardener/gardener/extensions/pkg/controller/worker/genericactuator"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// delegateFactory builds the WorkerDelegate of each reconciliation for Gardener's generic worker actuator.
type delegateFactory struct {
	client client.Client
	// machineImages is the component configuration's mapping for images the cloud profile lacks.
	machineImages []configmetal.MachineImage
}

var _ genericactuator.DelegateFactory = (*delegateFactory)(nil)

// WorkerDelegate returns the delegate for one Worker.
func (f *delegateFactory) WorkerDelegate(_ context.Context, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) (genericactuator.WorkerDelegate, error) {
	shoot, err := newShootConfig(w, cluster)
	if err != nil {
		return nil, err
	}
	return &workerDelegate{client: f.client, worker: w, cluster: cluster, shoot: shoot, machineImages: f.machineImages}, nil
}

// workerDelegate makes the MachineClasses, their secrets and the MachineDeployments of one Worker. The generic
// actuator applies the MachineDeployments and waits for machine-controller-manager.
type workerDelegate struct {
	client        client.Client
	worker        *extensionsv1alpha1.Worker
	cluster       *extensionscontroller.Cluster
	shoot         *shootConfig
	machineImages []configmetal.MachineImage

	// Computed once per reconciliation by generateMachineConfig.
	generated          bool
	machineClasses     []*machinev1alpha1.MachineClass
	classSecrets       []*corev1.Secret
	machineDeployments worker.MachineDeployments
	usedImages         []apismetal.MachineImage
}

var _ genericactuator.WorkerDelegate = (*workerDelegate)(nil)

// generate computes the machine configuration once.
func (w *workerDelegate) generate(ctx context.Context) error {
	if w.generated {
		return nil
	}
	if err := w.generateMachineConfig(ctx); err != nil {
		return err
	}
	w.generated = true
	return nil
}

// GenerateMachineDeployments returns the MachineDeployments of the Worker's pools.
func (w *workerDelegate) GenerateMachineDeployments(ctx context.Context) (worker.MachineDeployments, error) {
	if err := w.generate(ctx); err != nil {
		return nil, err
	}
	return w.machineDeployments, nil
}

// PreReconcileHook checks that an isolated shoot can be served before any machine is configured for it.
func (w *workerDelegate) PreReconcileHook(_ context.Context) error { return w.shoot.isolationError() }

// PostReconcileHook has nothing to do: the firewall is reconciled by the actuator around the generic flow.
func (w *workerDelegate) PostReconcileHook(_ context.Context) error { return nil }

// PreDeleteHook has nothing to do: machines go first, the firewall after them (see actuator.Delete).
func (w *workerDelegate) PreDeleteHook(_ context.Context) error { return nil }

// PostDeleteHook has nothing to do: the actuator deletes the firewall once the generic flow is done.
func (w *workerDelegate) PostDeleteHook(_ context.Context) error { return nil }

// errorf wraps an error with the Worker's identity.
func (w *workerDelegate) errorf(format string, args ...any) error {
	return fmt.Errorf("worker %s/%s: "+format, append([]any{w.worker.Namespace, w.worker.Name}, args...)...)
}
