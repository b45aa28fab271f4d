// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package seedprovider

import (
	"context"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	"github.com/gardener/gardener/extensions/pkg/webhook/controlplane/genericmutator"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/go-logr/logr"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
)

// Ensurer adapts the etcds of shoot control planes in a metal seed. It embeds Gardener's NoopEnsurer and implements
// only EnsureETCD.
type Ensurer struct {
	genericmutator.NoopEnsurer

	logger logr.Logger
	etcd   configmetal.ETCD
}

var _ genericmutator.Ensurer = (*Ensurer)(nil)

// NewEnsurer returns the ensurer for the etcd configuration of the component configuration.
func NewEnsurer(logger logr.Logger, etcd configmetal.ETCD) *Ensurer {
	return &Ensurer{logger: logger.WithName("metal-seedprovider-ensurer"), etcd: *etcd.DeepCopy()}
}

// EnsureETCD sets the storage class and capacity of an etcd from the configuration when it is created, and the
// backup schedule of etcd-main on every write.
//
// Storage class and capacity end up in the volume claim template of etcd's StatefulSet, which cannot change once
// it exists; an etcd keeps the ones it was created with, so that a changed configuration applies to new shoots only
// and does not leave etcd-druid unable to update existing StatefulSets.
func (e *Ensurer) EnsureETCD(_ context.Context, _ extensionscontextwebhook.GardenContext, newObj, oldObj *druidcorev1alpha1.Etcd) error {
	if oldObj == nil {
		if e.etcd.Storage.ClassName != nil {
			newObj.Spec.StorageClass = new(*e.etcd.Storage.ClassName)
		}
		if e.etcd.Storage.Capacity != nil {
			newObj.Spec.StorageCapacity = new(e.etcd.Storage.Capacity.DeepCopy())
		}
	} else {
		if oldObj.Spec.StorageClass != nil {
			newObj.Spec.StorageClass = new(*oldObj.Spec.StorageClass)
		}
		if oldObj.Spec.StorageCapacity != nil {
			newObj.Spec.StorageCapacity = new(oldObj.Spec.StorageCapacity.DeepCopy())
		}
	}

	// Only etcd-main is backed up; Gardener gives etcd-events no backup.
	if newObj.Name == v1beta1constants.ETCDMain && newObj.Spec.Backup.Store != nil {
		if s := e.etcd.Backup.Schedule; s != nil {
			newObj.Spec.Backup.FullSnapshotSchedule = new(*s)
		}
		if p := e.etcd.Backup.DeltaSnapshotPeriod; p != nil {
			newObj.Spec.Backup.DeltaSnapshotPeriod = new(*p)
		}
	}
	return nil
}
