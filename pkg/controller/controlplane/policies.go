// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// Ports of the shoot's connections to its control plane: the kube-apiserver and the VPN tunnel of Gardener's
// reversed VPN, which the seed's istio ingress gateway serves on a port of its own.
const (
	portDNS       = 53
	portNTP       = 123
	portHTTPS     = 443
	portVPNTunnel = 8132
)

// anyCIDR is the whole address space of a family.
var anyCIDR = map[gardencorev1beta1.IPFamily]string{
	gardencorev1beta1.IPFamilyIPv4: "0.0.0.0/0",
	gardencorev1beta1.IPFamilyIPv6: "::/0",
}

// familySuffix names a policy's family: firewall-controller applies one policy per address family.
var familySuffix = map[gardencorev1beta1.IPFamily]string{
	gardencorev1beta1.IPFamilyIPv4: "ipv4",
	gardencorev1beta1.IPFamilyIPv6: "ipv6",
}

// policyPurpose is one kind of egress the shoot's nodes need: its name, ports and destinations.
type policyPurpose struct {
	name, description string
	ports             []firewallv1.NetworkPolicyPort
	// destinations are the CIDRs of the purpose in every family; nil means the whole address space.
	destinations []string
}

func ports(protocols []corev1.Protocol, port int32) []firewallv1.NetworkPolicyPort {
	out := make([]firewallv1.NetworkPolicyPort, 0, len(protocols))
	for _, p := range protocols {
		out = append(out, firewallv1.NetworkPolicyPort{Protocol: new(p), Port: port})
	}
	return out
}

var (
	tcpUDP = []corev1.Protocol{corev1.ProtocolTCP, corev1.ProtocolUDP}
	tcp    = []corev1.Protocol{corev1.ProtocolTCP}
	udp    = []corev1.Protocol{corev1.ProtocolUDP}
)

// hostCIDRs turns addresses (and CIDRs) into CIDRs; host names, which a firewall cannot match, are skipped.
func hostCIDRs(values []string) []string {
	var out []string
	for _, v := range values {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked().String())
			continue
		}
		if a, err := netip.ParseAddr(v); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()).String())
		}
	}
	return out
}

// purposes are the egress kinds of a shoot with its network access type. Baseline shoots reach the whole
// address space of their families; restricted and forbidden shoots only the partition's DNS and NTP servers,
// its registry mirrors and, for their control plane, its allowed egress networks.
func purposes(access apismetal.NetworkAccessType, isolation *apismetal.NetworkIsolation) []policyPurpose {
	out := []policyPurpose{
		{name: "allow-to-dns", description: "allow the shoot's nodes to resolve names", ports: ports(tcpUDP, portDNS)},
		{name: "allow-to-ntp", description: "allow the shoot's nodes to keep their clocks", ports: ports(udp, portNTP)},
		{name: "allow-to-apiserver", description: "allow the shoot's nodes to reach their kube-apiserver", ports: ports(tcp, portHTTPS)},
		{name: "allow-to-vpn", description: "allow the shoot's VPN to reach its control plane", ports: ports(tcp, portVPNTunnel)},
	}
	if access == apismetal.NetworkAccessBaseline || isolation == nil {
		return append(out, policyPurpose{name: "allow-to-http", description: "allow the shoot's nodes to reach web servers", ports: append(ports(tcp, 80), ports(tcp, portHTTPS)...)})
	}
	out[0].destinations = hostCIDRs(isolation.DNSServers)
	out[1].destinations = hostCIDRs(isolation.NTPServers)
	out[2].destinations = hostCIDRs(isolation.AllowedNetworks.Egress)
	out[3].destinations = hostCIDRs(isolation.AllowedNetworks.Egress)
	seen := map[string]bool{}
	for i, mirror := range isolation.RegistryMirrors {
		name := "allow-to-registry-" + dnsLabel(mirror.Name)
		if seen[name] {
			// Two mirror names that differ only in characters a DNS label cannot hold.
			name = fmt.Sprintf("%s-%d", name, i)
		}
		seen[name] = true
		out = append(out, policyPurpose{
			name:         name,
			description:  fmt.Sprintf("allow the shoot's nodes to pull images from the registry mirror %s", mirror.Endpoint),
			ports:        ports(tcp, mirror.Port),
			destinations: hostCIDRs([]string{mirror.IP}),
		})
	}
	return out
}

// maxMirrorLabel bounds the mirror's part of a policy name, so that the whole name, with its prefix and family
// suffix, stays a DNS label of at most 63 characters.
const maxMirrorLabel = 63 - len("allow-to-registry-") - len("-ipv4") - len("-99")

// dnsLabel turns a registry mirror's free-form name (for example "partition mirror") into the lower-case
// letters, digits and inner hyphens an object name may hold.
func dnsLabel(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			hyphen = false
			continue
		}
		if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	label := b.String()
	if len(label) > maxMirrorLabel {
		label = label[:maxMirrorLabel]
	}
	label = strings.TrimRight(label, "-")
	if label == "" {
		return "mirror"
	}
	return label
}

// inFamily keeps the CIDRs of one family.
func inFamily(cidrs []string, family gardencorev1beta1.IPFamily) []string {
	var out []string
	for _, c := range cidrs {
		p, err := netip.ParsePrefix(c)
		if err != nil {
			continue
		}
		if p.Addr().Is4() == (family == gardencorev1beta1.IPFamilyIPv4) {
			out = append(out, c)
		}
	}
	return out
}

// clusterwideNetworkPolicies are the shoot's firewall policies: one per purpose and IP family of the shoot, named
// <purpose>-ipv4 and <purpose>-ipv6. A family without destinations for a purpose (e.g. an isolated partition that
// has IPv4 NTP servers only) gets no policy for it rather than one for the whole address space.
func clusterwideNetworkPolicies(families []gardencorev1beta1.IPFamily, access apismetal.NetworkAccessType, isolation *apismetal.NetworkIsolation) []firewallv1.ClusterwideNetworkPolicy {
	var out []firewallv1.ClusterwideNetworkPolicy
	for _, purpose := range purposes(access, isolation) {
		for _, family := range families {
			to := []string{anyCIDR[family]}
			if purpose.destinations != nil {
				to = inFamily(purpose.destinations, family)
			}
			if len(to) == 0 {
				continue
			}
			slices.Sort(to)
			to = slices.Compact(to)
			blocks := make([]networkingv1.IPBlock, 0, len(to))
			for _, cidr := range to {
				blocks = append(blocks, networkingv1.IPBlock{CIDR: cidr})
			}
			out = append(out, firewallv1.ClusterwideNetworkPolicy{
				TypeMeta:   metav1.TypeMeta{APIVersion: firewallv1.GroupVersion.String(), Kind: "ClusterwideNetworkPolicy"},
				ObjectMeta: metav1.ObjectMeta{Name: purpose.name + "-" + familySuffix[family], Namespace: firewallv1.ClusterwideNetworkPolicyNamespace},
				Spec: firewallv1.PolicySpec{
					Description: purpose.description + " (" + string(family) + ")",
					Egress:      []firewallv1.EgressRule{{Ports: slices.Clone(purpose.ports), To: blocks}},
				},
			})
		}
	}
	return out
}

// policyValues renders the policies as chart values.
func policyValues(policies []firewallv1.ClusterwideNetworkPolicy) ([]any, error) {
	out := make([]any, 0, len(policies))
	for i := range policies {
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&policies[i])
		if err != nil {
			return nil, fmt.Errorf("rendering ClusterwideNetworkPolicy %s: %w", policies[i].Name, err)
		}
		delete(m, "status")
		if meta, ok := m["metadata"].(map[string]any); ok {
			delete(meta, "creationTimestamp")
		}
		out = append(out, m)
	}
	return out, nil
}
