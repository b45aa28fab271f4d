// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names and labels of the seed NetworkPolicies of the control plane. Gardener's label-based policies
// (networking.gardener.cloud/to-*, networking.resources.gardener.cloud/to-*) give the components DNS, the seed's
// and the shoot's API servers and the networks outside the seed; these add what they cannot express.
const (
	// NetworkPolicyFCMWebhooks lets the seed's API server call firewall-controller-manager's webhooks.
	NetworkPolicyFCMWebhooks = "ingress-to-firewall-controller-manager-webhooks"
	// NetworkPolicyMetalAPI lets the components reach a metal-api given by IP address, which may lie in a network
	// that Gardener's policies exclude (the seed's own networks, blocked CIDRs).
	NetworkPolicyMetalAPI = "egress-to-metal-api"
	// LabelToMetalAPI marks the pods that talk to the metal-api.
	LabelToMetalAPI = "metal.provider.extensions.gardener.cloud/to-metal-api"
)

// fcmWebhookClients are the peers allowed to call firewall-controller-manager's webhooks: the seed's API server,
// which runs outside the seed's pod network (host network or a managed control plane), so every address of the
// seed's IP families except its pod network; and, for a seed that is itself a Gardener shoot, the vpn-shoot pods
// through which its API server reaches the pods. Other pods of the seed cannot ask the webhooks, whose answers
// hold the firewalls' credentials.
func fcmWebhookClients(seed *gardencorev1beta1.Seed) ([]networkingv1.NetworkPolicyPeer, error) {
	families := seed.Spec.Networks.IPFamilies
	if len(families) == 0 {
		families = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	pods := map[gardencorev1beta1.IPFamily][]string{}
	for _, cidr := range strings.Split(seed.Spec.Networks.Pods, ",") {
		if cidr = strings.TrimSpace(cidr); cidr == "" {
			continue
		}
		p, err := netip.ParsePrefix(cidr)
		if err != nil {
			return nil, configurationProblem(fmt.Errorf("the pod network %q of Seed %s: %w", seed.Spec.Networks.Pods, seed.Name, err))
		}
		family := gardencorev1beta1.IPFamilyIPv4
		if p.Addr().Is6() {
			family = gardencorev1beta1.IPFamilyIPv6
		}
		pods[family] = append(pods[family], p.Masked().String())
	}
	var peers []networkingv1.NetworkPolicyPeer
	for _, family := range families {
		all, ok := map[gardencorev1beta1.IPFamily]string{
			gardencorev1beta1.IPFamilyIPv4: "0.0.0.0/0",
			gardencorev1beta1.IPFamilyIPv6: "::/0",
		}[family]
		if !ok {
			return nil, configurationProblem(fmt.Errorf("the IP family %q of Seed %s is unknown", family, seed.Name))
		}
		peers = append(peers, networkingv1.NetworkPolicyPeer{IPBlock: &networkingv1.IPBlock{CIDR: all, Except: pods[family]}})
	}
	return append(peers, networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: metav1.NamespaceSystem}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{v1beta1constants.LabelApp: "vpn-shoot"}},
	}), nil
}

// metalAPIPeer is the metal-api as a NetworkPolicy destination when its endpoint names an IP address (a DNS name
// cannot be expressed in a NetworkPolicy; Gardener's to-public-networks and to-private-networks cover it).
func metalAPIPeer(endpoint string) (*networkingv1.NetworkPolicyEgressRule, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, configurationProblem(fmt.Errorf("the metal-api endpoint %q of the cloud profile: %w", endpoint, err))
	}
	addr, ok := ipAddress(u.Hostname())
	if !ok {
		return nil, nil
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, configurationProblem(fmt.Errorf("the metal-api endpoint %q of the cloud profile has the invalid port %q", endpoint, p))
		}
	}
	return &networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()).String()}}},
		Ports: []networkingv1.NetworkPolicyPort{{Protocol: new(corev1.ProtocolTCP), Port: new(intstr.FromInt(port))}},
	}, nil
}

// ipAddress parses host as an IP address; ok is false for a DNS name.
func ipAddress(host string) (addr netip.Addr, ok bool) {
	addr, err := netip.ParseAddr(host)
	return addr, err == nil
}

// seedNetworkPolicies are the NetworkPolicies of the control plane components in the shoot namespace.
func seedNetworkPolicies(namespace string, cluster *extensionscontroller.Cluster, metalAPIEndpoint string) ([]any, error) {
	if cluster.Seed == nil {
		return nil, errors.New("the Cluster of the ControlPlane holds no seed")
	}
	clients, err := fcmWebhookClients(cluster.Seed)
	if err != nil {
		return nil, err
	}
	tcp := corev1.ProtocolTCP
	policies := []networkingv1.NetworkPolicy{{
		ObjectMeta: metav1.ObjectMeta{
			Name: NetworkPolicyFCMWebhooks, Namespace: namespace,
			Annotations: map[string]string{v1beta1constants.GardenerDescription: "Allows the seed's API server to call the webhooks of firewall-controller-manager."},
		},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": FirewallControllerManagerName}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  clients,
				Ports: []networkingv1.NetworkPolicyPort{{Protocol: &tcp, Port: new(intstr.FromInt(fcmWebhookPort))}},
			}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
		},
	}}
	rule, err := metalAPIPeer(metalAPIEndpoint)
	if err != nil {
		return nil, err
	}
	if rule != nil {
		policies = append(policies, networkingv1.NetworkPolicy{
			ObjectMeta: metav1.ObjectMeta{
				Name: NetworkPolicyMetalAPI, Namespace: namespace,
				Annotations: map[string]string{v1beta1constants.GardenerDescription: "Allows the metal cloud-controller-manager and firewall-controller-manager to reach the metal-api."},
			},
			Spec: networkingv1.NetworkPolicySpec{
				PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{LabelToMetalAPI: v1beta1constants.LabelNetworkPolicyAllowed}},
				Egress:      []networkingv1.NetworkPolicyEgressRule{*rule},
				PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			},
		})
	}
	out := make([]any, 0, len(policies))
	for i := range policies {
		policies[i].TypeMeta = metav1.TypeMeta{APIVersion: networkingv1.SchemeGroupVersion.String(), Kind: "NetworkPolicy"}
		m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&policies[i])
		if err != nil {
			return nil, err
		}
		// The chart renders the policies as they are; status and creationTimestamp are not for the chart.
		delete(m, "status")
		if meta, ok := m["metadata"].(map[string]any); ok {
			delete(meta, "creationTimestamp")
		}
		out = append(out, m)
	}
	return out, nil
}
