// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mutator

import (
	"context"
	"encoding/json"
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/Masterminds/semver/v3"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

// NewShootMutator returns the mutator that defaults Shoots of provider type metal. It reads the Shoot's
// CloudProfile and Seed with reader, which should not be cached.
func NewShootMutator(reader client.Reader, defaults Defaults) extensionswebhook.Mutator {
	return &shootMutator{reader: reader, defaults: defaults}
}

type shootMutator struct {
	reader   client.Reader
	defaults Defaults
}

// placement is where a shoot's machines go: its InfrastructureConfig and, when the CloudProfile offers it, the
// metal control plane and partition.
type placement struct {
	infra     *metal.InfrastructureConfig
	mcp       *metal.MetalControlPlane
	partition *metal.Partition
}

// Mutate fills what a metal shoot leaves unset. On create: the networking type, the pod and service networks (from
// the Seed's shoot defaults when the shoot is already placed on a Seed), the CNI settings for metal-stack's routed
// networks, the kubelet's maxPods and the node CIDR mask sizes. On create and update: the firewall image (the
// newest of the partition's OS) and size (the partition's first firewall type) and the zones of new worker pools.
// Every field that is set stays as it is. Problems of the shoot are left to the validator, which reports them with
// their field; only failures to read the CloudProfile or Seed make the mutation fail.
func (m *shootMutator) Mutate(ctx context.Context, newObj, oldObj client.Object) error {
	shoot, ok := newObj.(*gardencorev1beta1.Shoot)
	if !ok {
		return fmt.Errorf("expected a Shoot, got %T", newObj)
	}
	var oldShoot *gardencorev1beta1.Shoot
	if oldObj != nil {
		if oldShoot, ok = oldObj.(*gardencorev1beta1.Shoot); !ok {
			return fmt.Errorf("expected a Shoot as old object, got %T", oldObj)
		}
	}
	if shoot.Spec.Provider.Type != admission.ProviderType || shoot.DeletionTimestamp != nil || len(shoot.Spec.Provider.Workers) == 0 {
		return nil
	}
	if oldShoot != nil && (oldShoot.DeletionTimestamp != nil || apiequality.Semantic.DeepEqual(oldShoot.Spec, shoot.Spec)) {
		return nil
	}

	place, err := m.placement(ctx, shoot)
	if err != nil {
		return err
	}
	if oldShoot == nil {
		// These are immutable once the shoot exists, or change the running nodes: filled on create only.
		if err := m.defaultNetworking(ctx, shoot); err != nil {
			return err
		}
		m.defaultNetworkConfig(shoot)
		m.defaultKubernetes(shoot, place)
	}
	defaultWorkerZones(shoot, oldShoot, place)
	return defaultFirewall(shoot, oldShoot, place)
}

// placement decodes the shoot's InfrastructureConfig and finds its partition in the CloudProfile. Whatever is
// missing or broken yields less to default from, not an error: the validator reports it.
func (m *shootMutator) placement(ctx context.Context, shoot *gardencorev1beta1.Shoot) (*placement, error) {
	if shoot.Spec.Provider.InfrastructureConfig == nil {
		return nil, nil
	}
	infra, err := helper.InfrastructureConfigFromRawExtension(shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, nil //nolint:nilerr // a broken config is the validator's to report; nothing to default from
	}
	place := &placement{infra: infra}
	cloudProfile, err := gardenerutils.GetCloudProfile(ctx, m.reader, shoot)
	switch {
	case apierrors.IsNotFound(err):
		return place, nil
	case err != nil:
		return nil, fmt.Errorf("reading the cloud profile of shoot %s: %w", client.ObjectKeyFromObject(shoot), err)
	}
	cpc, err := helper.CloudProfileConfigFromRawExtension(cloudProfile.Spec.ProviderConfig)
	if err != nil {
		return place, nil //nolint:nilerr // a broken cloud profile is the validator's to report
	}
	if _, mcp, partition, err := helper.FindMetalControlPlane(cpc, infra.PartitionID); err == nil {
		place.mcp, place.partition = mcp, partition
	}
	return place, nil
}

// defaultNetworking fills the networking type and the pod and service networks of the shoot's primary IP family.
// The Shoot API holds one pod and one service network; the secondary family's networks of a dual-stack shoot are
// reported by the infrastructure, as in all of Gardener.
func (m *shootMutator) defaultNetworking(ctx context.Context, shoot *gardencorev1beta1.Shoot) error {
	if shoot.Spec.Networking == nil {
		shoot.Spec.Networking = &gardencorev1beta1.Networking{}
	}
	networking := shoot.Spec.Networking
	if networking.Type == nil {
		networking.Type = new(m.defaults.NetworkingType)
	}
	if networking.Pods != nil && networking.Services != nil {
		return nil
	}

	seedDefaults, err := m.seedShootDefaults(ctx, shoot)
	if err != nil {
		return err
	}
	primary := ipFamilies(shoot)[0]
	if networking.Pods == nil {
		networking.Pods = new(ofFamily(seedDefaults.Pods, primary, m.defaults.podsCIDR(primary)))
	}
	if networking.Services == nil {
		networking.Services = new(ofFamily(seedDefaults.Services, primary, m.defaults.servicesCIDR(primary)))
	}
	return nil
}

// seedShootDefaults returns the shoot network defaults of the Seed the shoot is placed on, if any.
func (m *shootMutator) seedShootDefaults(ctx context.Context, shoot *gardencorev1beta1.Shoot) (gardencorev1beta1.ShootNetworks, error) {
	if shoot.Spec.SeedName == nil {
		return gardencorev1beta1.ShootNetworks{}, nil
	}
	seed := &gardencorev1beta1.Seed{}
	if err := m.reader.Get(ctx, client.ObjectKey{Name: *shoot.Spec.SeedName}, seed); err != nil {
		if apierrors.IsNotFound(err) {
			return gardencorev1beta1.ShootNetworks{}, nil
		}
		return gardencorev1beta1.ShootNetworks{}, fmt.Errorf("reading seed %s of shoot %s: %w", *shoot.Spec.SeedName, client.ObjectKeyFromObject(shoot), err)
	}
	if seed.Spec.Networks.ShootDefaults == nil {
		return gardencorev1beta1.ShootNetworks{}, nil
	}
	return *seed.Spec.Networks.ShootDefaults, nil
}

// ofFamily returns the seed's default when it is a network of the family, else the fallback.
func ofFamily(seedDefault *string, family gardencorev1beta1.IPFamily, fallback string) string {
	if seedDefault != nil {
		if prefix, err := netip.ParsePrefix(*seedDefault); err == nil && familyOf(prefix.Addr()) == family {
			return *seedDefault
		}
	}
	return fallback
}

// defaultNetworkConfig fills the networking providerConfig of calico and cilium with the settings metal-stack's
// routed networks need, keeping every setting the shoot makes.
func (m *shootMutator) defaultNetworkConfig(shoot *gardencorev1beta1.Shoot) {
	networking := shoot.Spec.Networking
	if networking.Type == nil {
		return
	}
	cni, ok := cniDefaults[*networking.Type]
	if !ok {
		return
	}
	doc := map[string]any{}
	if networking.ProviderConfig != nil && len(networking.ProviderConfig.Raw) > 0 {
		if err := json.Unmarshal(networking.ProviderConfig.Raw, &doc); err != nil || doc == nil {
			// Not a JSON object: the networking extension's validation tells the owner.
			return
		}
	}
	defaults := cni.settings(ipFamilies(shoot))
	defaults["apiVersion"], defaults["kind"] = cni.apiVersion, "NetworkConfig"
	mergeDefaults(doc, defaults)
	if raw, err := json.Marshal(doc); err == nil {
		networking.ProviderConfig = &runtime.RawExtension{Raw: raw}
	}
}

// mergeDefaults sets every key of defaults that doc does not have, descending into objects both have.
func mergeDefaults(doc, defaults map[string]any) {
	for key, value := range defaults {
		existing, ok := doc[key]
		if !ok || existing == nil {
			doc[key] = value
			continue
		}
		if existingMap, ok := existing.(map[string]any); ok {
			if defaultMap, ok := value.(map[string]any); ok {
				mergeDefaults(existingMap, defaultMap)
			}
		}
	}
}

// defaultKubernetes fills the kubelet's maxPods and the node CIDR mask sizes so that they fit each other, the pod
// network and the node network: maxPods is the default unless a set mask size holds fewer pods; a mask size holds
// twice the highest maxPods (pod IPs are reused only after a while) and is lengthened where the pod network would
// otherwise have fewer pod ranges than the node network has nodes.
func (m *shootMutator) defaultKubernetes(shoot *gardencorev1beta1.Shoot, place *placement) {
	k8s := &shoot.Spec.Kubernetes
	if k8s.Kubelet == nil {
		k8s.Kubelet = &gardencorev1beta1.KubeletConfig{}
	}
	if k8s.KubeControllerManager == nil {
		k8s.KubeControllerManager = &gardencorev1beta1.KubeControllerManagerConfig{}
	}
	kcm, families := k8s.KubeControllerManager, ipFamilies(shoot)
	ipv6SingleStack := gardencorev1beta1.IsIPv6SingleStack(families)

	if k8s.Kubelet.MaxPods == nil {
		maxPods := m.defaults.MaxPods
		for _, family := range families {
			if mask := maskSize(kcm, family, ipv6SingleStack); mask != nil {
				maxPods = min(maxPods, metalvalidation.MaxPodsForNodeCIDRMaskSize(*mask, family))
			}
		}
		k8s.Kubelet.MaxPods = new(max(maxPods, 1))
	}
	highest := *k8s.Kubelet.MaxPods
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Kubernetes != nil && w.Kubernetes.Kubelet != nil && w.Kubernetes.Kubelet.MaxPods != nil {
			highest = max(highest, *w.Kubernetes.Kubelet.MaxPods)
		}
	}

	for _, family := range families {
		if maskSize(kcm, family, ipv6SingleStack) != nil {
			continue
		}
		mask := metalvalidation.NodeCIDRMaskSizeForMaxPods(highest, family)
		if family == gardencorev1beta1.IPFamilyIPv6 {
			mask = min(mask, m.defaults.NodeCIDRMaskSizeIPv6)
		}
		mask = lengthenForNodes(mask, highest, family, shoot, place)
		if family == gardencorev1beta1.IPFamilyIPv6 {
			kcm.NodeCIDRMaskSizeIPv6 = new(mask)
		} else {
			kcm.NodeCIDRMaskSize = new(mask)
		}
	}
}

// maskSize returns the node CIDR mask size that is set for a family, as the kube-controller-manager reads it.
func maskSize(kcm *gardencorev1beta1.KubeControllerManagerConfig, family gardencorev1beta1.IPFamily, ipv6SingleStack bool) *int32 {
	if family == gardencorev1beta1.IPFamilyIPv4 {
		return kcm.NodeCIDRMaskSize
	}
	if kcm.NodeCIDRMaskSizeIPv6 == nil && ipv6SingleStack {
		return kcm.NodeCIDRMaskSize
	}
	return kcm.NodeCIDRMaskSizeIPv6
}

// lengthenForNodes lengthens a mask size where the pod network of the family would hold fewer pod ranges than the
// shoot may have nodes (the node network's capacity, or the pools' maximum if larger), as long as a pod range
// still holds maxPods.
func lengthenForNodes(mask, maxPods int32, family gardencorev1beta1.IPFamily, shoot *gardencorev1beta1.Shoot, place *placement) int32 {
	pods, err := netip.ParsePrefix(ptrValue(shoot.Spec.Networking.Pods))
	if err != nil || familyOf(pods.Addr()) != family {
		return mask
	}
	totalBits := int32(pods.Addr().BitLen())

	nodes := int64(0)
	for _, w := range shoot.Spec.Provider.Workers {
		nodes += int64(w.Maximum)
	}
	if place != nil {
		lengths := helper.NodePrefixLengths(place.infra, place.partition)
		length := lengths.IPv4
		if family == gardencorev1beta1.IPFamilyIPv6 {
			length = lengths.IPv6
		}
		if length != nil && totalBits-*length < 62 && *length > 0 {
			nodes = max(nodes, int64(1)<<(totalBits-*length))
		}
	}
	needed := int32(pods.Bits()) + hostBits(nodes)
	longest := totalBits - hostBits(int64(maxPods)+2)
	if mask < needed && needed <= longest {
		return needed
	}
	return mask
}

// hostBits returns the number of bits needed to count n things.
func hostBits(n int64) int32 {
	if n <= 1 {
		return 0
	}
	return int32(bits.Len64(uint64(n - 1)))
}

// defaultWorkerZones puts new worker pools without zones into the shoot's partition, its only zone.
func defaultWorkerZones(shoot, oldShoot *gardencorev1beta1.Shoot, place *placement) {
	if place == nil || place.infra.PartitionID == "" {
		return
	}
	for i := range shoot.Spec.Provider.Workers {
		worker := &shoot.Spec.Provider.Workers[i]
		if len(worker.Zones) == 0 && !hasPool(oldShoot, worker.Name) {
			worker.Zones = []string{place.infra.PartitionID}
		}
	}
}

func hasPool(shoot *gardencorev1beta1.Shoot, name string) bool {
	if shoot == nil {
		return false
	}
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Name == name {
			return true
		}
	}
	return false
}

// defaultFirewall fills the firewall's image and size in the InfrastructureConfig: on update from the old config
// (a firewall is not rolled by leaving a field out), else the newest image of the OS the partition lists first and
// the partition's first firewall type. The rest of the document stays as written.
func defaultFirewall(shoot, oldShoot *gardencorev1beta1.Shoot, place *placement) error {
	doc, firewall, ok := firewallOf(shoot)
	if !ok {
		return nil
	}
	_, oldFirewall, _ := firewallOf(oldShoot)

	var images, types []string
	if place != nil && place.partition != nil {
		images, types = helper.FirewallImages(place.mcp, place.partition), place.partition.FirewallTypes
	}
	changed := false
	for key, fallback := range map[string]string{"image": newestFirewallImage(images), "size": first(types)} {
		if value, _ := firewall[key].(string); value != "" {
			continue
		}
		if old, _ := oldFirewall[key].(string); old != "" {
			fallback = old
		}
		if fallback != "" {
			firewall[key], changed = fallback, true
		}
	}
	if !changed {
		return nil
	}
	doc["firewall"] = firewall
	raw, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encoding the defaulted InfrastructureConfig: %w", err)
	}
	shoot.Spec.Provider.InfrastructureConfig = &runtime.RawExtension{Raw: raw}
	return nil
}

// firewallOf returns the shoot's InfrastructureConfig as a JSON object and its firewall object (created if
// missing). ok is false when there is no InfrastructureConfig or it is no JSON object.
func firewallOf(shoot *gardencorev1beta1.Shoot) (map[string]any, map[string]any, bool) {
	if shoot == nil || shoot.Spec.Provider.InfrastructureConfig == nil || len(shoot.Spec.Provider.InfrastructureConfig.Raw) == 0 {
		return nil, nil, false
	}
	var doc map[string]any
	if err := json.Unmarshal(shoot.Spec.Provider.InfrastructureConfig.Raw, &doc); err != nil || doc == nil {
		return nil, nil, false
	}
	value, present := doc["firewall"]
	if !present || value == nil {
		return doc, map[string]any{}, true
	}
	firewall, ok := value.(map[string]any)
	return doc, firewall, ok
}

// newestFirewallImage returns the newest image of the OS of the first image in the list: the operator lists the
// preferred OS first. Images are named <os>-<version>, e.g. firewall-ubuntu-3.0.20240101; of several images of the
// OS the one with the highest version wins. The first image is returned as is when it has no version.
func newestFirewallImage(images []string) string {
	if len(images) == 0 {
		return ""
	}
	os, newest, ok := splitImage(images[0])
	if !ok {
		return images[0]
	}
	best := images[0]
	for _, image := range images[1:] {
		if imageOS, version, ok := splitImage(image); ok && imageOS == os && version.GreaterThan(newest) {
			best, newest = image, version
		}
	}
	return best
}

// splitImage splits an image name into its OS and version at the last dash.
func splitImage(image string) (string, *semver.Version, bool) {
	i := strings.LastIndex(image, "-")
	if i <= 0 {
		return "", nil, false
	}
	version, err := semver.NewVersion(image[i+1:])
	if err != nil {
		return "", nil, false
	}
	return image[:i], version, true
}

func first(values []string) string {
	if len(values) == 0 {
		return ""
	}
	return values[0]
}

func ptrValue(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ipFamilies returns the IP families of a shoot, IPv4 when it names none (Gardener's default).
func ipFamilies(shoot *gardencorev1beta1.Shoot) []gardencorev1beta1.IPFamily {
	if shoot.Spec.Networking == nil || len(shoot.Spec.Networking.IPFamilies) == 0 {
		return []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	return shoot.Spec.Networking.IPFamilies
}
