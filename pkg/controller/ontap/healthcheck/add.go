// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package healthcheck registers the health checks of the ontap Extension with gardener's health check framework:
// the shoot's SVM is running on ONTAP, its LIFs are up with their addresses, and the ManagedResources that carry
// Trident and the storage configuration into the shoot are healthy (gardener-resource-manager reports Trident's
// operator Deployment and the node preparation DaemonSet ready). All of them contribute to the shoot's
// SystemComponentsHealthy condition.
package healthcheck

import (
	"context"
	"errors"
	"time"

	extensionsconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck/general"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
)

// defaultSyncPeriod is how often the checks run unless the component configuration says otherwise.
const defaultSyncPeriod = 30 * time.Second

var (
	// DefaultAddOptions are the default AddOptions for AddToManager; the extension's command fills them.
	DefaultAddOptions = AddOptions{
		DefaultAddArgs: healthcheck.DefaultAddArgs{
			ExtensionClasses:  []extensionsv1alpha1.ExtensionClass{extensionsv1alpha1.ExtensionClassShoot},
			HealthCheckConfig: extensionsconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: defaultSyncPeriod}},
		},
	}
)

// AddOptions are the options of the health checks.
type AddOptions struct {
	healthcheck.DefaultAddArgs
	// Config is the component configuration: the ONTAP clusters the checks ask. Required.
	Config *ontapconfig.ControllerConfiguration
}

// RegisterHealthChecks registers the health checks of Extensions of type ontap.
func RegisterHealthChecks(mgr manager.Manager, opts AddOptions) error {
	if opts.Config == nil {
		return errors.New("the ontap health checks need the component configuration")
	}
	clusters := ontapcontroller.NewClusterSet(mgr.GetAPIReader(), opts.Config)
	condition := string(gardencorev1beta1.ShootSystemComponentsHealthy)
	checks := []healthcheck.ConditionTypeToHealthCheck{
		{ConditionType: condition, HealthCheck: NewSVMChecker(clusters)},
		{ConditionType: condition, HealthCheck: NewLIFChecker(clusters)},
		{ConditionType: condition, HealthCheck: general.CheckManagedResource(ontapcontroller.ManagedResourceTrident)},
		{ConditionType: condition, HealthCheck: general.CheckManagedResource(ontapcontroller.ManagedResourceStorage)},
	}
	return healthcheck.DefaultRegistration(
		ontapcontroller.Type,
		extensionsv1alpha1.SchemeGroupVersion.WithKind(extensionsv1alpha1.ExtensionResource),
		func() client.ObjectList { return &extensionsv1alpha1.ExtensionList{} },
		func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Extension{} },
		mgr,
		opts.DefaultAddArgs,
		nil,
		checks,
		nil,
	)
}

// AddToManager registers the health checks with DefaultAddOptions.
func AddToManager(_ context.Context, mgr manager.Manager) error {
	return RegisterHealthChecks(mgr, DefaultAddOptions)
}
