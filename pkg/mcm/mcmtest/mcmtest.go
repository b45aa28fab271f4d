// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package mcmtest runs machine-controller-manager's own controllers in-process for tests and the sandbox: the
// machine controller of MCM's provider app with a driver (as the provider sidecar runs it) and MCM's
// MachineDeployment/MachineSet controllers (as gardenlet's machine-controller-manager runs them), against a real
// API server as control cluster and the same or a second one as target (shoot) cluster. A stand-in kubelet
// registers a ready Node in the target cluster for every Machine that got one, since no machine really boots.
package mcmtest

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"
	mcmoptions "github.com/gardener/machine-controller-manager/cmd/machine-controller-manager/app/options"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	machineclientset "github.com/gardener/machine-controller-manager/pkg/client/clientset/versioned"
	machineinformers "github.com/gardener/machine-controller-manager/pkg/client/informers/externalversions"
	mcmcontroller "github.com/gardener/machine-controller-manager/pkg/controller"
	provideroptions "github.com/gardener/machine-controller-manager/pkg/util/provider/app/options"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	machinecontroller "github.com/gardener/machine-controller-manager/pkg/util/provider/machinecontroller"
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	kubernetesinformers "k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
)

// Options shape the MCM of one shoot namespace.
type Options struct {
	// Namespace is the shoot namespace whose machines the controllers manage.
	Namespace string
	// Driver is the provider driver of the machine controller.
	Driver driver.Driver
	// Config is the API server of the seed (the control cluster).
	Config *rest.Config
	// TargetConfig is the API server of the shoot, where the Nodes are; Config when nil.
	TargetConfig *rest.Config
	// NodeAddresses returns the addresses the kubelet of a Machine's node reports, as a booted machine knows
	// them; the Machine's status addresses when nil (which MCM fills only without a target cluster).
	NodeAddresses func(ctx context.Context, m *machinev1alpha1.Machine) ([]corev1.NodeAddress, error)
	// ResyncPeriod is the informers' resync period (MCM's --min-resync-period). A resync of a MachineClass
	// makes MCM look at every Machine of the class again, e.g. one waiting for a free machine. Default 12h.
	ResyncPeriod time.Duration
	// Workers is the number of workers per queue (MCM's --concurrent-syncs). Default 5.
	Workers int
	// CreationTimeout is MCM's --machine-creation-timeout. Default 20m, gardenlet's value.
	CreationTimeout time.Duration
}

// registerMu serialises starting controllers: each controller registers itself with Prometheus' default
// registerer once its caches synced, and two controllers of the same kind cannot share a registry.
var registerMu sync.Mutex

// signallingRegisterer is a fresh registry that reports the (single) registration of a controller.
type signallingRegisterer struct {
	prometheus.Registerer
	once       sync.Once
	registered chan struct{}
}

func (r *signallingRegisterer) MustRegister(cs ...prometheus.Collector) {
	r.Registerer.MustRegister(cs...)
	r.once.Do(func() { close(r.registered) })
}

// runRegistered runs a controller whose Run registers it with Prometheus' default registerer and waits until it
// did, so that the next controller of the process gets a registry of its own.
func runRegistered(ctx context.Context, name string, run func(stop <-chan struct{})) error {
	registerMu.Lock()
	defer registerMu.Unlock()
	reg := &signallingRegisterer{Registerer: prometheus.NewRegistry(), registered: make(chan struct{})}
	prometheus.DefaultRegisterer = reg
	go run(ctx.Done())
	select {
	case <-reg.registered:
		return nil
	case <-time.After(time.Minute):
		return fmt.Errorf("%s did not start within a minute (informer caches not synced)", name)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Start runs MCM's machine controller with the driver and MCM's MachineDeployment/MachineSet controllers for
// one namespace until ctx ends, and the stand-in kubelet for the namespace's Machines.
func Start(ctx context.Context, opts Options) error {
	if opts.Workers <= 0 {
		opts.Workers = 5
	}
	if opts.ResyncPeriod <= 0 {
		opts.ResyncPeriod = 12 * time.Hour
	}
	if opts.CreationTimeout <= 0 {
		opts.CreationTimeout = 20 * time.Minute
	}
	cfg := rest.CopyConfig(opts.Config)
	machineClient, err := machineclientset.NewForConfig(cfg)
	if err != nil {
		return err
	}
	coreClient, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	targetClient := coreClient
	if opts.TargetConfig != nil {
		if targetClient, err = kubernetes.NewForConfig(rest.CopyConfig(opts.TargetConfig)); err != nil {
			return err
		}
	}
	serverVersion, err := targetClient.Discovery().ServerVersion()
	if err != nil {
		return err
	}
	targetVersion, err := semver.NewVersion(serverVersion.GitVersion)
	if err != nil {
		return err
	}

	machineInformers := machineinformers.NewFilteredSharedInformerFactory(machineClient, opts.ResyncPeriod, opts.Namespace, nil)
	controlCoreInformers := kubernetesinformers.NewSharedInformerFactoryWithOptions(coreClient, opts.ResyncPeriod, kubernetesinformers.WithNamespace(opts.Namespace))
	targetCoreInformers := kubernetesinformers.NewSharedInformerFactory(targetClient, opts.ResyncPeriod)
	machines := machineInformers.Machine().V1alpha1()

	// The provider sidecar's machine controller, configured as gardenlet configures it.
	providerServer := provideroptions.NewMCServer()
	safety := providerServer.SafetyOptions
	safety.MachineCreationTimeout = metav1.Duration{Duration: opts.CreationTimeout}
	safety.MachineDrainTimeout = metav1.Duration{Duration: 2 * time.Hour}
	safety.MachineSafetyOrphanVMsPeriod = metav1.Duration{Duration: 30 * time.Minute}
	recorder := &record.FakeRecorder{}
	machineCtrl, err := machinecontroller.NewController(
		opts.Namespace, machineClient.MachineV1alpha1(), coreClient, targetClient, opts.Driver, targetCoreInformers,
		controlCoreInformers.Core().V1().Secrets(), machines.MachineClasses(), machines.Machines(), recorder,
		safety, providerServer.NodeConditions, providerServer.BootstrapTokenAuthExtraGroups, targetVersion,
	)
	if err != nil {
		return fmt.Errorf("creating MCM's machine controller: %w", err)
	}

	// gardenlet's machine-controller-manager: the MachineDeployment and MachineSet controllers.
	mcmServer := mcmoptions.NewMCMServer()
	deploymentCtrl, err := mcmcontroller.NewController(
		opts.Namespace, machineClient.MachineV1alpha1(), coreClient, targetClient, targetCoreInformers,
		machines.Machines(), machines.MachineSets(), machines.MachineDeployments(), recorder,
		mcmServer.SafetyOptions, mcmServer.AutoscalerScaleDownAnnotationDuringRollout,
	)
	if err != nil {
		return fmt.Errorf("creating MCM's machine deployment controller: %w", err)
	}

	machineInformers.Start(ctx.Done())
	controlCoreInformers.Start(ctx.Done())
	targetCoreInformers.Start(ctx.Done())

	if err := runRegistered(ctx, "machine controller", func(stop <-chan struct{}) { machineCtrl.Run(opts.Workers, stop) }); err != nil {
		return err
	}
	if err := runRegistered(ctx, "machine deployment controller", func(stop <-chan struct{}) { deploymentCtrl.Run(opts.Workers, stop) }); err != nil {
		return err
	}
	go runKubelet(ctx, targetClient, machineClient, opts)
	return nil
}

// runKubelet stands in for the kubelets of the machines: a Machine that MCM labelled with its node name gets a
// ready Node with the Machine's provider ID, as a booted machine would register it.
func runKubelet(ctx context.Context, core kubernetes.Interface, machines machineclientset.Interface, opts Options) {
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		list, err := machines.MachineV1alpha1().Machines(opts.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return
		}
		for i := range list.Items {
			registerNode(ctx, core, &list.Items[i], opts.NodeAddresses)
		}
	}, 250*time.Millisecond)
}

func registerNode(ctx context.Context, core kubernetes.Interface, m *machinev1alpha1.Machine, nodeAddresses func(context.Context, *machinev1alpha1.Machine) ([]corev1.NodeAddress, error)) {
	name := m.Labels[machinev1alpha1.NodeLabelKey]
	if name == "" || m.DeletionTimestamp != nil {
		return
	}
	node, err := core.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		node, err = core.CoreV1().Nodes().Create(ctx, &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
			Spec:       corev1.NodeSpec{ProviderID: m.Spec.ProviderID},
		}, metav1.CreateOptions{})
	}
	if err != nil || node.DeletionTimestamp != nil || isReady(node) {
		return
	}
	// A conflict with MCM's own node updates (finalizer, labels) is retried in the next round.
	now := metav1.Now()
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "kubelet is posting ready status",
		LastHeartbeatTime: now, LastTransitionTime: now,
	}}
	node.Status.Addresses = m.Status.Addresses
	if nodeAddresses != nil {
		if node.Status.Addresses, err = nodeAddresses(ctx, m); err != nil {
			return
		}
	}
	_, _ = core.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
}

func isReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
