package testenv

import (
	"context"
	"encoding/json"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ProviderType is the provider type of metal shoots, seeds and cloud profiles.
const ProviderType = "metal"

// ShootSpec describes the parts of a shoot that the extensions look at.
type ShootSpec struct {
	Project string
	Name    string
	// Region of the shoot; "local" when empty.
	Region string
	// IPFamilies of the shoot network; IPv4 when empty.
	IPFamilies []gardencorev1beta1.IPFamily
	// Nodes, when set, is a node network the user chose (spec.networking.nodes).
	Nodes *string
	// KubernetesVersion; "1.35.5" when empty.
	KubernetesVersion string
	// InfrastructureConfig, ControlPlaneConfig are the raw providerConfigs of the shoot.
	InfrastructureConfig []byte
	ControlPlaneConfig   []byte
	// Workers of the shoot.
	Workers []gardencorev1beta1.Worker
	// Extensions enabled in the shoot (type and raw providerConfig).
	Extensions []gardencorev1beta1.Extension
	// Hibernated marks the shoot as hibernated.
	Hibernated bool
}

// TechnicalID returns the shoot namespace in the seed, as gardenlet names it.
func TechnicalID(project, name string) string {
	return fmt.Sprintf("shoot--%s--%s", project, name)
}

// NewShoot builds a Shoot as the garden holds it, with a fresh UID (the cluster identity on metal-stack).
func NewShoot(spec ShootSpec) *gardencorev1beta1.Shoot {
	region := spec.Region
	if region == "" {
		region = "local"
	}
	families := spec.IPFamilies
	if len(families) == 0 {
		families = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	version := spec.KubernetesVersion
	if version == "" {
		version = "1.35.5"
	}
	uid := uuid.NewUUID()
	shoot := &gardencorev1beta1.Shoot{
		TypeMeta: metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "Shoot"},
		ObjectMeta: metav1.ObjectMeta{
			Name:      spec.Name,
			Namespace: "garden-" + spec.Project,
			UID:       uid,
		},
		Spec: gardencorev1beta1.ShootSpec{
			CloudProfile:           &gardencorev1beta1.CloudProfileReference{Kind: "CloudProfile", Name: ProviderType},
			CredentialsBindingName: new("metal-credentials"),
			Region:                 region,
			SeedName:               new("seed"),
			Kubernetes:             gardencorev1beta1.Kubernetes{Version: version},
			Networking: &gardencorev1beta1.Networking{
				Type:       new("calico"),
				IPFamilies: families,
				Nodes:      spec.Nodes,
			},
			Provider: gardencorev1beta1.Provider{
				Type:    ProviderType,
				Workers: spec.Workers,
			},
			Extensions: spec.Extensions,
		},
		Status: gardencorev1beta1.ShootStatus{
			TechnicalID: TechnicalID(spec.Project, spec.Name),
			UID:         uid,
		},
	}
	if spec.InfrastructureConfig != nil {
		shoot.Spec.Provider.InfrastructureConfig = &runtime.RawExtension{Raw: spec.InfrastructureConfig}
	}
	if spec.ControlPlaneConfig != nil {
		shoot.Spec.Provider.ControlPlaneConfig = &runtime.RawExtension{Raw: spec.ControlPlaneConfig}
	}
	if spec.Hibernated {
		shoot.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: new(true)}
		shoot.Status.IsHibernated = true
	}
	return shoot
}

// NewCloudProfile builds a metal CloudProfile with the given raw providerConfig.
func NewCloudProfile(providerConfig []byte, spec gardencorev1beta1.CloudProfileSpec) *gardencorev1beta1.CloudProfile {
	spec.Type = ProviderType
	if providerConfig != nil {
		spec.ProviderConfig = &runtime.RawExtension{Raw: providerConfig}
	}
	return &gardencorev1beta1.CloudProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "CloudProfile"},
		ObjectMeta: metav1.ObjectMeta{Name: ProviderType},
		Spec:       spec,
	}
}

// NewSeed builds a metal Seed.
func NewSeed(name string) *gardencorev1beta1.Seed {
	return &gardencorev1beta1.Seed{
		TypeMeta:   metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "Seed"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: gardencorev1beta1.SeedSpec{
			Provider: gardencorev1beta1.SeedProvider{Type: ProviderType, Region: "local"},
			Networks: gardencorev1beta1.SeedNetworks{Pods: "10.240.0.0/13", Services: "10.248.0.0/13"},
		},
	}
}

// NewShootNamespace builds the shoot namespace with the labels gardenlet sets on it.
func NewShootNamespace(shoot *gardencorev1beta1.Shoot, seed *gardencorev1beta1.Seed) *corev1.Namespace {
	labels := map[string]string{
		v1beta1constants.GardenRole:                      v1beta1constants.GardenRoleShoot,
		v1beta1constants.LabelSeedProvider:               seed.Spec.Provider.Type,
		v1beta1constants.LabelShootProvider:              shoot.Spec.Provider.Type,
		v1beta1constants.LabelBackupProvider:             seed.Spec.Provider.Type,
		resourcesv1alpha1.HighAvailabilityConfigConsider: "true",
	}
	if shoot.Spec.Networking != nil && shoot.Spec.Networking.Type != nil {
		labels[v1beta1constants.LabelNetworkingProvider] = *shoot.Spec.Networking.Type
	}
	for _, ext := range shoot.Spec.Extensions {
		labels[v1beta1constants.LabelExtensionPrefix+ext.Type] = "true"
	}
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: shoot.Status.TechnicalID, Labels: labels}}
}

// NewCluster builds the Cluster resource gardenlet writes for a shoot.
func NewCluster(shoot *gardencorev1beta1.Shoot, cloudProfile *gardencorev1beta1.CloudProfile, seed *gardencorev1beta1.Seed) (*extensionsv1alpha1.Cluster, error) {
	raw := func(obj any) (runtime.RawExtension, error) {
		data, err := json.Marshal(obj)
		return runtime.RawExtension{Raw: data}, err
	}
	shootRaw, err := raw(shoot)
	if err != nil {
		return nil, err
	}
	cloudProfileRaw, err := raw(cloudProfile)
	if err != nil {
		return nil, err
	}
	seedRaw, err := raw(seed)
	if err != nil {
		return nil, err
	}
	return &extensionsv1alpha1.Cluster{
		ObjectMeta: metav1.ObjectMeta{Name: shoot.Status.TechnicalID},
		Spec: extensionsv1alpha1.ClusterSpec{
			Shoot:        shootRaw,
			CloudProfile: cloudProfileRaw,
			Seed:         seedRaw,
		},
	}, nil
}

// CreateShoot writes the shoot namespace and the Cluster into the seed, as gardenlet does before it
// creates any extension resource. It returns the namespace name.
func CreateShoot(ctx context.Context, c client.Client, shoot *gardencorev1beta1.Shoot, cloudProfile *gardencorev1beta1.CloudProfile, seed *gardencorev1beta1.Seed) (string, error) {
	ns := NewShootNamespace(shoot, seed)
	if err := c.Create(ctx, ns); err != nil {
		return "", fmt.Errorf("creating shoot namespace %s: %w", ns.Name, err)
	}
	cluster, err := NewCluster(shoot, cloudProfile, seed)
	if err != nil {
		return "", err
	}
	if err := c.Create(ctx, cluster); err != nil {
		return "", fmt.Errorf("creating cluster %s: %w", cluster.Name, err)
	}
	return ns.Name, nil
}

// UpdateClusterShoot rewrites the shoot inside an existing Cluster, as gardenlet does on every shoot change.
func UpdateClusterShoot(ctx context.Context, c client.Client, shoot *gardencorev1beta1.Shoot) error {
	data, err := json.Marshal(shoot)
	if err != nil {
		return err
	}
	cluster := &extensionsv1alpha1.Cluster{}
	if err := c.Get(ctx, types.NamespacedName{Name: shoot.Status.TechnicalID}, cluster); err != nil {
		return err
	}
	patch := client.MergeFrom(cluster.DeepCopy())
	cluster.Spec.Shoot = runtime.RawExtension{Raw: data}
	return c.Patch(ctx, cluster, patch)
}
