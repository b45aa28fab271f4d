// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package ontap is the Extension controller of type ontap: it gives every shoot its own NetApp ONTAP SVM, with
// data LIFs for the enabled protocols and a management LIF whose IPs come from the partition's storage network
// (allocated in the metal-api and tagged with the shoot), and an SVM-scoped account for Trident whose generated
// password lives in a Secret in the shoot namespace. Into the shoot it deploys, through ManagedResources, the
// Trident operator with a TridentOrchestrator, a TridentBackendConfig per protocol, the storage classes, the
// credentials, a ClusterwideNetworkPolicy towards the LIFs and the node preparation for the protocols. Deletion
// reverses all of it and leaves nothing of the shoot behind, unless the shoot asks to retain its SVM.
package ontap

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/extension"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	// Type is the type of the Extension resources the controller reconciles.
	Type = "ontap"
	// ControllerName is the name of the controller.
	ControllerName = "ontap"

	// DefaultRetryInterval caps the backoff of retries after errors: most go away by themselves (an unreachable
	// ONTAP cluster or metal-api, an SVM that still holds volumes, shoot webhooks not applied yet), and the shoot
	// should not wait for them longer than this.
	DefaultRetryInterval = 30 * time.Second
	// DefaultWaitTimeout bounds waiting for the shoot's ManagedResources to be deleted in one reconciliation.
	DefaultWaitTimeout = 2 * time.Minute
	// DefaultResync is how often every Extension is reconciled without a change, which repairs drift on ONTAP (a
	// LIF deleted or changed behind the controller's back) and in the metal-api.
	DefaultResync = 30 * time.Minute
)

var (
	// DefaultAddOptions are the default AddOptions for AddToManager; the extension's command fills them.
	DefaultAddOptions = AddOptions{}

	// supportedExtensionClasses are the extension classes the controller serves: shoots only.
	supportedExtensionClasses = sets.New(extensionsv1alpha1.ExtensionClassShoot)
)

// AddOptions are options to apply when adding the ontap controller to the manager.
type AddOptions struct {
	// Controller are the controller.Options.
	Controller controller.Options
	// IgnoreOperationAnnotation specifies whether to ignore the operation annotation or not.
	IgnoreOperationAnnotation bool
	// ExtensionClasses are the configured extension classes for this extension deployment.
	ExtensionClasses []extensionsv1alpha1.ExtensionClass
	// Config is the component configuration (ONTAP clusters, storage network, Trident version). Required.
	Config *ontapconfig.ControllerConfiguration
	// MetalClients builds the metal-api clients; a client cache with the default client configuration when nil.
	MetalClients metal.ClientFactory
	// ImageVector holds the images deployed into shoots; the embedded one (with IMAGEVECTOR_OVERWRITE) when nil.
	ImageVector imagevector.ImageVector
	// ShootWebhookConfig holds the extension's shoot webhooks, set by the webhook server; none when nil.
	ShootWebhookConfig *atomic.Value
	// RetryInterval caps the exponential backoff of retries after errors; DefaultRetryInterval when zero. It
	// applies unless Controller.RateLimiter is set.
	RetryInterval time.Duration
	// WaitTimeout bounds waiting for ManagedResources to be deleted; DefaultWaitTimeout when zero.
	WaitTimeout time.Duration
	// Resync is the interval of reconciliations without a change; DefaultResync when zero.
	Resync time.Duration
}

// AddToManagerWithOptions adds the controller with the given options to the manager.
func AddToManagerWithOptions(ctx context.Context, mgr manager.Manager, opts AddOptions) error {
	if opts.Config == nil {
		return errors.New("the ontap controller needs its component configuration")
	}
	classes := slices.DeleteFunc(slices.Clone(opts.ExtensionClasses), func(class extensionsv1alpha1.ExtensionClass) bool {
		return !supportedExtensionClasses.Has(class)
	})
	images := opts.ImageVector
	if images == nil {
		var err error
		if images, err = ImageVector(); err != nil {
			return err
		}
	}
	metalClients := opts.MetalClients
	if metalClients == nil {
		metalClients = metal.NewClientCache(metal.DefaultClientConfig())
	}

	a := &actuator{
		client:             mgr.GetClient(),
		reader:             mgr.GetAPIReader(),
		recorder:           mgr.GetEventRecorder(ControllerName),
		config:             opts.Config,
		clusters:           NewClusterSet(mgr.GetAPIReader(), opts.Config),
		metal:              metalClients,
		images:             images,
		shootWebhookConfig: opts.ShootWebhookConfig,
		waitTimeout:        orDefault(opts.WaitTimeout, DefaultWaitTimeout),
	}
	controllerOptions := opts.Controller
	if controllerOptions.RateLimiter == nil {
		retry := orDefault(opts.RetryInterval, DefaultRetryInterval)
		controllerOptions.RateLimiter = workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](max(5*time.Millisecond, retry/16), retry)
	}
	return extension.Add(mgr, extension.AddArgs{
		Actuator:          a,
		ControllerOptions: controllerOptions,
		Name:              ControllerName,
		FinalizerSuffix:   Type,
		Resync:            orDefault(opts.Resync, DefaultResync),
		Predicates:        extension.DefaultPredicates(ctx, mgr, opts.IgnoreOperationAnnotation),
		Type:              Type,
		ExtensionClasses:  classes,
	})
}

// AddToManager adds the controller with DefaultAddOptions to the manager.
func AddToManager(ctx context.Context, mgr manager.Manager) error {
	return AddToManagerWithOptions(ctx, mgr, DefaultAddOptions)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}
