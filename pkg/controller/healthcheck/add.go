// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package healthcheck registers the health checks of provider-metal with Gardener's health check framework.
// ControlPlanes of type metal: ControlPlaneHealthy from the cloud-controller-manager and firewall-controller-manager
// Deployments in the seed, SystemComponentsHealthy from the ManagedResources that carry the control plane's
// objects into the shoot, from the shoot's FirewallDeployment (ready and healthy firewalls against the desired
// replicas) and, for shoots whose load balancer is MetalLB (all but cilium), from MetalLB's controller Deployment and
// speaker DaemonSet in the shoot. Workers of type metal: EveryNodeReady from Gardener's machine deployment check and from the Ready
// condition of every node of the shoot.
package healthcheck

import (
	"context"
	"fmt"
	"time"

	extensionsconfigv1alpha1 "github.com/gardener/gardener/extensions/pkg/apis/config/v1alpha1"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck/general"
	workerhealthcheck "github.com/gardener/gardener/extensions/pkg/controller/healthcheck/worker"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	// defaultSyncPeriod is how often the checks run unless the options say otherwise.
	defaultSyncPeriod = 30 * time.Second
	// DefaultNodeStartupGracePeriod is how long a new node may be not ready before EveryNodeReady turns False;
	// until then the condition is Progressing.
	DefaultNodeStartupGracePeriod = 5 * time.Minute
	// DefaultFirewallProvisioningThreshold is how long firewalls may be provisioning (a bare metal machine boots)
	// before SystemComponentsHealthy turns from Progressing to False.
	DefaultFirewallProvisioningThreshold = 15 * time.Minute
)

var (
	// DefaultAddOptions are the default AddOptions for AddToManager.
	DefaultAddOptions = AddOptions{
		DefaultAddArgs: healthcheck.DefaultAddArgs{
			ExtensionClasses:  []extensionsv1alpha1.ExtensionClass{extensionsv1alpha1.ExtensionClassShoot},
			HealthCheckConfig: extensionsconfigv1alpha1.HealthCheckConfig{SyncPeriod: metav1.Duration{Duration: defaultSyncPeriod}},
		},
		NodeStartupGracePeriod:        DefaultNodeStartupGracePeriod,
		FirewallProvisioningThreshold: DefaultFirewallProvisioningThreshold,
	}
)

// AddOptions are the options of the health checks.
type AddOptions struct {
	healthcheck.DefaultAddArgs
	// NodeStartupGracePeriod is how long a node younger than it may be not ready with EveryNodeReady Progressing
	// instead of False; zero reports every not ready node at once.
	NodeStartupGracePeriod time.Duration
	// FirewallProvisioningThreshold is how long firewalls that are being provisioned keep SystemComponentsHealthy
	// Progressing before it turns False; zero reports missing firewalls at once.
	FirewallProvisioningThreshold time.Duration
}

// AddToManagerWithOptions registers the health checks of ControlPlanes and Workers of type metal with the manager,
// and the machine and firewall types they read with its scheme.
func AddToManagerWithOptions(_ context.Context, mgr manager.Manager, opts AddOptions) error {
	if err := machinev1alpha1.AddToScheme(mgr.GetScheme()); err != nil {
		return fmt.Errorf("adding machine-controller-manager's types to the scheme: %w", err)
	}
	if err := fcmv2.AddToScheme(mgr.GetScheme()); err != nil {
		return fmt.Errorf("adding firewall-controller-manager's types to the scheme: %w", err)
	}

	controlPlaneHealthy := string(gardencorev1beta1.ShootControlPlaneHealthy)
	systemComponentsHealthy := string(gardencorev1beta1.ShootSystemComponentsHealthy)
	if err := healthcheck.DefaultRegistration(
		metal.ProviderType,
		extensionsv1alpha1.SchemeGroupVersion.WithKind(extensionsv1alpha1.ControlPlaneResource),
		func() client.ObjectList { return &extensionsv1alpha1.ControlPlaneList{} },
		func() extensionsv1alpha1.Object { return &extensionsv1alpha1.ControlPlane{} },
		mgr,
		opts.DefaultAddArgs,
		nil,
		[]healthcheck.ConditionTypeToHealthCheck{
			{ConditionType: controlPlaneHealthy, HealthCheck: newSeedDeploymentChecker(controlplane.CloudControllerManagerName,
				"without it new nodes keep their uninitialized taint and LoadBalancer services get no address")},
			{ConditionType: controlPlaneHealthy, HealthCheck: newSeedDeploymentChecker(controlplane.FirewallControllerManagerName,
				"without it the shoot's firewalls are neither created, updated nor monitored")},
			{ConditionType: systemComponentsHealthy, HealthCheck: general.CheckManagedResource(genericactuator.ControlPlaneShootChartResourceName)},
			{ConditionType: systemComponentsHealthy, HealthCheck: general.CheckManagedResource(genericactuator.StorageClassesChartResourceName)},
			{ConditionType: systemComponentsHealthy, HealthCheck: NewFirewallDeploymentChecker(worker.FirewallDeploymentName, opts.FirewallProvisioningThreshold)},
			{ConditionType: systemComponentsHealthy, HealthCheck: NewMetalLBControllerChecker(), PreCheckFunc: usesMetalLB},
			{ConditionType: systemComponentsHealthy, HealthCheck: NewMetalLBSpeakerChecker(), PreCheckFunc: usesMetalLB},
		},
		nil,
	); err != nil {
		return fmt.Errorf("registering the ControlPlane health checks: %w", err)
	}

	everyNodeReady := string(gardencorev1beta1.ShootEveryNodeReady)
	if err := healthcheck.DefaultRegistration(
		metal.ProviderType,
		extensionsv1alpha1.SchemeGroupVersion.WithKind(extensionsv1alpha1.WorkerResource),
		func() client.ObjectList { return &extensionsv1alpha1.WorkerList{} },
		func() extensionsv1alpha1.Object { return &extensionsv1alpha1.Worker{} },
		mgr,
		opts.DefaultAddArgs,
		nil,
		[]healthcheck.ConditionTypeToHealthCheck{
			{ConditionType: everyNodeReady, HealthCheck: workerhealthcheck.NewNodesChecker()},
			{ConditionType: everyNodeReady, HealthCheck: NewNodeReadinessChecker(opts.NodeStartupGracePeriod)},
		},
		nil,
	); err != nil {
		return fmt.Errorf("registering the Worker health checks: %w", err)
	}
	return nil
}

// AddToManager registers the health checks with DefaultAddOptions.
func AddToManager(ctx context.Context, mgr manager.Manager) error {
	return AddToManagerWithOptions(ctx, mgr, DefaultAddOptions)
}
