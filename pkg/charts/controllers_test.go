// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/mcm/mcmtest"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// The real controllers of the extensions run under the charts' ServiceAccounts against in-process stand-ins of
// what cannot run here: the metal-api, an ONTAP cluster and machine-controller-manager.
var (
	metalSim *metalapi.Server
	ontapSim *ontapapi.Server
)

const (
	// ontapClusterName is the ONTAP cluster of minimalOntap's values.
	ontapClusterName = "cluster-a"
	// poolName is the one worker pool of the shoot.
	poolName = "pool-a"
	// userDataSecret holds the pool's user data, as the OperatingSystemConfig controller writes it.
	userDataSecret = "osc-" + poolName
)

// startSimulators starts the metal-api and ONTAP simulators until the container ends.
func startSimulators(ctx context.Context) {
	GinkgoHelper()
	simCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var err error
	metalSim, err = metalapi.Start(simCtx, metalapi.DefaultConfig())
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		cancel()
		Expect(metalSim.Close()).To(Succeed())
	})
	seed := ontapapi.DefaultSeed()
	seed.ClusterName = ontapClusterName
	ontapSim, err = ontapapi.Start(simCtx, ontapapi.Config{Seed: &seed})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(ontapSim.Close)
}

// controllerShoot is a shoot as gardenlet writes it into the seed for the extensions.
type controllerShoot struct {
	namespace   string
	shoot       *gardencorev1beta1.Shoot
	infraConfig metalv1alpha1.InfrastructureConfig
}

// identity is the shoot's identity in the metal-api.
func (s *controllerShoot) identity() metal.Cluster {
	return metal.ClusterFor(s.shoot, s.infraConfig.ProjectID, s.infraConfig.PartitionID)
}

func mustJSON(v any) []byte {
	GinkgoHelper()
	data, err := json.Marshal(v)
	Expect(err).NotTo(HaveOccurred())
	return data
}

// createShoot writes the shoot namespace, its Cluster and cloudprovider secret, as gardenlet does: a shoot in
// the simulated metal-api's default partition and project, with the ontap extension enabled.
func createShoot(ctx context.Context) *controllerShoot {
	GinkgoHelper()
	s := &controllerShoot{infraConfig: metalv1alpha1.InfrastructureConfig{
		TypeMeta:    metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "InfrastructureConfig"},
		PartitionID: metalapi.DefaultPartitionID,
		ProjectID:   metalapi.DefaultProjectID,
		Firewall: metalv1alpha1.Firewall{
			Size:              metalapi.FirewallSizeID,
			Image:             metalapi.FirewallImageID,
			Networks:          []string{metalapi.InternetNetworkID},
			ControllerVersion: "auto",
		},
	}}
	cloudProfileConfig := metalv1alpha1.CloudProfileConfig{
		TypeMeta: metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "CloudProfileConfig"},
		MetalControlPlanes: map[string]metalv1alpha1.MetalControlPlane{"simulator": {
			Endpoint:       metalSim.URL(),
			Partitions:     map[string]metalv1alpha1.Partition{metalapi.DefaultPartitionID: {FirewallTypes: []string{metalapi.FirewallSizeID}}},
			FirewallImages: []string{metalapi.FirewallImageID},
			FirewallControllerVersions: []metalv1alpha1.FirewallControllerVersion{{
				Version: "v2.10.0", URL: "https://images.example.com/fwc/v2.10.0", Classification: new(metalv1alpha1.VersionClassification("supported")),
			}},
		}},
	}
	s.shoot = testenv.NewShoot(testenv.ShootSpec{
		Project: "dev", Name: "rbac", InfrastructureConfig: mustJSON(s.infraConfig),
		Extensions: []gardencorev1beta1.Extension{{Type: "ontap"}},
	})
	// gardenlet advertises the shoot's API server; firewall-controller-manager hands it to the firewalls.
	s.shoot.Status.AdvertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{{Name: v1beta1constants.AdvertisedAddressExternal, URL: "https://api.rbac.dev.shoots.example.com"}}
	cloudProfile := testenv.NewCloudProfile(mustJSON(cloudProfileConfig), gardencorev1beta1.CloudProfileSpec{
		Regions: []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: metalapi.DefaultPartitionID}}}},
		MachineImages: []gardencorev1beta1.MachineImage{{Name: "ubuntu", Versions: []gardencorev1beta1.MachineImageVersion{
			{ExpirableVersion: gardencorev1beta1.ExpirableVersion{Version: "24.04"}},
		}}},
		MachineTypes: []gardencorev1beta1.MachineType{{Name: metalapi.SmallMachineSizeID}},
	})
	var err error
	s.namespace, err = testenv.CreateShoot(ctx, env.Client, s.shoot, cloudProfile, defaultSeed())
	Expect(err).NotTo(HaveOccurred())
	Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.namespace},
		Data:       map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)},
	})).To(Succeed())
	return s
}

// infrastructure is the shoot's Infrastructure as gardenlet writes it.
func (s *controllerShoot) infrastructure() *extensionsv1alpha1.Infrastructure {
	return &extensionsv1alpha1.Infrastructure{
		ObjectMeta: metav1.ObjectMeta{Name: s.shoot.Name, Namespace: s.namespace},
		Spec: extensionsv1alpha1.InfrastructureSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType, ProviderConfig: &runtime.RawExtension{Raw: mustJSON(s.infraConfig)}},
			Region:      s.shoot.Spec.Region,
			SecretRef:   corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.namespace},
		},
	}
}

// worker is the shoot's Worker as gardenlet writes it once the Infrastructure reported its status: one pool in
// the default partition, scaled to zero: a machine would add only the patch that marks it for deletion to the extension's
// requests, but half a minute of machine-controller-manager's fixed retry periods (drain, termination) to the
// deletion.
func (s *controllerShoot) worker(infra *extensionsv1alpha1.Infrastructure) *extensionsv1alpha1.Worker {
	return &extensionsv1alpha1.Worker{
		ObjectMeta: metav1.ObjectMeta{Name: s.shoot.Name, Namespace: s.namespace},
		Spec: extensionsv1alpha1.WorkerSpec{
			DefaultSpec:                  extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType},
			InfrastructureProviderStatus: infra.Status.ProviderStatus,
			Region:                       s.shoot.Spec.Region,
			SecretRef:                    corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.namespace},
			Pools: []extensionsv1alpha1.WorkerPool{{
				Name: poolName, MachineType: metalapi.SmallMachineSizeID, Minimum: 0, Maximum: 0,
				MaxSurge: intstr.FromInt32(1), MaxUnavailable: intstr.FromInt32(0),
				MachineImage:      extensionsv1alpha1.MachineImage{Name: "ubuntu", Version: "24.04"},
				UserDataSecretRef: corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: userDataSecret}, Key: "cloud_config"},
				Zones:             []string{metalapi.DefaultPartitionID},
			}},
		},
	}
}

// controlPlaneManagedResources are the ManagedResources the ControlPlane controller writes: the seed chart
// (cloud-controller-manager, firewall-controller-manager), the shoot chart and the storage classes.
var controlPlaneManagedResources = []string{
	genericactuator.ControlPlaneSeedChartResourceName,
	genericactuator.ControlPlaneShootChartResourceName,
	genericactuator.StorageClassesChartResourceName,
}

// controlPlaneShootAccessSecrets are the shoot access secrets of the seed chart's components.
var controlPlaneShootAccessSecrets = []string{"shoot-access-cloud-controller-manager", "shoot-access-firewall-controller-manager"}

// controlPlane is the shoot's ControlPlane as gardenlet writes it once the Infrastructure reported its status.
func (s *controllerShoot) controlPlane(infra *extensionsv1alpha1.Infrastructure) *extensionsv1alpha1.ControlPlane {
	return &extensionsv1alpha1.ControlPlane{
		ObjectMeta: metav1.ObjectMeta{Name: s.shoot.Name, Namespace: s.namespace},
		Spec: extensionsv1alpha1.ControlPlaneSpec{
			DefaultSpec:                  extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType},
			InfrastructureProviderStatus: infra.Status.ProviderStatus,
			Region:                       s.shoot.Spec.Region,
			SecretRef:                    corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: s.namespace},
		},
	}
}

// runMachineControllerManager writes the pool's user data and runs machine-controller-manager with the metal
// driver for the shoot namespace until the spec ends. It acts with the test's own identity: it is not part of
// the extension.
func (s *controllerShoot) runMachineControllerManager(ctx context.Context) {
	GinkgoHelper()
	Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: userDataSecret, Namespace: s.namespace},
		Data:       map[string][]byte{"cloud_config": []byte("#cloud-config\n")},
	})).To(Succeed())
	mcmCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	DeferCleanup(stop)
	Expect(mcmtest.Start(mcmCtx, mcmtest.Options{
		Namespace: s.namespace,
		Driver:    mcm.NewDriver(metal.NewClientCache(metal.ClientConfig{RequestTimeout: 10 * time.Second, QPS: 1000, Burst: 1000}), GinkgoLogr),
		Config:    env.Config,
	})).To(Succeed())
}

// createOntapAdminSecret writes the ONTAP simulator's administrator credentials where the chart's configuration
// (minimalOntap) points.
func createOntapAdminSecret(ctx context.Context) {
	GinkgoHelper()
	ensureNamespace(ctx, ontapAdminNamespace)
	user, password := ontapSim.AdminCredentials()
	Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: ontapAdminSecret, Namespace: ontapAdminNamespace},
		Data: map[string][]byte{
			ontap.SecretKeyAddress:  []byte(ontapSim.Address()),
			ontap.SecretKeyUsername: []byte(user),
			ontap.SecretKeyPassword: []byte(password),
			ontap.SecretKeyCABundle: ontapSim.CACert(),
		},
	})).To(Succeed())
}

// workerScheme is a scheme of its own for the manager of the Worker controller, which adds types to it.
func workerScheme() *runtime.Scheme {
	GinkgoHelper()
	scheme, err := testenv.NewScheme()
	Expect(err).NotTo(HaveOccurred())
	Expect(extensionscontroller.AddToScheme(scheme)).To(Succeed())
	return scheme
}

// expectSucceeded waits until the last operation of an extension object succeeded.
func expectSucceeded(ctx context.Context, obj extensionsv1alpha1.Object, timeout time.Duration) {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)).To(Succeed())
		status := obj.GetExtensionStatus()
		g.Expect(status.GetLastOperation()).To(HaveValue(HaveField("State", gardencorev1beta1.LastOperationStateSucceeded)), "last error: %+v", status.GetLastError())
		g.Expect(obj.GetAnnotations()).NotTo(HaveKey(v1beta1constants.GardenerOperation))
	}).WithContext(ctx).WithTimeout(timeout).Should(Succeed())
}

// expectDeleted deletes an extension object and waits until its controller released it.
func expectDeleted(ctx context.Context, obj extensionsv1alpha1.Object, timeout time.Duration) {
	GinkgoHelper()
	Expect(env.Client.Delete(ctx, obj)).To(Succeed())
	Eventually(func(g Gomega) {
		err := env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj)
		var lastError *gardencorev1beta1.LastError
		if err == nil {
			lastError = obj.GetExtensionStatus().GetLastError()
		}
		g.Expect(err).To(Satisfy(apierrors.IsNotFound), "last error: %+v", lastError)
	}).WithContext(ctx).WithTimeout(timeout).Should(Succeed(), "the controller removes its finalizer")
}

// requestLog records the API requests a binary makes, as the access they need.
type requestLog struct {
	mu       sync.Mutex
	requests map[access]struct{}
}

// recording returns cfg that records every API request into the returned log.
func recording(cfg *rest.Config) (*rest.Config, *requestLog) {
	log := &requestLog{requests: map[access]struct{}{}}
	cfg = rest.CopyConfig(cfg)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripperFunc(func(req *http.Request) (*http.Response, error) {
			if a, ok := requestAccess(req); ok {
				log.mu.Lock()
				log.requests[a] = struct{}{}
				log.mu.Unlock()
			}
			return rt.RoundTrip(req)
		})
	})
	return cfg, log
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(req *http.Request) (*http.Response, error) { return f(req) }

// requestAccess is the access a resource request needs, as the API server's authorizer sees it.
func requestAccess(req *http.Request) (access, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var a access
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		a.group, parts = parts[1], parts[3:]
	default:
		return a, false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		a.namespace, parts = parts[1], parts[2:]
	}
	a.resource = parts[0]
	if len(parts) > 1 {
		a.name = parts[1]
	}
	if len(parts) > 2 {
		a.resource += "/" + parts[2]
	}
	switch req.Method {
	case http.MethodGet:
		switch {
		case req.URL.Query().Get("watch") == "true":
			a.verbs = "watch"
		case a.name != "":
			a.verbs = "get"
		default:
			a.verbs = "list"
		}
	case http.MethodPost:
		a.verbs = "create"
	case http.MethodPut:
		a.verbs = "update"
	case http.MethodPatch:
		a.verbs = "patch"
	case http.MethodDelete:
		a.verbs = "delete"
		if a.name == "" {
			a.verbs = "deletecollection"
		}
	default:
		return a, false
	}
	return a, true
}

// expectCoveredBy fails unless every recorded request is one of the allowed ones: the access lists of
// rbacCases name everything the real controllers do.
func (l *requestLog) expectCoveredBy(allowed []access) {
	GinkgoHelper()
	l.mu.Lock()
	defer l.mu.Unlock()
	Expect(l.requests).NotTo(BeEmpty())
	var uncovered []string
	for r := range l.requests {
		if !slices.ContainsFunc(allowed, func(a access) bool {
			return slices.Contains(strings.Fields(a.verbs), r.verbs) && a.group == r.group && a.resource == r.resource &&
				(a.namespace == "" || a.namespace == r.namespace) && (a.name == "" || a.name == r.name)
		}) {
			uncovered = append(uncovered, fmt.Sprintf("%+v", r))
		}
	}
	slices.Sort(uncovered)
	Expect(uncovered).To(BeEmpty(), "requests of the controllers that the allowed list of rbacCases lacks")
}

// allowedFor returns the allowed requests of the rbacCase of a service account.
func allowedFor(serviceAccount string) []access {
	GinkgoHelper()
	for _, rc := range rbacCases() {
		if rc.serviceAccount == serviceAccount {
			return rc.allowed
		}
	}
	Fail("no rbacCase for " + serviceAccount)
	return nil
}
