// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validation

import (
	"fmt"
	"math/bits"
	"net/netip"
	"slices"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/metal-stack/metal-lib/pkg/tag"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// TenantAnnotation names the metal-stack tenant a shoot belongs to. metal-stack tags the shoot's machines, networks
// and firewalls with it, so it is required and cannot change.
const TenantAnnotation = tag.ClusterTenant

const (
	// DefaultNodeCIDRMaskSizeIPv4 is kube-controller-manager's default for --node-cidr-mask-size-ipv4.
	DefaultNodeCIDRMaskSizeIPv4 = 24
	// DefaultNodeCIDRMaskSizeIPv6 is kube-controller-manager's default for --node-cidr-mask-size-ipv6.
	DefaultNodeCIDRMaskSizeIPv6 = 64
	// DefaultMaxPods is the kubelet's default for maxPods.
	DefaultMaxPods = 110

	// reservedNodeAddressesIPv4 are the addresses of an IPv4 node network no machine gets: network, broadcast and
	// the firewall's.
	reservedNodeAddressesIPv4 = 3
	// reservedNodeAddressesIPv6 are the addresses of an IPv6 node network no machine gets: the subnet-router anycast
	// address and the firewall's.
	reservedNodeAddressesIPv6 = 2
)

// ValidateTenantAnnotation validates that the tenant annotation is set and, on update (oldAnnotations not nil), not
// changed. fldPath is the path of the annotations.
func ValidateTenantAnnotation(annotations, oldAnnotations map[string]string, fldPath *field.Path) field.ErrorList {
	path := fldPath.Key(TenantAnnotation)
	tenant, ok := annotations[TenantAnnotation]
	if !ok || tenant == "" {
		return field.ErrorList{field.Required(path, "the metal-stack tenant of the shoot is required")}
	}
	if oldAnnotations != nil {
		return apivalidation.ValidateImmutableField(tenant, oldAnnotations[TenantAnnotation], path)
	}
	return nil
}

// ValidatePartitionInRegion validates that the shoot's partition is a zone of the shoot's region in the
// CloudProfile. fldPath is the path of the partition ID. A region the CloudProfile does not know is left to Gardener.
func ValidatePartitionInRegion(partitionID, region string, regions []gardencorev1beta1.Region, fldPath *field.Path) field.ErrorList {
	if partitionID == "" {
		return nil
	}
	for _, r := range regions {
		if r.Name != region {
			continue
		}
		zones := make([]string, 0, len(r.Zones))
		for _, z := range r.Zones {
			zones = append(zones, z.Name)
		}
		if !slices.Contains(zones, partitionID) {
			return field.ErrorList{field.NotSupported(fldPath, partitionID, zones)}
		}
	}
	return nil
}

// ValidateWorkerZones validates that every worker pool runs in the shoot's partition, which is its only zone: a
// metal shoot's node network and firewall live in one partition. fldPath is the path of the workers.
func ValidateWorkerZones(workers []gardencorev1beta1.Worker, partitionID string, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	if partitionID == "" {
		return allErrs
	}
	for i, worker := range workers {
		zonesPath := fldPath.Index(i).Child("zones")
		if len(worker.Zones) == 0 {
			allErrs = append(allErrs, field.Required(zonesPath, fmt.Sprintf("the pool must run in the shoot's partition %q", partitionID)))
		}
		for j, zone := range worker.Zones {
			if zone != partitionID {
				allErrs = append(allErrs, field.NotSupported(zonesPath.Index(j), zone, []string{partitionID}))
			}
		}
	}
	return allErrs
}

// ValidateWorkerAgainstCloudProfile validates that the machine type and image of a worker pool are offered by the
// CloudProfile, and that the machine type is available in the zones of the pool in the shoot's region. fldPath is
// the path of the worker pool.
func ValidateWorkerAgainstCloudProfile(worker *gardencorev1beta1.Worker, region string, spec *gardencorev1beta1.CloudProfileSpec, fldPath *field.Path) field.ErrorList {
	allErrs := field.ErrorList{}
	machinePath := fldPath.Child("machine")

	machineTypes := make([]string, 0, len(spec.MachineTypes))
	for _, t := range spec.MachineTypes {
		if t.Usable == nil || *t.Usable {
			machineTypes = append(machineTypes, t.Name)
		}
	}
	if !slices.Contains(machineTypes, worker.Machine.Type) {
		allErrs = append(allErrs, field.NotSupported(machinePath.Child("type"), worker.Machine.Type, machineTypes))
	} else {
		for _, r := range spec.Regions {
			if r.Name != region {
				continue
			}
			for _, z := range r.Zones {
				if i := slices.Index(worker.Zones, z.Name); i >= 0 && slices.Contains(z.UnavailableMachineTypes, worker.Machine.Type) {
					allErrs = append(allErrs, field.Invalid(fldPath.Child("zones").Index(i), z.Name,
						fmt.Sprintf("machine type %q is not available in this zone", worker.Machine.Type)))
				}
			}
		}
	}
	if worker.Machine.Image != nil {
		allErrs = append(allErrs, validateMachineImage(worker.Machine.Image, spec.MachineImages, machinePath.Child("image"))...)
	}
	return allErrs
}

func validateMachineImage(image *gardencorev1beta1.ShootMachineImage, images []gardencorev1beta1.MachineImage, fldPath *field.Path) field.ErrorList {
	names := make([]string, 0, len(images))
	for _, offered := range images {
		names = append(names, offered.Name)
		if offered.Name != image.Name {
			continue
		}
		if image.Version == nil {
			return nil
		}
		versions := make([]string, 0, len(offered.Versions))
		for _, v := range offered.Versions {
			versions = append(versions, v.Version)
		}
		if !slices.Contains(versions, *image.Version) {
			return field.ErrorList{field.NotSupported(fldPath.Child("version"), *image.Version, versions)}
		}
		return nil
	}
	return field.ErrorList{field.NotSupported(fldPath.Child("name"), image.Name, names)}
}

// ValidateShootNodeNetwork validates that the shoot's node network, its pod network, the node CIDR mask sizes of the
// kube-controller-manager and the kubelet's maxPods fit together, for every IP family of the shoot:
//   - spec.networking.nodes, when set, is of a family of the shoot and has the prefix length the node network is
//     allocated with;
//   - a node's pod range (the node CIDR mask size) holds maxPods pods;
//   - the pod network holds a pod range for every node the worker pools may have (the sum of their maximum);
//   - the node network holds every node the worker pools may have, and the firewall.
//
// infra is the shoot's InfrastructureConfig and partition its partition in the CloudProfile (nil when unknown); the
// node network's prefix lengths come from them. The paths of the errors are those of the shoot.
func ValidateShootNodeNetwork(shoot *gardencorev1beta1.Shoot, infra *metal.InfrastructureConfig, partition *metal.Partition) field.ErrorList {
	allErrs := field.ErrorList{}
	networking := shoot.Spec.Networking
	if networking == nil {
		return allErrs
	}

	var (
		networkingPath = field.NewPath("spec", "networking")
		kcmPath        = field.NewPath("spec", "kubernetes", "kubeControllerManager")
		prefixPath     = field.NewPath("spec", "provider", "infrastructureConfig", "nodeNetwork", "prefixLengths")
		families       = networking.IPFamilies
	)
	if len(families) == 0 {
		families = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}

	nodes, nodesOK := parsePrefix(networking.Nodes)
	if nodesOK && !slices.Contains(families, familyOf(nodes.Addr())) {
		allErrs = append(allErrs, field.Invalid(networkingPath.Child("nodes"), *networking.Nodes,
			fmt.Sprintf("is an %s network, but the shoot's IP families are %v", familyOf(nodes.Addr()), families)))
		nodesOK = false
	}
	pods, podsOK := parsePrefix(networking.Pods)

	maxPods, maxPodsSource := highestMaxPods(shoot)
	maxNodes := int64(0)
	for _, w := range shoot.Spec.Provider.Workers {
		maxNodes += int64(w.Maximum)
	}

	requested := metal.NodePrefixLengths{}
	if infra != nil && infra.NodeNetwork != nil && infra.NodeNetwork.PrefixLengths != nil {
		requested = *infra.NodeNetwork.PrefixLengths
	}
	effective := helper.NodePrefixLengths(infra, partition)

	for _, family := range families {
		maskSize, maskPath := nodeCIDRMaskSize(shoot, family, kcmPath)
		totalBits, reserved := 32, int64(reservedNodeAddressesIPv4)
		requestedLength, effectiveLength, familyKey := requested.IPv4, effective.IPv4, "ipv4"
		if family == gardencorev1beta1.IPFamilyIPv6 {
			totalBits, reserved = 128, reservedNodeAddressesIPv6
			requestedLength, effectiveLength, familyKey = requested.IPv6, effective.IPv6, "ipv6"
		}

		// A node's pod range must hold maxPods pods (the first and last address are not handed out).
		if maskSize < 1 || int(maskSize) > totalBits || addresses(totalBits-int(maskSize)) < int64(maxPods)+2 {
			allErrs = append(allErrs, field.Invalid(maskPath, maskSize,
				fmt.Sprintf("a /%d pod range per node cannot hold maxPods %d (%s) on %s; use a mask size of at most /%d or fewer pods",
					maskSize, maxPods, maxPodsSource, family, totalBits-bitsFor(int64(maxPods)+2))))
			continue
		}

		// The pod network must have a pod range for every node.
		if podsOK && familyOf(pods.Addr()) == family {
			podsPath := networkingPath.Child("pods")
			switch {
			case int(maskSize) < pods.Bits():
				allErrs = append(allErrs, field.Invalid(maskPath, maskSize,
					fmt.Sprintf("the pod range per node must be smaller than the pod network %s (%s)", pods, podsPath)))
			case addresses(int(maskSize)-pods.Bits()) < maxNodes:
				allErrs = append(allErrs, field.Invalid(maskPath, maskSize,
					fmt.Sprintf("the pod network %s (%s) splits into %d pod range(s) of /%d, fewer than the %d nodes the worker pools may have (the sum of their maximum); use a longer mask size or a larger pod network",
						pods, podsPath, addresses(int(maskSize)-pods.Bits()), maskSize, maxNodes)))
			}
		}

		// The node network must hold every node and the firewall.
		length, lengthPath, origin := int32(0), prefixPath.Child(familyKey), ""
		switch {
		case requestedLength != nil:
			length, origin = *requestedLength, "requested"
		case effectiveLength != nil:
			length, origin = *effectiveLength, fmt.Sprintf("the default of partition %q", infraPartition(infra))
		case nodesOK && familyOf(nodes.Addr()) == family:
			length, lengthPath, origin = int32(nodes.Bits()), networkingPath.Child("nodes"), "of spec.networking.nodes"
		default:
			// The super network's default child prefix length applies, which only the metal-api knows.
			continue
		}
		if nodesOK && familyOf(nodes.Addr()) == family && nodes.Bits() != int(length) {
			allErrs = append(allErrs, field.Invalid(networkingPath.Child("nodes"), *networking.Nodes,
				fmt.Sprintf("the %s node network is allocated as a /%d (%s), so the nodes CIDR must be a /%d", family, length, origin, length)))
		}
		if length < 1 || int(length) > totalBits {
			// Out of bounds lengths are reported by ValidateInfrastructureConfig and ValidateCloudProfileConfig.
			continue
		}
		if capacity := addresses(totalBits-int(length)) - reserved; capacity < maxNodes {
			allErrs = append(allErrs, field.Invalid(lengthPath, length,
				fmt.Sprintf("a /%d node network (%s) holds %d machines besides the firewall, fewer than the %d nodes the worker pools may have (the sum of their maximum); request a shorter prefix length or lower the maximum",
					length, origin, max(capacity, 0), maxNodes)))
		}
	}
	return allErrs
}

// nodeCIDRMaskSize returns the node CIDR mask size the kube-controller-manager uses for a family, with the path that
// sets it. A single-stack IPv6 shoot uses nodeCIDRMaskSize unless nodeCIDRMaskSizeIPv6 is set, as Gardener does.
func nodeCIDRMaskSize(shoot *gardencorev1beta1.Shoot, family gardencorev1beta1.IPFamily, kcmPath *field.Path) (int32, *field.Path) {
	kcm := shoot.Spec.Kubernetes.KubeControllerManager
	if kcm == nil {
		kcm = &gardencorev1beta1.KubeControllerManagerConfig{}
	}
	if family == gardencorev1beta1.IPFamilyIPv4 {
		if kcm.NodeCIDRMaskSize != nil {
			return *kcm.NodeCIDRMaskSize, kcmPath.Child("nodeCIDRMaskSize")
		}
		return DefaultNodeCIDRMaskSizeIPv4, kcmPath.Child("nodeCIDRMaskSize")
	}
	switch {
	case kcm.NodeCIDRMaskSizeIPv6 != nil:
		return *kcm.NodeCIDRMaskSizeIPv6, kcmPath.Child("nodeCIDRMaskSizeIPv6")
	case kcm.NodeCIDRMaskSize != nil && gardencorev1beta1.IsIPv6SingleStack(shoot.Spec.Networking.IPFamilies):
		return *kcm.NodeCIDRMaskSize, kcmPath.Child("nodeCIDRMaskSize")
	}
	return DefaultNodeCIDRMaskSizeIPv6, kcmPath.Child("nodeCIDRMaskSizeIPv6")
}

// highestMaxPods returns the highest maxPods of the shoot and its pools, and where it is set.
func highestMaxPods(shoot *gardencorev1beta1.Shoot) (int32, string) {
	maxPods, source := int32(DefaultMaxPods), "the kubelet's default"
	if k := shoot.Spec.Kubernetes.Kubelet; k != nil && k.MaxPods != nil {
		maxPods, source = *k.MaxPods, field.NewPath("spec", "kubernetes", "kubelet", "maxPods").String()
	}
	for i, w := range shoot.Spec.Provider.Workers {
		if w.Kubernetes != nil && w.Kubernetes.Kubelet != nil && w.Kubernetes.Kubelet.MaxPods != nil && *w.Kubernetes.Kubelet.MaxPods > maxPods {
			maxPods, source = *w.Kubernetes.Kubelet.MaxPods, field.NewPath("spec", "provider", "workers").Index(i).Child("kubernetes", "kubelet", "maxPods").String()
		}
	}
	return maxPods, source
}

// MaxPodsForNodeCIDRMaskSize returns the most pods a node's pod range of the given mask size holds (the first and
// last address are not handed out); it saturates at the largest int32.
func MaxPodsForNodeCIDRMaskSize(maskSize int32, family gardencorev1beta1.IPFamily) int32 {
	totalBits := 32
	if family == gardencorev1beta1.IPFamilyIPv6 {
		totalBits = 128
	}
	if maskSize < 1 || int(maskSize) > totalBits {
		return 0
	}
	return int32(max(min(addresses(totalBits-int(maskSize))-2, int64(1<<31-1)), 0))
}

// NodeCIDRMaskSizeForMaxPods returns the longest node CIDR mask size whose pod range holds twice maxPods addresses:
// kube-controller-manager and the CNI reuse a pod IP only after some time, as Gardener's own default assumes.
func NodeCIDRMaskSizeForMaxPods(maxPods int32, family gardencorev1beta1.IPFamily) int32 {
	totalBits := 32
	if family == gardencorev1beta1.IPFamilyIPv6 {
		totalBits = 128
	}
	return int32(totalBits - bitsFor(2*int64(max(maxPods, 1))))
}

func infraPartition(infra *metal.InfrastructureConfig) string {
	if infra == nil {
		return ""
	}
	return infra.PartitionID
}

// addresses returns 2^hostBits, saturated so that sums and comparisons with node counts cannot overflow.
func addresses(hostBits int) int64 {
	switch {
	case hostBits < 0:
		return 0
	case hostBits >= 62:
		return 1 << 62
	}
	return 1 << hostBits
}

// bitsFor returns the number of host bits needed for n addresses.
func bitsFor(n int64) int {
	if n <= 1 {
		return 0
	}
	return bits.Len64(uint64(n - 1))
}

func parsePrefix(cidr *string) (netip.Prefix, bool) {
	if cidr == nil {
		return netip.Prefix{}, false
	}
	prefix, err := netip.ParsePrefix(*cidr)
	if err != nil || prefix.Addr().Is4In6() {
		return netip.Prefix{}, false
	}
	return prefix.Masked(), true
}
