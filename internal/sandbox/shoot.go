// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	"golang.org/x/crypto/ssh"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/uuid"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// controlPlaneName is the name gardenlet gives the shoot's ControlPlane.
const controlPlaneName = "control-plane"

// userDataKey is the key of the worker pools' user data in their Secrets, as the OperatingSystemConfig writes it.
const userDataKey = extensionsv1alpha1.OperatingSystemConfigSecretDataKey

// Shoot is one shoot of the sandbox: a copy of the example shoot with its own API server.
type Shoot struct {
	// Name is the shoot's name, Namespace its technical ID (the shoot namespace in the seed).
	Name, Namespace string
	// Object is the shoot as the garden admitted it: defaulted by admission-metal, with UID and technical ID.
	Object *gardencorev1beta1.Shoot
	// API is the shoot's API server.
	API *testenv.Environment
	// Kubeconfig is the file with the kubeconfig of the shoot's API server.
	Kubeconfig string
	// Created is when the sandbox started creating the shoot, Ready when it was ready.
	Created, Ready time.Time

	sb          *Sandbox
	stopRuntime context.CancelFunc
	// fcmServing is set once the shoot's firewall-controller-manager serves its webhooks.
	fcmServing atomic.Bool
}

func (sb *Sandbox) newShoot(i int) *Shoot {
	name := sb.example.shoot.Name
	if sb.opts.Shoots > 1 {
		name = fmt.Sprintf("%s-%d", name, i+1)
	}
	project := strings.TrimPrefix(sb.example.shoot.Namespace, "garden-")
	return &Shoot{Name: name, Namespace: testenv.TechnicalID(project, name), sb: sb}
}

// UID is the shoot's UID, its cluster ID in the metal-api.
func (s *Shoot) UID() string { return string(s.Object.Status.UID) }

// CreateShoots creates every shoot as gardenlet would and waits until all are ready. The error names each shoot
// and resource that failed.
func (sb *Sandbox) CreateShoots(ctx context.Context) error {
	cloudProfile, err := sb.example.cloudProfileWithEndpoint(sb.endpoints.metalURL)
	if err != nil {
		return err
	}
	seed := testenv.NewSeed(seedName)
	seed.Spec.Provider.Region = sb.example.shoot.Spec.Region
	credentials := sb.example.credentials.DeepCopy()
	credentials.Data = sb.endpoints.metalSecret
	sb.garden = gardenReader{objects: []client.Object{cloudProfile, seed, credentials}}

	return sb.eachShoot(func(s *Shoot) error { return s.create(ctx, cloudProfile, seed, credentials) })
}

// DeleteShoots deletes every shoot as gardenlet would and waits until all are gone.
func (sb *Sandbox) DeleteShoots(ctx context.Context) error {
	return sb.eachShoot(func(s *Shoot) error {
		if s.Object == nil {
			return nil
		}
		return s.delete(ctx)
	})
}

func (sb *Sandbox) eachShoot(f func(*Shoot) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range sb.Shoots {
		wg.Go(func() {
			if err := f(s); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// create walks the shoot through the garden and the seed as Gardener does: the garden admission, then what gardenlet
// writes into the seed (namespace, Cluster, credentials, the shoot's control plane components that matter here:
// machine-controller-manager and gardener-resource-manager), the Infrastructure, then the ControlPlane with the
// Infrastructure's status, the Worker with the pools' user data, and the ontap Extension. It returns when all of them are ready.
func (s *Shoot) create(ctx context.Context, cloudProfile *gardencorev1beta1.CloudProfile, seed *gardencorev1beta1.Seed, credentials *corev1.Secret) error {
	sb, ex := s.sb, s.sb.example
	s.Created = time.Now()
	shoot := ex.shoot.DeepCopy()
	shoot.Name = s.Name
	shoot.UID = uuid.NewUUID()
	shoot.Spec.SeedName = new(seedName)
	shoot.Status = gardencorev1beta1.ShootStatus{TechnicalID: s.Namespace, UID: shoot.UID}
	// gardenlet advertises the shoot's API server once it is up: here it is the shoot's own API server, which
	// firewall-controller-manager hands to the firewall-controller.
	shoot.Status.AdvertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{{Name: v1beta1constants.AdvertisedAddressExternal, URL: apiServerURL(s.API.Config)}}
	if _, ok := shoot.Annotations[metalvalidation.TenantAnnotation]; !ok {
		// Whoever creates shoots on metal-stack names their tenant; the sandbox's project is the simulator tenant's.
		metav1.SetMetaDataAnnotation(&shoot.ObjectMeta, metalvalidation.TenantAnnotation, metalapi.DefaultTenantID)
	}
	if err := admit(ctx, sb.garden, ex, cloudProfile, shoot); err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}
	s.Object = shoot
	sb.progress.note(s.Namespace, "Shoot "+shoot.Name, "admitted by admission-metal ("+strings.Join(familyNames(shoot), ", ")+")")

	s.Kubeconfig = filepath.Join(sb.opts.Dir, s.Namespace+".kubeconfig")
	if err := writeKubeconfig(s.Kubeconfig, s.Namespace, s.API.KubeConfig); err != nil {
		return err
	}

	c := sb.Seed.Client
	if _, err := testenv.CreateShoot(ctx, c, shoot, cloudProfile, seed); err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}
	if err := c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.Namespace},
		Data:       credentials.Data,
	}); err != nil {
		return fmt.Errorf("%s: creating the cloudprovider secret: %w", s.Namespace, err)
	}

	// gardenlet's SSH key pair of the shoot: the Worker hands the public key to the machines and the firewall.
	sshPublicKey, err := createSSHKeypair(ctx, c, s.Namespace)
	if err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}

	// gardenlet's machine-controller-manager Deployment, which the provider's control-plane webhook mutates.
	if err := createMachineControllerManager(ctx, c, s.Namespace); err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}
	// gardenlet's Etcds of the shoot, which the provider's seed-provider webhook adapts to the seed's storage and
	// backup settings.
	if err := createEtcds(ctx, c, s.Namespace, string(shoot.Status.UID)); err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}

	runtimeCtx, stop := context.WithCancel(sb.ctx)
	s.stopRuntime = stop
	if err := startShootRuntime(runtimeCtx, sb.Seed.Config, s.API.Config, s.Namespace, ex, sb.machines, &s.fcmServing, sb.log.WithValues("shoot", s.Namespace), sb.fail); err != nil {
		return fmt.Errorf("%s: %w", s.Namespace, err)
	}

	// Infrastructure first: everything else needs the node network.
	infra := &extensionsv1alpha1.Infrastructure{
		ObjectMeta: s.objectMeta(shoot.Name),
		Spec: extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType, ProviderConfig: shoot.Spec.Provider.InfrastructureConfig},
			Region:      shoot.Spec.Region,
			SecretRef:   corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.Namespace},
		},
	}
	if err := s.createAndWait(ctx, infra, "Infrastructure "+infra.Name, s.lastOperation(infra, nil)); err != nil {
		return err
	}
	if err := sb.cache.GetClient().Get(ctx, client.ObjectKeyFromObject(infra), infra); err != nil {
		return err
	}
	// gardenlet reports the node network of the infrastructure in the shoot's status, which it hands on in the
	// Cluster.
	networking := &gardencorev1beta1.NetworkingStatus{}
	if infra.Status.Networking != nil {
		networking.Nodes = infra.Status.Networking.Nodes
	}
	if n := shoot.Spec.Networking; n != nil {
		networking.Pods, networking.Services = optional(n.Pods), optional(n.Services)
	}
	shoot.Status.Networking = networking
	if err := testenv.UpdateClusterShoot(ctx, c, shoot); err != nil {
		return fmt.Errorf("%s: updating the Cluster with the shoot's networks: %w", s.Namespace, err)
	}

	// The ControlPlane and the ontap Extension once the Infrastructure is ready, then the Worker once the
	// ControlPlane is ready, in the order of gardenlet's flow: firewall-controller-manager, which the ControlPlane
	// deploys, defaults and validates the Worker's FirewallDeployment through its webhooks.
	cp := &extensionsv1alpha1.ControlPlane{
		ObjectMeta: s.objectMeta(controlPlaneName),
		Spec: extensionsv1alpha1.ControlPlaneSpec{
			DefaultSpec:                  extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType, ProviderConfig: shoot.Spec.Provider.ControlPlaneConfig},
			Region:                       shoot.Spec.Region,
			SecretRef:                    corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.Namespace},
			InfrastructureProviderStatus: infra.Status.ProviderStatus,
		},
	}
	objects := []client.Object{cp}
	var ext *extensionsv1alpha1.Extension
	for _, e := range shoot.Spec.Extensions {
		if e.Type == ontapcontroller.Type && !ptr.Deref(e.Disabled, false) {
			ext = &extensionsv1alpha1.Extension{
				ObjectMeta: s.objectMeta(e.Type),
				Spec: extensionsv1alpha1.ExtensionSpec{
					DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: e.Type, ProviderConfig: e.ProviderConfig},
				},
			}
			objects = append(objects, ext)
		}
	}
	for _, obj := range objects {
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("%s: creating %T %s: %w", s.Namespace, obj, obj.GetName(), err)
		}
	}
	if err := sb.progress.wait(ctx, sb.remaining(s.Created),
		sb.progress.follow(s.Namespace, "ControlPlane "+cp.Name, s.lastOperation(cp, s.controlPlaneDetail())),
		sb.progress.follow(s.Namespace, "firewall-controller-manager", s.firewallControllerManager()),
	); err != nil {
		return err
	}

	pools := s.workerPools()
	objects = nil
	for _, p := range pools {
		objects = append(objects, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: p.UserDataSecretRef.Name, Namespace: s.Namespace},
			Data:       map[string][]byte{userDataKey: []byte("#cloud-config\n# user data of pool " + p.Name + " (gardener-node-agent in a real shoot)\n")},
		})
	}
	w := &extensionsv1alpha1.Worker{
		ObjectMeta: s.objectMeta(shoot.Name),
		Spec: extensionsv1alpha1.WorkerSpec{
			DefaultSpec:                  extensionsv1alpha1.DefaultSpec{Type: metal.ProviderType},
			InfrastructureProviderStatus: infra.Status.ProviderStatus,
			Region:                       shoot.Spec.Region,
			SecretRef:                    corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.Namespace},
			Pools:                        pools,
			SSHPublicKey:                 sshPublicKey,
		},
	}
	objects = append(objects, w)
	for _, obj := range objects {
		if err := c.Create(ctx, obj); err != nil {
			return fmt.Errorf("%s: creating %T %s: %w", s.Namespace, obj, obj.GetName(), err)
		}
	}
	rows := []*row{
		sb.progress.follow(s.Namespace, "ManagedResource "+genericactuator.ControlPlaneShootChartResourceName, s.managedResource(genericactuator.ControlPlaneShootChartResourceName, "the ControlPlane")),
		sb.progress.follow(s.Namespace, "Worker "+w.Name, s.lastOperation(w, s.machinesDetail(pools))),
		sb.progress.follow(s.Namespace, "FirewallDeployment "+worker.FirewallDeploymentName, s.firewallDeployment()),
	}
	if ext != nil {
		rows = append(rows, sb.progress.follow(s.Namespace, "Extension "+ext.Name, s.lastOperation(ext, nil)))
		for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
			rows = append(rows, sb.progress.follow(s.Namespace, "ManagedResource "+name, s.managedResource(name, "the ontap extension")))
		}
	}
	if err := sb.progress.wait(ctx, sb.remaining(s.Created), rows...); err != nil {
		return err
	}
	s.Ready = time.Now()
	return nil
}

// createSSHKeypair creates the shoot's SSH key pair Secret as gardenlet does (Secret ssh-keypair with id_rsa and
// id_rsa.pub; an ed25519 key here, which is quick to generate) and returns the public key in authorized_keys form.
func createSSHKeypair(ctx context.Context, c client.Client, namespace string) ([]byte, error) {
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating the SSH key pair: %w", err)
	}
	sshPublic, err := ssh.NewPublicKey(public)
	if err != nil {
		return nil, fmt.Errorf("encoding the SSH public key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(private, "sandbox "+namespace)
	if err != nil {
		return nil, fmt.Errorf("encoding the SSH private key: %w", err)
	}
	authorized := ssh.MarshalAuthorizedKey(sshPublic)
	if err := c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameSSHKeyPair, Namespace: namespace},
		Data:       map[string][]byte{"id_rsa": pem.EncodeToMemory(block), "id_rsa.pub": authorized},
	}); err != nil {
		return nil, fmt.Errorf("creating the SSH key pair secret: %w", err)
	}
	return authorized, nil
}

// remaining is what is left of the timeout since start.
func (sb *Sandbox) remaining(start time.Time) time.Duration {
	return max(time.Until(start.Add(sb.opts.Timeout)), time.Second)
}

// objectMeta is the metadata gardenlet gives an extension object it creates: the operation annotation makes the
// extension's controller act.
func (s *Shoot) objectMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Name:      name,
		Namespace: s.Namespace,
		Annotations: map[string]string{
			v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile,
			v1beta1constants.GardenerTimestamp: time.Now().UTC().Format(time.RFC3339Nano),
		},
	}
}

// createAndWait creates an object, follows it and waits until the probe says it is done.
func (s *Shoot) createAndWait(ctx context.Context, obj client.Object, name string, pr probe) error {
	if err := s.sb.Seed.Client.Create(ctx, obj); err != nil {
		return fmt.Errorf("%s: creating %s: %w", s.Namespace, name, err)
	}
	return s.sb.progress.wait(ctx, s.sb.remaining(s.Created), s.sb.progress.follow(s.Namespace, name, pr))
}

// workerPools are the shoot's worker pools as gardenlet hands them to the Worker.
func (s *Shoot) workerPools() []extensionsv1alpha1.WorkerPool {
	shoot := s.Object
	var pools []extensionsv1alpha1.WorkerPool
	for _, w := range shoot.Spec.Provider.Workers {
		pool := extensionsv1alpha1.WorkerPool{
			Name:           w.Name,
			MachineType:    w.Machine.Type,
			Architecture:   w.Machine.Architecture,
			Minimum:        w.Minimum,
			Maximum:        w.Maximum,
			MaxSurge:       ptr.Deref(w.MaxSurge, intstr.FromInt32(1)),
			MaxUnavailable: ptr.Deref(w.MaxUnavailable, intstr.FromInt32(0)),
			Labels:         w.Labels,
			Annotations:    w.Annotations,
			Taints:         w.Taints,
			ProviderConfig: w.ProviderConfig,
			Zones:          w.Zones,
			UserDataSecretRef: corev1.SecretKeySelector{
				LocalObjectReference: corev1.LocalObjectReference{Name: "worker-" + w.Name + "-user-data"},
				Key:                  userDataKey,
			},
			KubernetesVersion: new(shoot.Spec.Kubernetes.Version),
			Priority:          w.Priority,
		}
		if img := w.Machine.Image; img != nil {
			pool.MachineImage = extensionsv1alpha1.MachineImage{Name: img.Name, Version: ptr.Deref(img.Version, "")}
		}
		pools = append(pools, pool)
	}
	return pools
}

// delete deletes the shoot's extension objects in gardenlet's order and waits for each to be gone: the ontap
// Extension (Trident leaves the shoot while its nodes still exist), the Worker (machines, FirewallDeployment), the
// ControlPlane (cloud-controller-manager, firewall-controller-manager, the shoot's firewall policies), the
// Infrastructure (node network, egress IPs), and gardenlet's Etcds of the shoot (etcd-main, etcd-events); then the
// Cluster, and the shoot's control plane components stop. The namespace stays: the seed has no namespace
// controller that could finish its deletion, so whatever gardenlet wrote into it that must not outlive the shoot
// is deleted here one by one.
func (s *Shoot) delete(ctx context.Context) error {
	start := time.Now()
	objects := []client.Object{
		&extensionsv1alpha1.Extension{ObjectMeta: metav1.ObjectMeta{Name: ontapcontroller.Type, Namespace: s.Namespace}},
		&extensionsv1alpha1.Worker{ObjectMeta: metav1.ObjectMeta{Name: s.Object.Name, Namespace: s.Namespace}},
		&extensionsv1alpha1.ControlPlane{ObjectMeta: metav1.ObjectMeta{Name: controlPlaneName, Namespace: s.Namespace}},
		&extensionsv1alpha1.Infrastructure{ObjectMeta: metav1.ObjectMeta{Name: s.Object.Name, Namespace: s.Namespace}},
	}
	for _, name := range etcdNames {
		objects = append(objects, &druidcorev1alpha1.Etcd{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: s.Namespace}})
	}
	for _, obj := range objects {
		if err := s.sb.Seed.Client.Delete(ctx, obj); err != nil {
			if apierrors.IsNotFound(err) {
				continue
			}
			return fmt.Errorf("%s: deleting %T %s: %w", s.Namespace, obj, obj.GetName(), err)
		}
		r := s.sb.progress.follow(s.Namespace, "delete "+kindOf(obj)+" "+obj.GetName(), s.gone(obj))
		if err := s.sb.progress.wait(ctx, s.sb.remaining(start), r); err != nil {
			return err
		}
	}
	if err := client.IgnoreNotFound(s.sb.Seed.Client.Delete(ctx, &extensionsv1alpha1.Cluster{ObjectMeta: metav1.ObjectMeta{Name: s.Namespace}})); err != nil {
		return fmt.Errorf("%s: deleting the Cluster: %w", s.Namespace, err)
	}
	if s.stopRuntime != nil {
		s.stopRuntime()
	}
	return nil
}

// lastOperation probes an extension object as gardenlet waits for it: the operation annotation is gone, the
// current generation was observed and the last operation succeeded. A configuration problem cannot heal by itself
// and ends the wait. detail adds to the state, e.g. the machines of a Worker.
func (s *Shoot) lastOperation(obj extensionsv1alpha1.Object, detail func(context.Context) string) probe {
	key := client.ObjectKeyFromObject(obj)
	return func(ctx context.Context) status {
		o := obj.DeepCopyObject().(extensionsv1alpha1.Object)
		if err := s.sb.cache.GetClient().Get(ctx, key, o); err != nil {
			return status{text: "not found yet: " + err.Error()}
		}
		st := o.GetExtensionStatus()
		text := "waiting for its controller"
		lo := st.GetLastOperation()
		if lo != nil {
			text = fmt.Sprintf("%s %s", lo.Type, lo.State)
			if lo.State == gardencorev1beta1.LastOperationStateProcessing {
				text += fmt.Sprintf(" %d%%", lo.Progress)
			}
		}
		var failed error
		if le := st.GetLastError(); le != nil {
			text += ": " + firstLine(le.Description)
			for _, code := range le.Codes {
				if code == gardencorev1beta1.ErrorConfigurationProblem {
					failed = fmt.Errorf("configuration problem: %s", firstLine(le.Description))
				}
			}
		}
		if detail != nil {
			if d := detail(ctx); d != "" {
				text += " · " + d
			}
		}
		_, annotated := o.GetAnnotations()[v1beta1constants.GardenerOperation]
		done := lo != nil && lo.State == gardencorev1beta1.LastOperationStateSucceeded && st.GetLastError() == nil &&
			!annotated && st.GetObservedGeneration() == o.GetGeneration()
		return status{text: text, done: done, failed: failed}
	}
}

// machinesDetail counts the Machines of the shoot by phase against the pools' minimum.
func (s *Shoot) machinesDetail(pools []extensionsv1alpha1.WorkerPool) func(context.Context) string {
	var want int32
	for _, p := range pools {
		want += p.Minimum
	}
	return func(ctx context.Context) string {
		list := &machinev1alpha1.MachineList{}
		if err := s.sb.cache.GetClient().List(ctx, list, client.InNamespace(s.Namespace)); err != nil {
			return ""
		}
		running := 0
		for _, m := range list.Items {
			if m.Status.CurrentStatus.Phase == machinev1alpha1.MachineRunning {
				running++
			}
		}
		return fmt.Sprintf("machines %d/%d running", running, want)
	}
}

// firewallDeployment probes the shoot's FirewallDeployment, which the Worker controller writes for
// firewall-controller-manager: done when FCM reports every replica ready (the firewall machine allocated, phoned
// home, and its controller connected to shoot and seed).
func (s *Shoot) firewallDeployment() probe {
	key := client.ObjectKey{Namespace: s.Namespace, Name: worker.FirewallDeploymentName}
	return func(ctx context.Context) status {
		c := s.sb.cache.GetClient()
		fw := &fcmv2.FirewallDeployment{}
		if err := c.Get(ctx, key, fw); err != nil {
			return status{text: "waiting for the Worker controller"}
		}
		t := fw.Spec.Template.Spec
		text := fmt.Sprintf("%d/%d ready, %s, %s", fw.Status.ReadyReplicas, fw.Spec.Replicas, t.Size, t.Image)
		firewalls := &fcmv2.FirewallList{}
		if err := c.List(ctx, firewalls, client.InNamespace(s.Namespace)); err == nil {
			for _, f := range firewalls.Items {
				text += " · " + f.Name
				if ms := f.Status.MachineStatus; ms != nil {
					text += " machine " + ms.MachineID
				}
				if f.Status.Phase != "" {
					text += " " + string(f.Status.Phase)
				}
			}
		}
		done := fw.Generation > 0 && fw.Status.TargetReplicas == fw.Spec.Replicas && fw.Status.ReadyReplicas >= fw.Spec.Replicas
		return status{text: text, done: done}
	}
}

// firewallControllerManager probes the shoot's firewall-controller-manager: done when it runs and serves its
// webhooks, and the webhook configurations the ControlPlane registered for it (through the seed's resource manager)
// reach it, so that it defaults and validates the firewall objects from the start.
func (s *Shoot) firewallControllerManager() probe {
	applied := s.managedResource(genericactuator.ControlPlaneSeedChartResourceName, "the ControlPlane")
	return func(ctx context.Context) status {
		if !s.fcmServing.Load() {
			return status{text: "waiting for the ControlPlane's Deployment"}
		}
		if st := applied(ctx); !st.done {
			return status{text: "ManagedResource " + genericactuator.ControlPlaneSeedChartResourceName + ": " + st.text}
		}
		service := client.ObjectKey{Namespace: s.Namespace, Name: worker.FirewallControllerManagerDeploymentName}
		routed, pending, err := webhooksOf(ctx, s.sb.Seed.Client, service)
		if err != nil {
			return status{text: err.Error()}
		}
		if pending > 0 {
			return status{text: fmt.Sprintf("routing %d webhooks of its Service to it", pending)}
		}
		return status{text: fmt.Sprintf("running, serving %d webhooks", routed), done: true}
	}
}

// managedResource probes a ManagedResource of the shoot: done when gardener-resource-manager applied its objects
// to the shoot's API server.
func (s *Shoot) managedResource(name, owner string) probe {
	key := client.ObjectKey{Namespace: s.Namespace, Name: name}
	return func(ctx context.Context) status {
		mr := &resourcesv1alpha1.ManagedResource{}
		if err := s.sb.cache.GetClient().Get(ctx, key, mr); err != nil {
			return status{text: "waiting for " + owner}
		}
		for _, c := range mr.Status.Conditions {
			if c.Type != resourcesv1alpha1.ResourcesApplied {
				continue
			}
			if c.Status == gardencorev1beta1.ConditionTrue && mr.Status.ObservedGeneration == mr.Generation {
				return status{text: fmt.Sprintf("applied %d objects to the shoot", len(mr.Status.Resources)), done: true}
			}
			return status{text: fmt.Sprintf("%s: %s", c.Reason, firstLine(c.Message))}
		}
		return status{text: "waiting for gardener-resource-manager"}
	}
}

// gone probes an object that is being deleted.
func (s *Shoot) gone(obj client.Object) probe {
	key := client.ObjectKeyFromObject(obj)
	lastOp := func(context.Context) status { return status{text: "deleting"} }
	if eo, ok := obj.(extensionsv1alpha1.Object); ok {
		lastOp = s.lastOperation(eo, nil)
	}
	return func(ctx context.Context) status {
		o := obj.DeepCopyObject().(client.Object)
		if err := s.sb.Seed.Client.Get(ctx, key, o); apierrors.IsNotFound(err) {
			return status{text: "deleted", done: true}
		}
		st := lastOp(ctx)
		return status{text: st.text}
	}
}

// apiServerURL is the https URL of an API server.
func apiServerURL(cfg *rest.Config) string {
	if strings.Contains(cfg.Host, "://") {
		return cfg.Host
	}
	return "https://" + cfg.Host
}

func kindOf(obj client.Object) string {
	t := fmt.Sprintf("%T", obj)
	return t[strings.LastIndex(t, ".")+1:]
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	const limit = 160
	if len(s) > limit {
		s = s[:limit] + "…"
	}
	return s
}

func optional(s *string) []string {
	if s == nil {
		return nil
	}
	return []string{*s}
}

func familyNames(shoot *gardencorev1beta1.Shoot) []string {
	if shoot.Spec.Networking == nil || len(shoot.Spec.Networking.IPFamilies) == 0 {
		return []string{string(gardencorev1beta1.IPFamilyIPv4)}
	}
	var out []string
	for _, f := range shoot.Spec.Networking.IPFamilies {
		out = append(out, string(f))
	}
	return out
}

// controlPlaneDetail tells which of the ControlPlane's Deployments are in the seed namespace (the seed has no
// kubelet: they never become available).
func (s *Shoot) controlPlaneDetail() func(context.Context) string {
	return func(ctx context.Context) string {
		var names []string
		for _, name := range controlPlaneDeployments {
			if err := s.sb.cache.GetClient().Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: name}, &appsv1.Deployment{}); err == nil {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			return ""
		}
		return "in the seed: " + strings.Join(names, ", ")
	}
}
