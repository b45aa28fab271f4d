// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/managedresources"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var (
	familiesDual = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6}
	familiesV4   = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	familiesV6   = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv6}

	hmacCredentials  = map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)}
	tokenCredentials = map[string][]byte{metal.SecretKeyAPIKey: []byte(metalapi.DefaultToken)}
)

// fixture is a shoot with its configs as gardenlet hands them to the ControlPlane controller.
type fixture struct {
	project, name string
	families      []gardencorev1beta1.IPFamily
	nodePrefixes  []string
	controlPlane  metalv1alpha1.ControlPlaneConfig
	credentials   map[string][]byte
	hibernated    bool
	// networkingType replaces the shoot's networking type (calico) when set.
	networkingType string
	// seed is the Seed of the shoot, testenv.NewSeed("seed") unless set.
	seed *gardencorev1beta1.Seed
	// advertisedAddresses replace the shoot's external address (shootAPIServerURL) when set.
	advertisedAddresses []gardencorev1beta1.ShootAdvertisedAddress
}

func newFixture(name string, families []gardencorev1beta1.IPFamily) *fixture {
	f := &fixture{project: "cp", name: name, families: families, credentials: hmacCredentials}
	for _, fam := range families {
		if fam == gardencorev1beta1.IPFamilyIPv4 {
			f.nodePrefixes = append(f.nodePrefixes, "10.0.4.0/22")
		} else {
			f.nodePrefixes = append(f.nodePrefixes, "2001:db8:0:10::1:0/112")
		}
	}
	return f
}

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: kind}
}

func rawOf(obj any) *runtime.RawExtension {
	GinkgoHelper()
	data, err := json.Marshal(obj)
	Expect(err).NotTo(HaveOccurred())
	return &runtime.RawExtension{Raw: data}
}

// isolation is the partition's network isolation: DNS servers of both families, NTP servers of IPv4 only.
var isolation = &metalv1alpha1.NetworkIsolation{
	AllowedNetworks: metalv1alpha1.AllowedNetworks{Ingress: []string{"100.64.0.0/10"}, Egress: []string{"100.64.0.0/10", "2001:db8:2::/48"}},
	DNSServers:      []string{"100.64.0.53", "2001:db8:2::53"},
	NTPServers:      []string{"100.64.0.123", "ntp.example.com"},
	RegistryMirrors: []metalv1alpha1.RegistryMirror{{Name: "Mirror", Endpoint: "https://registry.example.com", IP: "100.64.0.80", Port: 443, MirrorOf: []string{"docker.io"}}},
}

var infraConfig = metalv1alpha1.InfrastructureConfig{
	TypeMeta:    typeMeta("InfrastructureConfig"),
	PartitionID: metalapi.DefaultPartitionID,
	ProjectID:   metalapi.DefaultProjectID,
	Firewall: metalv1alpha1.Firewall{
		Size: metalapi.FirewallSizeID, Image: metalapi.FirewallImageID, ControllerVersion: "auto",
		Networks: []string{metalapi.InternetNetworkID, metalapi.StorageNetworkID},
	},
}

// create writes the shoot namespace, Cluster, cloudprovider secret and ControlPlane, as gardenlet does.
func (f *fixture) create(ctx context.Context) (string, *extensionsv1alpha1.ControlPlane) {
	GinkgoHelper()
	f.controlPlane.TypeMeta = typeMeta("ControlPlaneConfig")
	infra, err := json.Marshal(infraConfig)
	Expect(err).NotTo(HaveOccurred())
	cpConfig, err := json.Marshal(f.controlPlane)
	Expect(err).NotTo(HaveOccurred())
	shoot := testenv.NewShoot(testenv.ShootSpec{
		Project: f.project, Name: f.name, IPFamilies: f.families, Hibernated: f.hibernated,
		InfrastructureConfig: infra, ControlPlaneConfig: cpConfig,
	})
	if f.networkingType != "" {
		shoot.Spec.Networking.Type = new(f.networkingType)
	}
	shoot.Spec.Networking.Pods = new("100.96.0.0/11")
	shoot.Status.Networking = &gardencorev1beta1.NetworkingStatus{Pods: []string{"100.96.0.0/11"}, Nodes: f.nodePrefixes}
	shoot.Status.AdvertisedAddresses = []gardencorev1beta1.ShootAdvertisedAddress{{Name: v1beta1constants.AdvertisedAddressExternal, URL: shootAPIServerURL(f)}}
	if f.advertisedAddresses != nil {
		shoot.Status.AdvertisedAddresses = f.advertisedAddresses
	}
	cloudProfileConfig, err := json.Marshal(metalv1alpha1.CloudProfileConfig{
		TypeMeta: typeMeta("CloudProfileConfig"),
		MetalControlPlanes: map[string]metalv1alpha1.MetalControlPlane{"sim": {
			Endpoint:         sim.URL(),
			Partitions:       map[string]metalv1alpha1.Partition{metalapi.DefaultPartitionID: {FirewallTypes: []string{metalapi.FirewallSizeID}}},
			NetworkIsolation: isolation,
		}},
	})
	Expect(err).NotTo(HaveOccurred())
	cloudProfile := testenv.NewCloudProfile(cloudProfileConfig, gardencorev1beta1.CloudProfileSpec{
		Regions: []gardencorev1beta1.Region{{Name: "local", Zones: []gardencorev1beta1.AvailabilityZone{{Name: metalapi.DefaultPartitionID}}}},
	})
	seed := f.seed
	if seed == nil {
		seed = testenv.NewSeed("seed")
	}
	namespace, err := testenv.CreateShoot(ctx, env.Client, shoot, cloudProfile, seed)
	Expect(err).NotTo(HaveOccurred())
	Expect(env.Client.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameCloudProvider, Namespace: namespace},
		Data:       f.credentials,
	})).To(Succeed())

	// The controller's predicates read the Cluster from the manager's cache: wait until it has the shoot's
	// objects, as they would be in a real seed long before the ControlPlane.
	Eventually(func(g Gomega) {
		g.Expect(mgr.GetClient().Get(ctx, client.ObjectKey{Name: namespace}, &extensionsv1alpha1.Cluster{})).To(Succeed())
		g.Expect(mgr.GetClient().Get(ctx, client.ObjectKey{Namespace: namespace, Name: v1beta1constants.SecretNameCloudProvider}, &corev1.Secret{})).To(Succeed())
	}).WithTimeout(10 * time.Second).Should(Succeed())

	cp := &extensionsv1alpha1.ControlPlane{
		ObjectMeta: metav1.ObjectMeta{
			Name: "control-plane", Namespace: namespace,
			Annotations: map[string]string{v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile},
		},
		Spec: extensionsv1alpha1.ControlPlaneSpec{
			DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: testenv.ProviderType, ProviderConfig: rawOf(f.controlPlane)},
			Region:      "local",
			SecretRef:   corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: namespace},
			InfrastructureProviderStatus: rawOf(metalv1alpha1.InfrastructureStatus{
				TypeMeta:    typeMeta("InfrastructureStatus"),
				NodeNetwork: &metalv1alpha1.NodeNetworkStatus{ID: "node-network-" + f.name, Prefixes: f.nodePrefixes},
			}),
		},
	}
	Expect(env.Client.Create(ctx, cp)).To(Succeed())
	DeferCleanup(func(ctx context.Context) {
		Expect(env.Client.Delete(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})).To(Succeed())
	})
	return namespace, cp
}

// reconciled waits until the operation annotation is gone and the last operation succeeded.
func reconciled(ctx context.Context, namespace string, after time.Time) *extensionsv1alpha1.ControlPlane {
	GinkgoHelper()
	cp := &extensionsv1alpha1.ControlPlane{}
	Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
		g.Expect(cp.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		g.Expect(cp.Status.LastOperation).NotTo(BeNil())
		g.Expect(cp.Status.LastError).To(BeNil())
		g.Expect(string(cp.Status.LastOperation.State)).To(Equal("Succeeded"))
		g.Expect(cp.Status.LastOperation.LastUpdateTime.Time).NotTo(BeTemporally("<", after.Truncate(time.Second)))
	}).WithTimeout(60 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
	return cp
}

// failed waits until the last operation reports an error and returns its description.
func failed(ctx context.Context, namespace string) string {
	GinkgoHelper()
	cp := &extensionsv1alpha1.ControlPlane{}
	Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: "control-plane"}, cp)).To(Succeed())
		g.Expect(cp.Status.LastError).NotTo(BeNil())
	}).WithTimeout(60 * time.Second).WithPolling(250 * time.Millisecond).Should(Succeed())
	return cp.Status.LastError.Description
}

// decoder decodes the objects of ManagedResource secrets.
func decoder() runtime.Decoder {
	scheme := runtime.NewScheme()
	Expect(corev1.AddToScheme(scheme)).To(Succeed())
	Expect(appsv1.AddToScheme(scheme)).To(Succeed())
	Expect(rbacv1.AddToScheme(scheme)).To(Succeed())
	Expect(storagev1.AddToScheme(scheme)).To(Succeed())
	Expect(firewallv1.AddToScheme(scheme)).To(Succeed())
	Expect(apiextensionsv1.AddToScheme(scheme)).To(Succeed())
	return serializer.NewCodecFactory(scheme).UniversalDeserializer()
}

// managedObjects returns the objects of a ManagedResource by kind/name, checking its class.
func managedObjects(ctx context.Context, namespace, name string, seed bool) map[string]client.Object {
	GinkgoHelper()
	mr := &resourcesv1alpha1.ManagedResource{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, mr)).To(Succeed())
	if seed {
		Expect(mr.Spec.Class).To(HaveValue(Equal("seed")))
	} else {
		Expect(mr.Spec.Class).To(BeNil())
	}
	objs, err := managedresources.GetObjects(ctx, env.Client, namespace, name)
	if err != nil {
		// GetObjects decodes with the client's scheme; ours knows the firewall policies too.
		objs = nil
		for _, ref := range mr.Spec.SecretRefs {
			secret := &corev1.Secret{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: ref.Name}, secret)).To(Succeed())
			extracted, err := managedresources.ExtractObjectsFromSecret(decoder(), secret)
			Expect(err).NotTo(HaveOccurred())
			objs = append(objs, extracted...)
		}
	}
	out := map[string]client.Object{}
	for _, obj := range objs {
		gvk, _, err := env.Scheme.ObjectKinds(obj)
		Expect(err).NotTo(HaveOccurred())
		out[gvk[0].Kind+"/"+obj.GetName()] = obj
	}
	return out
}

// applySeedObjects creates the seed ManagedResource's objects in the shoot namespace, as gardener-resource-manager
// would, and returns them as the API server stored them.
func applySeedObjects(ctx context.Context, namespace string) map[string]client.Object {
	GinkgoHelper()
	objs := managedObjects(ctx, namespace, genericactuator.ControlPlaneSeedChartResourceName, true)
	for _, obj := range objs {
		namespaced, err := env.Client.IsObjectNamespaced(obj)
		Expect(err).NotTo(HaveOccurred())
		if namespaced {
			Expect(obj.GetNamespace()).To(Equal(namespace))
		} else {
			// Cluster-scoped objects (webhook configurations) outlive the namespace: named after it, removed after it.
			Expect(obj.GetName()).To(HaveSuffix(namespace))
			DeferCleanup(func(ctx context.Context) { Expect(client.IgnoreNotFound(env.Client.Delete(ctx, obj))).To(Succeed()) })
		}
		Expect(env.Client.Create(ctx, obj)).To(Succeed(), "creating %s", obj.GetName())
	}
	return objs
}

// validateShootObjects has the API server validate the shoot objects (dry run: the API server stands in for
// many shoots). The shoot's namespaces are created for real first (the objects in them need them); an object that
// an earlier test created for real (a cluster-scoped one) is validated as an update.
func validateShootObjects(ctx context.Context, objs map[string]client.Object) {
	GinkgoHelper()
	keys := slices.Sorted(maps.Keys(objs))
	for _, key := range keys {
		if strings.HasPrefix(key, "Namespace/") {
			ns := objs[key].DeepCopyObject().(client.Object)
			Expect(client.IgnoreAlreadyExists(env.Client.Create(ctx, ns))).To(Succeed(), "creating %s", key)
		}
	}
	for _, key := range keys {
		if strings.HasPrefix(key, "Namespace/") {
			continue
		}
		obj := objs[key].DeepCopyObject().(client.Object)
		err := env.Client.Create(ctx, obj, client.DryRunAll)
		if apierrors.IsAlreadyExists(err) {
			existing := obj.DeepCopyObject().(client.Object)
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), existing)).To(Succeed(), "reading %s", key)
			obj.SetResourceVersion(existing.GetResourceVersion())
			err = env.Client.Update(ctx, obj, client.DryRunAll)
		}
		Expect(err).To(Succeed(), "validating %s", key)
	}
}

// containerEnv returns the environment variables of a container by name: a value, or "secret:<name>/<key>".
func containerEnv(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			out[e.Name] = "secret:" + e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			continue
		}
		out[e.Name] = e.Value
	}
	return out
}

// policyCIDRs returns the destination CIDRs of each firewall policy by name.
func policyCIDRs(objs map[string]client.Object) map[string][]string {
	out := map[string][]string{}
	for _, obj := range objs {
		p, ok := obj.(*firewallv1.ClusterwideNetworkPolicy)
		if !ok {
			continue
		}
		Expect(p.Namespace).To(Equal(firewallv1.ClusterwideNetworkPolicyNamespace))
		var cidrs []string
		for _, rule := range p.Spec.Egress {
			for _, to := range rule.To {
				cidrs = append(cidrs, to.CIDR)
			}
		}
		out[p.Name] = cidrs
	}
	return out
}

// familyOf is the IP family of a CIDR.
func familyOf(cidr string) gardencorev1beta1.IPFamily {
	p := netip.MustParsePrefix(cidr)
	if p.Addr().Is4() {
		return gardencorev1beta1.IPFamilyIPv4
	}
	return gardencorev1beta1.IPFamilyIPv6
}

// resourceVersions are the resourceVersions of the seed objects the controller writes in a namespace.
func resourceVersions(ctx context.Context, namespace string) map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	lists := map[string]client.ObjectList{
		"Secret": &corev1.SecretList{}, "ConfigMap": &corev1.ConfigMapList{},
		"ManagedResource": &resourcesv1alpha1.ManagedResourceList{},
	}
	for kind, list := range lists {
		Expect(env.Client.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
		items, err := apimeta.ExtractList(list)
		Expect(err).NotTo(HaveOccurred())
		for _, item := range items {
			m, err := apimeta.Accessor(item)
			Expect(err).NotTo(HaveOccurred())
			out[kind+"/"+m.GetName()] = m.GetResourceVersion()
		}
	}
	return out
}

// shootAPIServerURL is the external API server address gardenlet advertises for the fixture's shoot.
func shootAPIServerURL(f *fixture) string {
	return "https://api." + f.name + "." + f.project + ".shoots.example.com"
}
