// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"context"
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
	"github.com/coreos/go-systemd/v22/unit"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

const (
	flagCloudProvider              = "--cloud-provider="
	flagCloudConfig                = "--cloud-config="
	flagExternalCloudVolume        = "--external-cloud-volume-plugin="
	flagClusterCIDR                = "--cluster-cidr="
	flagNodeCIDRMaskSize           = "--node-cidr-mask-size="
	flagNodeCIDRMaskSizeIPv4       = "--node-cidr-mask-size-ipv4="
	flagNodeCIDRMaskSizeIPv6       = "--node-cidr-mask-size-ipv6="
	cloudProviderExternal          = "external"
	defaultMaxPods           int32 = 110
	defaultIPv6NodeCIDRMask        = 64
)

// EnsureKubeAPIServerDeployment keeps in-tree cloud provider flags away from the kube-apiserver (metal-stack's
// cloud-controller-manager runs outside of it) and gives its VPN sidecars every node network of the shoot.
func (e *Ensurer) EnsureKubeAPIServerDeployment(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *appsv1.Deployment) error {
	if c := extensionswebhook.ContainerWithName(newObj.Spec.Template.Spec.Containers, v1beta1constants.DeploymentNameKubeAPIServer); c != nil {
		for _, prefix := range []string{flagCloudProvider, flagCloudConfig} {
			c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, prefix)
			c.Args = extensionswebhook.EnsureNoStringWithPrefix(c.Args, prefix)
		}
	}
	return e.ensureVPNNodeNetworks(ctx, gctx, &newObj.Spec.Template.Spec, false)
}

// EnsureKubeControllerManagerDeployment runs the kube-controller-manager with the external cloud provider and with
// node CIDR mask sizes for exactly the IP families of the shoot.
func (e *Ensurer) EnsureKubeControllerManagerDeployment(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *appsv1.Deployment) error {
	c := extensionswebhook.ContainerWithName(newObj.Spec.Template.Spec.Containers, v1beta1constants.DeploymentNameKubeControllerManager)
	if c == nil {
		return nil
	}
	cluster, err := gctx.GetCluster(ctx)
	if err != nil {
		return fmt.Errorf("reading the Cluster of %s/%s: %w", newObj.Namespace, newObj.Name, err)
	}

	c.Command = extensionswebhook.EnsureStringWithPrefix(c.Command, flagCloudProvider, cloudProviderExternal)
	c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, flagCloudConfig)
	c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, flagExternalCloudVolume)

	// A workerless shoot has no node IPAM (gardenlet passes no cluster CIDR): nothing to size.
	clusterCIDR, ok := flagValue(c.Command, flagClusterCIDR)
	if !ok || cluster.Shoot == nil {
		return nil
	}
	masks, err := NodeCIDRMaskSizes(cluster.Shoot, strings.Split(clusterCIDR, ","))
	if err != nil {
		return fmt.Errorf("kube-controller-manager of %s: %w", newObj.Namespace, err)
	}
	v4, hasV4 := masks[gardencorev1beta1.IPFamilyIPv4]
	v6, hasV6 := masks[gardencorev1beta1.IPFamilyIPv6]
	switch {
	case hasV4 && hasV6:
		c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, flagNodeCIDRMaskSize)
		c.Command = extensionswebhook.EnsureStringWithPrefix(c.Command, flagNodeCIDRMaskSizeIPv4, strconv.Itoa(v4))
		c.Command = extensionswebhook.EnsureStringWithPrefix(c.Command, flagNodeCIDRMaskSizeIPv6, strconv.Itoa(v6))
	default:
		mask := v4
		if hasV6 {
			mask = v6
		}
		c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, flagNodeCIDRMaskSizeIPv4)
		c.Command = extensionswebhook.EnsureNoStringWithPrefix(c.Command, flagNodeCIDRMaskSizeIPv6)
		c.Command = extensionswebhook.EnsureStringWithPrefix(c.Command, flagNodeCIDRMaskSize, strconv.Itoa(mask))
	}
	return nil
}

// NodeCIDRMaskSizes returns the node CIDR mask size of each IP family of the shoot: the one the shoot configures,
// else Gardener's defaults (IPv4 from maxPods with twice as many addresses as pods, IPv6 /64). Each must fit into
// the family's pod network (podCIDRs, as the kube-controller-manager gets them) and hold maxPods addresses; a mask
// that does not is a configuration problem that node IPAM would only report per node, so it is refused here.
func NodeCIDRMaskSizes(shoot *gardencorev1beta1.Shoot, podCIDRs []string) (map[gardencorev1beta1.IPFamily]int, error) {
	families := []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	if shoot.Spec.Networking != nil && len(shoot.Spec.Networking.IPFamilies) > 0 {
		families = shoot.Spec.Networking.IPFamilies
	}
	ipv6SingleStack := len(families) == 1 && families[0] == gardencorev1beta1.IPFamilyIPv6
	maxPods := MaxPods(shoot)

	var configured4, configured6 *int32
	if kcm := shoot.Spec.Kubernetes.KubeControllerManager; kcm != nil {
		configured4, configured6 = kcm.NodeCIDRMaskSize, kcm.NodeCIDRMaskSizeIPv6
		if ipv6SingleStack && configured6 == nil {
			// Gardener lets single-stack IPv6 shoots set the IPv6 mask through nodeCIDRMaskSize.
			configured6 = kcm.NodeCIDRMaskSize
		}
	}

	pods := map[gardencorev1beta1.IPFamily]netip.Prefix{}
	for _, s := range podCIDRs {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("parsing pod network %q: %w", s, err)
		}
		pods[familyOf(p.Addr())] = p
	}

	masks := map[gardencorev1beta1.IPFamily]int{}
	for _, family := range families {
		var mask, addrBits int
		switch family {
		case gardencorev1beta1.IPFamilyIPv4:
			addrBits, mask = 32, 32-int(math.Ceil(math.Log2(float64(2*maxPods))))
			if configured4 != nil {
				mask = int(*configured4)
			}
		case gardencorev1beta1.IPFamilyIPv6:
			addrBits, mask = 128, defaultIPv6NodeCIDRMask
			if configured6 != nil {
				mask = int(*configured6)
			}
		default:
			return nil, fmt.Errorf("unknown IP family %q", family)
		}
		if mask < 0 || mask > addrBits {
			return nil, fmt.Errorf("node CIDR mask size /%d is no %s prefix length", mask, family)
		}
		if hostBits := addrBits - mask; hostBits < bits.UintSize-1 && 1<<hostBits < int(maxPods) {
			return nil, fmt.Errorf("node CIDR mask size /%d of %s holds %d addresses, fewer than maxPods %d", mask, family, 1<<hostBits, maxPods)
		}
		if pod, ok := pods[family]; ok && mask < pod.Bits() {
			return nil, fmt.Errorf("node CIDR mask size /%d of %s is larger than the pod network %s", mask, family, pod)
		}
		masks[family] = mask
	}
	return masks, nil
}

// MaxPods returns the largest maxPods of the shoot's kubelets (110, the kubelet's default, when none is set).
func MaxPods(shoot *gardencorev1beta1.Shoot) int32 {
	maxPods := defaultMaxPods
	if k := shoot.Spec.Kubernetes.Kubelet; k != nil && k.MaxPods != nil {
		maxPods = *k.MaxPods
	}
	for _, w := range shoot.Spec.Provider.Workers {
		if w.Kubernetes != nil && w.Kubernetes.Kubelet != nil && w.Kubernetes.Kubelet.MaxPods != nil && *w.Kubernetes.Kubelet.MaxPods > maxPods {
			maxPods = *w.Kubernetes.Kubelet.MaxPods
		}
	}
	return maxPods
}

// EnsureKubeletServiceUnitOptions runs the kubelet with the external cloud provider, so that nodes wait for
// metal-stack's cloud-controller-manager to initialise them.
func (e *Ensurer) EnsureKubeletServiceUnitOptions(_ context.Context, _ extensionscontextwebhook.GardenContext, _ *semver.Version, newObj, _ []*unit.UnitOption) ([]*unit.UnitOption, error) {
	if opt := extensionswebhook.UnitOptionWithSectionAndName(newObj, "Service", "ExecStart"); opt != nil {
		command := extensionswebhook.DeserializeCommandLine(opt.Value)
		command = ensureFlagBeforeExtraArgs(command, flagCloudProvider+cloudProviderExternal)
		opt.Value = extensionswebhook.SerializeCommandLine(command, 1, " \\\n    ")
	}
	return newObj, nil
}

// ensureFlagBeforeExtraArgs sets the kubelet flag in place or, when missing, before $KUBELET_EXTRA_ARGS, so that
// extra arguments of the node still come last and win.
func ensureFlagBeforeExtraArgs(command []string, flag string) []string {
	name, _, _ := strings.Cut(flag, "=")
	for i, arg := range command {
		if strings.HasPrefix(arg, name+"=") {
			command[i] = flag
			return command
		}
	}
	if idx := slices.Index(command, "$KUBELET_EXTRA_ARGS"); idx >= 0 {
		return slices.Insert(command, idx, flag)
	}
	return append(command, flag)
}

func familyOf(addr netip.Addr) gardencorev1beta1.IPFamily {
	if addr.Is4() || addr.Is4In6() {
		return gardencorev1beta1.IPFamilyIPv4
	}
	return gardencorev1beta1.IPFamilyIPv6
}

func flagValue(command []string, prefix string) (string, bool) {
	for _, arg := range command {
		if v, ok := strings.CutPrefix(arg, prefix); ok {
			return v, true
		}
	}
	return "", false
}

// containersWithEnv returns the containers of the pod that carry the environment variable.
func containersWithEnv(ps *corev1.PodSpec, name string) []*corev1.Container {
	var out []*corev1.Container
	for i := range ps.Containers {
		if slices.ContainsFunc(ps.Containers[i].Env, func(e corev1.EnvVar) bool { return e.Name == name }) {
			out = append(out, &ps.Containers[i])
		}
	}
	return out
}
