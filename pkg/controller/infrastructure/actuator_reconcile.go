// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// Reconcile checks the firewall's networks, tags the egress IPs (after checking all of them), finds or allocates
// the node network (by the shoot's cluster label first, so a retry never allocates twice) and writes the status,
// but only if it changed. The checks that only read come first, so a misconfigured shoot gets nothing allocated.
func (a *actuator) Reconcile(ctx context.Context, log logr.Logger, infra *extensionsv1alpha1.Infrastructure, cluster *extensionscontroller.Cluster) error {
	s, err := a.prepare(ctx, infra, cluster, true)
	if err != nil {
		return err
	}
	log = log.WithValues("clusterID", s.cluster.ID, "project", s.cluster.ProjectID, "partition", s.cluster.PartitionID)

	if err := a.checkFirewallNetworks(ctx, s); err != nil {
		return err
	}

	var desired []metal.EgressIP
	for _, rule := range s.config.Firewall.EgressRules {
		for _, ip := range rule.IPs {
			desired = append(desired, metal.EgressIP{Address: ip, NetworkID: rule.NetworkID})
		}
	}
	egress, err := s.client.ReconcileEgressIPs(ctx, s.cluster, desired)
	if err != nil {
		return classify(err, "tagging the egress IPs of %s", s.cluster.Name)
	}

	previous, err := metalhelper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
	if err != nil {
		// A status this version cannot read only loses its hint which duplicate node network to keep.
		log.Info("Ignoring unreadable providerStatus", "error", err.Error())
		previous = &apismetal.InfrastructureStatus{}
	}
	nodeNetwork, err := a.ensureNodeNetwork(ctx, s, previous)
	if err != nil {
		return err
	}

	status := desiredStatus(nodeNetwork, egress)
	changed, err := a.patchStatus(ctx, infra, status)
	if err != nil {
		return fmt.Errorf("writing the status of Infrastructure %s: %w", client.ObjectKeyFromObject(infra), err)
	}
	log.Info("Reconciled infrastructure", "nodeNetwork", nodeNetwork.ID, "nodes", nodeNetwork.Prefixes, "egressIPs", status.provider.EgressIPs, "statusChanged", changed)
	return nil
}

// checkFirewallNetworks checks that every network of the firewall exists and may be used by the shoot's
// project in its partition. It reads each named network, never a list.
func (a *actuator) checkFirewallNetworks(ctx context.Context, s *shoot) error {
	networks, err := s.client.GetNetworks(ctx, s.config.Firewall.Networks)
	if err != nil {
		return classify(err, "checking the firewall networks of %s", s.cluster.Name)
	}
	for i := range networks {
		if err := networks[i].UsableBy(s.cluster.ProjectID, s.cluster.PartitionID); err != nil {
			return classify(err, "checking the firewall networks of %s", s.cluster.Name)
		}
	}
	return nil
}

// ensureNodeNetwork returns the node network of the shoot: the one the shoot owner chose, used as is, or the one
// the extension allocated (found by the cluster label, allocated if absent).
func (a *actuator) ensureNodeNetwork(ctx context.Context, s *shoot, previous *apismetal.InfrastructureStatus) (*apismetal.NodeNetworkStatus, error) {
	if s.userNodes != nil {
		return &apismetal.NodeNetworkStatus{Prefixes: []string{s.userNodes.String()}}, nil
	}

	spec := metal.NodeNetworkSpec{Families: s.families, PrefixLengths: map[metal.IPFamily]int{}}
	lengths := metalhelper.NodePrefixLengths(s.config, s.partition)
	if lengths.IPv4 != nil {
		spec.PrefixLengths[metal.IPv4] = int(*lengths.IPv4)
	}
	if lengths.IPv6 != nil {
		spec.PrefixLengths[metal.IPv6] = int(*lengths.IPv6)
	}
	if id, ok := metalhelper.ParentNetworkID(s.config, s.partition); ok {
		spec.ParentNetworkID = id
	}
	if d := s.partition.NodeNetworkDefaults; d != nil {
		spec.AllowedParentNetworkIDs = d.PrivateSuperNetworks
	}
	if previous.NodeNetwork != nil {
		spec.PreferredID = previous.NodeNetwork.ID
	}

	n, err := s.client.EnsureNodeNetwork(ctx, s.cluster, spec)
	if err != nil {
		return nil, classify(err, "ensuring the node network of %s in partition %q", s.cluster.Name, s.cluster.PartitionID)
	}
	status := &apismetal.NodeNetworkStatus{ID: n.ID, AllocatedByExtension: true}
	for _, f := range s.families {
		for _, p := range n.PrefixesOf(f) {
			status.Prefixes = append(status.Prefixes, p.String())
		}
	}
	return status, nil
}

// infraStatus is the part of an Infrastructure's status the actuator owns.
type infraStatus struct {
	provider    *apismetal.InfrastructureStatus
	nodesCIDR   *string
	networking  *extensionsv1alpha1.InfrastructureStatusNetworking
	egressCIDRs []string
}

// desiredStatus computes the status deterministically from the node network and the egress IPs: node prefixes
// in the shoot's family order, egress IPs sorted by address.
func desiredStatus(nodeNetwork *apismetal.NodeNetworkStatus, egress []metal.IP) infraStatus {
	ips := make([]netip.Addr, 0, len(egress))
	for _, ip := range egress {
		ips = append(ips, ip.Address)
	}
	slices.SortFunc(ips, netip.Addr.Compare)
	ips = slices.Compact(ips)

	s := infraStatus{
		provider:   &apismetal.InfrastructureStatus{NodeNetwork: nodeNetwork},
		networking: &extensionsv1alpha1.InfrastructureStatusNetworking{Nodes: slices.Clone(nodeNetwork.Prefixes)},
	}
	for _, ip := range ips {
		s.provider.EgressIPs = append(s.provider.EgressIPs, ip.String())
		s.egressCIDRs = append(s.egressCIDRs, netip.PrefixFrom(ip, ip.BitLen()).String())
	}
	if len(nodeNetwork.Prefixes) > 0 {
		s.nodesCIDR = new(nodeNetwork.Prefixes[0])
	}
	return s
}

// patchStatus writes the status if it differs from the Infrastructure's; it reports whether it wrote.
func (a *actuator) patchStatus(ctx context.Context, infra *extensionsv1alpha1.Infrastructure, desired infraStatus) (bool, error) {
	current, err := metalhelper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
	if err == nil && infra.Status.ProviderStatus != nil &&
		equality.Semantic.DeepEqual(current.NodeNetwork, desired.provider.NodeNetwork) &&
		equality.Semantic.DeepEqual(current.EgressIPs, desired.provider.EgressIPs) &&
		equality.Semantic.DeepEqual(infra.Status.NodesCIDR, desired.nodesCIDR) &&
		equality.Semantic.DeepEqual(infra.Status.Networking, desired.networking) &&
		equality.Semantic.DeepEqual(infra.Status.EgressCIDRs, desired.egressCIDRs) {
		return false, nil
	}

	raw, err := encodeProviderStatus(desired.provider)
	if err != nil {
		return false, err
	}
	patch := client.MergeFrom(infra.DeepCopy())
	infra.Status.ProviderStatus = raw
	infra.Status.NodesCIDR = desired.nodesCIDR
	infra.Status.Networking = desired.networking
	infra.Status.EgressCIDRs = desired.egressCIDRs
	return true, a.client.Status().Patch(ctx, infra, patch)
}

// encodeProviderStatus encodes the providerStatus in the served version with its apiVersion and kind.
func encodeProviderStatus(status *apismetal.InfrastructureStatus) (*runtime.RawExtension, error) {
	versioned := &metalv1alpha1.InfrastructureStatus{}
	if err := metalhelper.Scheme.Convert(status, versioned, nil); err != nil {
		return nil, fmt.Errorf("converting the providerStatus: %w", err)
	}
	versioned.APIVersion = metalv1alpha1.SchemeGroupVersion.String()
	versioned.Kind = "InfrastructureStatus"
	data, err := json.Marshal(versioned)
	if err != nil {
		return nil, fmt.Errorf("encoding the providerStatus: %w", err)
	}
	return &runtime.RawExtension{Raw: data}, nil
}
