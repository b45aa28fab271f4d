// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	resourcemanagerconfigv1alpha1 "github.com/gardener/gardener/pkg/apis/config/resourcemanager/v1alpha1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	resourcemanagerclient "github.com/gardener/gardener/pkg/resourcemanager/client"
	"github.com/gardener/gardener/pkg/resourcemanager/controller/managedresource"
	resourcemanagerpredicate "github.com/gardener/gardener/pkg/resourcemanager/predicate"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	componentbaseconfigv1alpha1 "k8s.io/component-base/config/v1alpha1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	metalinstall "github.com/metalgarden/metalgarden/pkg/apis/metal/install"
	ontapinstall "github.com/metalgarden/metalgarden/pkg/apis/ontap/install"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/mcm/mcmtest"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// Intervals of the controllers in the sandbox. They are shorter than the production defaults: nothing here is
// slow, and a user watching should not wait for a requeue.
const (
	// retryInterval caps the ontap controller's retries after errors.
	retryInterval = 5 * time.Second
	// requeueInterval is how often a deletion looks again at what it waits for (machines leaving the node network,
	// the firewall going away, the shoot's objects being deleted).
	requeueInterval = 2 * time.Second
)

// newManager returns a manager for the seed with its own scheme and the client rate limits of its component
// configuration, the way each extension's binary has one.
func newManager(restConfig *rest.Config, cc *componentbaseconfigv1alpha1.ClientConnectionConfiguration, log logr.Logger, name string, addToScheme ...func(*runtime.Scheme) error) (manager.Manager, error) {
	restConfig = rest.CopyConfig(restConfig)
	if cc != nil {
		if cc.QPS > 0 {
			restConfig.QPS = cc.QPS
		}
		if cc.Burst > 0 {
			restConfig.Burst = int(cc.Burst)
		}
	}
	scheme := runtime.NewScheme()
	for _, add := range append([]func(*runtime.Scheme) error{clientgoscheme.AddToScheme, extensionscontroller.AddToScheme}, addToScheme...) {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("%s: building the scheme: %w", name, err)
		}
	}
	mgr, err := manager.New(restConfig, manager.Options{
		Scheme:                 scheme,
		Logger:                 log.WithName(name),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Several managers with the same controllers run in one process.
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("%s: creating the manager: %w", name, err)
	}
	return mgr, nil
}

// addProviderMetal adds the controllers of gardener-extension-provider-metal (Infrastructure, ControlPlane and
// Worker) to a manager, configured from the example's component configuration.
func addProviderMetal(ctx context.Context, mgr manager.Manager, ex *example, concurrency int) error {
	ctrl := controller.Options{MaxConcurrentReconciles: concurrency}
	if err := infrastructure.AddToManagerWithOptions(ctx, mgr, infrastructure.AddOptions{
		Controller:           ctrl,
		MetalAPI:             ex.metalConfig.MetalAPI,
		InUseRequeueInterval: requeueInterval,
	}); err != nil {
		return fmt.Errorf("provider-metal: adding the Infrastructure controller: %w", err)
	}
	if err := controlplane.AddToManagerWithOptions(ctx, mgr, controlplane.AddOptions{
		Controller: ctrl,
		MetalAPI:   ex.metalConfig.MetalAPI,
	}); err != nil {
		return fmt.Errorf("provider-metal: adding the ControlPlane controller: %w", err)
	}
	if err := worker.AddToManagerWithOptions(ctx, mgr, worker.AddOptions{
		Controller:              ctrl,
		MachineImages:           slices.Clone(ex.metalConfig.MachineImages),
		FirewallDeletionRequeue: requeueInterval,
	}); err != nil {
		return fmt.Errorf("provider-metal: adding the Worker controller: %w", err)
	}
	return nil
}

// addOntap adds the Extension controller of gardener-extension-ontap to a manager.
func addOntap(ctx context.Context, mgr manager.Manager, cfg *ontap.ControllerConfiguration, concurrency int) error {
	if err := ontapcontroller.AddToManagerWithOptions(ctx, mgr, ontapcontroller.AddOptions{
		Controller:    controller.Options{MaxConcurrentReconciles: concurrency},
		Config:        cfg,
		RetryInterval: retryInterval,
	}); err != nil {
		return fmt.Errorf("ontap: adding the Extension controller: %w", err)
	}
	return nil
}

// providerMetalSchemes and ontapSchemes are what the binaries add to their managers' schemes.
var (
	providerMetalSchemes = []func(*runtime.Scheme) error{metalinstall.AddToScheme}
	ontapSchemes         = []func(*runtime.Scheme) error{ontapinstall.AddToScheme}
)

// startShootRuntime starts what runs in a shoot's control plane for the sandbox, until ctx ends:
//   - machine-controller-manager with the metal driver (pkg/mcm), whose Machines become Nodes of the shoot's API
//     server through mcmtest's stand-in kubelet;
//   - the shoot's gardener-resource-manager: Gardener's ManagedResource controller, with the shoot namespace of the
//     seed as source and the shoot's API server as target;
//   - the seed's gardener-resource-manager for this namespace: the ManagedResource controller for class seed, with
//     the seed as source and target (the ControlPlane's cloud-controller-manager and firewall-controller-manager);
//   - firewall-controller-manager, once the ControlPlane deployed it, with the firewall agent that stands in for
//     the firewall-controller on the firewall machine (startFirewallControllerManager);
//   - a stand-in for the kube-controller-manager garbage collector of the shoot and of the seed, which finishes the
//     foreground deletions the resource managers start (there are no dependents, since no workload controller runs),
//     and for the shoot's namespace controller, which finalizes deleted namespaces.
func startShootRuntime(ctx context.Context, seed, shoot *rest.Config, namespace string, ex *example, machines metal.MachineLeases, fcmServing *atomic.Bool, log logr.Logger, fail func(error)) error {
	driver := mcm.NewDriver(metal.NewClientCache(metal.ClientConfigFrom(ex.metalConfig.MetalAPI)), log.WithName("mcm-driver"))
	if err := mcmtest.Start(ctx, mcmtest.Options{
		Namespace:     namespace,
		Driver:        driver,
		Config:        seed,
		TargetConfig:  shoot,
		NodeAddresses: nodeAddresses(machines),
	}); err != nil {
		return fmt.Errorf("starting machine-controller-manager: %w", err)
	}

	mgr, err := manager.New(seed, manager.Options{
		Scheme:                 resourcemanagerclient.SourceScheme,
		Logger:                 log.WithName("gardener-resource-manager"),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespace: {}}},
		Controller:             config.Controller{SkipNameValidation: new(true)},
	})
	if err != nil {
		return fmt.Errorf("creating gardener-resource-manager: %w", err)
	}
	target, err := cluster.New(shoot, func(o *cluster.Options) {
		o.Scheme = resourcemanagerclient.TargetScheme
		o.Logger = log.WithName("gardener-resource-manager")
		o.Client.Cache = &client.CacheOptions{DisableFor: []client.Object{&corev1.Event{}, &eventsv1.Event{}}}
	})
	if err != nil {
		return fmt.Errorf("creating gardener-resource-manager's target cluster: %w", err)
	}
	if err := mgr.Add(target); err != nil {
		return err
	}
	if err := (&managedresource.Reconciler{
		Config: resourcemanagerconfigv1alpha1.ManagedResourceControllerConfig{
			ConcurrentSyncs:     new(5),
			SyncPeriod:          &metav1.Duration{Duration: time.Minute},
			ManagedByLabelValue: new("gardener"),
		},
		ClassFilter:                   resourcemanagerpredicate.NewClassFilter(""),
		RequeueAfterOnDeletionPending: new(time.Second),
	}).AddToManager(mgr, mgr, target); err != nil {
		return fmt.Errorf("adding gardener-resource-manager's ManagedResource controller: %w", err)
	}
	seedTarget, err := cluster.New(seed, func(o *cluster.Options) {
		o.Scheme = resourcemanagerclient.TargetScheme
		o.Logger = log.WithName("gardener-resource-manager-seed")
		o.Cache.DefaultNamespaces = map[string]cache.Config{namespace: {}}
		o.Client.Cache = &client.CacheOptions{DisableFor: []client.Object{&corev1.Event{}, &eventsv1.Event{}}}
	})
	if err != nil {
		return fmt.Errorf("creating the seed's gardener-resource-manager's target cluster: %w", err)
	}
	if err := mgr.Add(seedTarget); err != nil {
		return err
	}
	if err := (&managedresource.Reconciler{
		Config: resourcemanagerconfigv1alpha1.ManagedResourceControllerConfig{
			ConcurrentSyncs:     new(5),
			SyncPeriod:          &metav1.Duration{Duration: time.Minute},
			ManagedByLabelValue: new("gardener"),
		},
		ClassFilter:                   resourcemanagerpredicate.NewClassFilter(v1beta1constants.SeedResourceManagerClass),
		RequeueAfterOnDeletionPending: new(time.Second),
	}).AddToManager(mgr, mgr, seedTarget); err != nil {
		return fmt.Errorf("adding the seed's gardener-resource-manager's ManagedResource controller: %w", err)
	}
	if err := startFirewallControllerManager(ctx, seed, shoot, namespace, machines, fcmServing, log, fail); err != nil {
		return err
	}
	namespaces, err := kubernetes.NewForConfig(shoot)
	if err != nil {
		return fmt.Errorf("creating the shoot's namespace finalizer: %w", err)
	}
	seedClients, err := kubernetes.NewForConfig(seed)
	if err != nil {
		return fmt.Errorf("creating the seed's token controller: %w", err)
	}
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		go fillServiceAccountTokens(ctx, seedClients, namespace, seed.CAData, log.WithName("seed-token-controller"))
		go fillServiceAccountTokens(ctx, namespaces, metav1.NamespaceAll, shoot.CAData, log.WithName("token-controller"))
		go finishForegroundDeletions(ctx, seedTarget.GetClient(), log.WithName("seed-garbage-collector"))
		go finishNamespaceDeletions(ctx, namespaces, log.WithName("namespace-controller"))
		finishForegroundDeletions(ctx, target.GetClient(), log.WithName("garbage-collector"))
		return nil
	})); err != nil {
		return err
	}
	go func() {
		if err := mgr.Start(ctx); err != nil {
			fail(fmt.Errorf("gardener-resource-manager of %s stopped: %w", namespace, err))
		}
	}()
	return nil
}

// nodeAddresses returns what a booted machine's kubelet reports as its node's addresses: the machine's IPs in the
// node network, as the metal-api allocated them, and its host name.
func nodeAddresses(machines metal.MachineLeases) func(context.Context, *machinev1alpha1.Machine) ([]corev1.NodeAddress, error) {
	return func(ctx context.Context, m *machinev1alpha1.Machine) ([]corev1.NodeAddress, error) {
		id, ok := mcm.MachineIDFromProviderID(m.Spec.ProviderID)
		if !ok {
			return nil, fmt.Errorf("machine %s has no metal-stack provider ID", m.Name)
		}
		machine, err := machines.GetMachine(ctx, id)
		if err != nil {
			return nil, err
		}
		var out []corev1.NodeAddress
		for _, ip := range machine.PrivateIPs() {
			out = append(out, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: ip.String()})
		}
		return append(out, corev1.NodeAddress{Type: corev1.NodeHostName, Address: m.Labels[machinev1alpha1.NodeLabelKey]}), nil
	}
}

// finishForegroundDeletions removes the foregroundDeletion finalizer of workload objects that are being deleted,
// as kube-controller-manager's garbage collector does once their dependents are gone.
func finishForegroundDeletions(ctx context.Context, c client.Client, log logr.Logger) {
	lists := []func() client.ObjectList{
		func() client.ObjectList { return &appsv1.DeploymentList{} },
		func() client.ObjectList { return &appsv1.DaemonSetList{} },
		func() client.ObjectList { return &appsv1.StatefulSetList{} },
		func() client.ObjectList { return &appsv1.ReplicaSetList{} },
		func() client.ObjectList { return &batchv1.JobList{} },
	}
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		for _, newList := range lists {
			list := newList()
			if err := c.List(ctx, list); err != nil {
				continue
			}
			_ = forEachObject(list, func(obj client.Object) {
				if obj.GetDeletionTimestamp() == nil || !slices.Contains(obj.GetFinalizers(), metav1.FinalizerDeleteDependents) {
					return
				}
				patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
				obj.SetFinalizers(slices.DeleteFunc(obj.GetFinalizers(), func(f string) bool { return f == metav1.FinalizerDeleteDependents }))
				if err := c.Patch(ctx, obj, patch); client.IgnoreNotFound(err) != nil {
					log.Error(err, "Could not finish the foreground deletion", "object", client.ObjectKeyFromObject(obj))
				}
			})
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// finishNamespaceDeletions finalizes the shoot's namespaces that are being deleted (the ControlPlane's firewall
// namespace), as kube-controller-manager's namespace controller does once their content is gone: whoever deployed
// the content deletes it first (gardener-resource-manager, in the order of the shoot's deletion).
func finishNamespaceDeletions(ctx context.Context, c kubernetes.Interface, log logr.Logger) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		if list, err := c.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err == nil {
			for i := range list.Items {
				ns := &list.Items[i]
				if ns.DeletionTimestamp == nil || !slices.Contains(ns.Spec.Finalizers, corev1.FinalizerKubernetes) {
					continue
				}
				if workloadsLeft(ctx, c, ns.Name) {
					// Their foreground deletions finish first (finishForegroundDeletions); once the namespace is
					// gone they could no longer be updated.
					continue
				}
				ns.Spec.Finalizers = slices.DeleteFunc(ns.Spec.Finalizers, func(f corev1.FinalizerName) bool { return f == corev1.FinalizerKubernetes })
				if _, err := c.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
					log.Error(err, "Could not finalize the namespace", "namespace", ns.Name)
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// workloadsLeft tells whether a namespace still holds workload objects (or cannot be read).
func workloadsLeft(ctx context.Context, c kubernetes.Interface, namespace string) bool {
	opts := metav1.ListOptions{Limit: 1}
	apps, batch := c.AppsV1(), c.BatchV1()
	for _, count := range []func() (int, error){
		func() (int, error) { l, err := apps.Deployments(namespace).List(ctx, opts); return lenOr(l, err) },
		func() (int, error) { l, err := apps.DaemonSets(namespace).List(ctx, opts); return lenOr(l, err) },
		func() (int, error) { l, err := apps.StatefulSets(namespace).List(ctx, opts); return lenOr(l, err) },
		func() (int, error) { l, err := apps.ReplicaSets(namespace).List(ctx, opts); return lenOr(l, err) },
		func() (int, error) { l, err := batch.Jobs(namespace).List(ctx, opts); return lenOr(l, err) },
	} {
		if n, err := count(); err != nil || n > 0 {
			return true
		}
	}
	return false
}

// lenOr is the number of items of a typed list, or the error of listing it.
func lenOr(list runtime.Object, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return meta.LenList(list), nil
}

// fillServiceAccountTokens fills the Secrets of type kubernetes.io/service-account-token in namespace (all with
// metav1.NamespaceAll) with a token of their ServiceAccount, the API server's CA and the namespace, as
// kube-controller-manager's token controller does (firewall-controller-manager hands such tokens to the
// firewall-controller). The tokens come from the API server's TokenRequest API; they are never logged.
func fillServiceAccountTokens(ctx context.Context, c kubernetes.Interface, namespace string, caData []byte, log logr.Logger) {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		if list, err := c.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{FieldSelector: "type=" + string(corev1.SecretTypeServiceAccountToken)}); err == nil {
			for i := range list.Items {
				secret := &list.Items[i]
				account := secret.Annotations[corev1.ServiceAccountNameKey]
				if len(secret.Data[corev1.ServiceAccountTokenKey]) > 0 || account == "" || secret.DeletionTimestamp != nil {
					continue
				}
				token, err := c.CoreV1().ServiceAccounts(secret.Namespace).CreateToken(ctx, account, &authenticationv1.TokenRequest{
					Spec: authenticationv1.TokenRequestSpec{
						BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: secret.Name, UID: secret.UID},
					},
				}, metav1.CreateOptions{})
				if err != nil {
					if !apierrors.IsNotFound(err) {
						log.Error(err, "Could not request a token", "secret", client.ObjectKeyFromObject(secret), "serviceAccount", account)
					}
					continue
				}
				if secret.Data == nil {
					secret.Data = map[string][]byte{}
				}
				secret.Data[corev1.ServiceAccountTokenKey] = []byte(token.Status.Token)
				secret.Data[corev1.ServiceAccountRootCAKey] = caData
				secret.Data[corev1.ServiceAccountNamespaceKey] = []byte(secret.Namespace)
				if _, err := c.CoreV1().Secrets(secret.Namespace).Update(ctx, secret, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) && !apierrors.IsNotFound(err) {
					log.Error(err, "Could not fill the service account token secret", "secret", client.ObjectKeyFromObject(secret))
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// forEachObject calls f for every item of a typed list.
func forEachObject(list client.ObjectList, f func(client.Object)) error {
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	for _, item := range items {
		if obj, ok := item.(client.Object); ok {
			f(obj)
		}
	}
	return nil
}
