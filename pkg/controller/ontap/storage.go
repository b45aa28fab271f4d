// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"

	"github.com/go-logr/logr"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// storageState is what the SVM of a shoot looks like after a reconciliation.
type storageState struct {
	svm      ontap.SVM
	dataLIFs []storageLIF
	mgmtLIF  storageLIF
	// allocated are the LIF IPs taken from the metal-api.
	allocated []netip.Addr
	status    *apisontap.OntapStatus
}

// reconcileSVM brings the shoot's SVM on the cluster in line: the SVM itself, its protocol services, its LIFs
// with IPs from the storage network, the NFS export policy and Trident's account. Every step reads first and
// writes only what differs, so a second run on an unchanged SVM writes nothing.
func (a *actuator) reconcileSVM(ctx context.Context, log logr.Logger, s *shoot, c ontap.Cluster, creds credentials) (*storageState, error) {
	info, err := c.Info(ctx)
	if err != nil {
		return nil, classify(err, "reading the ONTAP cluster")
	}

	svm, err := a.ensureSVM(ctx, log, s, c)
	if err != nil {
		return nil, err
	}
	if err := a.reconcileQoS(ctx, log, s, c); err != nil {
		return nil, err
	}

	services := make([]ontap.Protocol, 0, len(s.config.Protocols))
	for _, p := range s.config.Protocols {
		services = append(services, protocols[p].service)
	}
	if err := c.EnsureProtocols(ctx, s.svm, services...); err != nil {
		return nil, classify(err, "enabling the protocols of SVM %s", s.svm)
	}

	state, err := a.reconcileLIFs(ctx, log, s, c, info.Nodes)
	if err != nil {
		return nil, err
	}
	state.svm = svm

	if slices.Contains(s.config.Protocols, apisontap.ProtocolNFS) {
		if len(s.nodeCIDRs) == 0 {
			return nil, waitFor("waiting for the shoot's node network to be known: the NFS export policy of SVM %s admits the shoot's nodes only", s.svm)
		}
		if err := c.EnsureExportPolicy(ctx, s.svm, ontap.ExportPolicySpec{Name: exportPolicyName, Clients: s.nodeCIDRs}); err != nil {
			return nil, classify(err, "ensuring the NFS export policy of SVM %s", s.svm)
		}
	}

	if err := c.EnsureAccount(ctx, s.svm, creds.username, creds.password); err != nil {
		return nil, classify(err, "ensuring Trident's account of SVM %s", s.svm)
	}

	state.status = &apisontap.OntapStatus{
		Cluster:               c.Name(),
		SVMName:               svm.Name,
		SVMUUID:               svm.UUID,
		CredentialsSecretName: CredentialsSecretName,
	}
	for _, l := range state.dataLIFs {
		state.status.DataLIFs = append(state.status.DataLIFs, apisontap.LIFStatus{Name: l.name, Address: l.address.String(), HomeNode: l.node, Protocol: l.protocol})
	}
	for _, ip := range state.allocated {
		state.status.AllocatedIPs = append(state.status.AllocatedIPs, ip.String())
	}
	state.status.ManagementLIF = &apisontap.LIFStatus{Name: state.mgmtLIF.name, Address: state.mgmtLIF.address.String(), HomeNode: state.mgmtLIF.node}
	return state, nil
}

// ensureSVM creates the SVM if it does not exist, on the aggregates with the most room (the best one of each node,
// so volumes can live next to every node), or those the shoot names. An existing SVM keeps its aggregates unless
// the shoot names them.
func (a *actuator) ensureSVM(ctx context.Context, log logr.Logger, s *shoot, c ontap.Cluster) (ontap.SVM, error) {
	spec := ontap.SVMSpec{
		Name:    s.svm,
		Comment: fmt.Sprintf("gardener shoot %s (uid %s)", s.identity.Name, s.identity.ID),
	}
	if s.config.SVM != nil {
		spec.Aggregates = s.config.SVM.Aggregates
		if s.config.SVM.MaxVolumes != nil {
			spec.MaxVolumes = int(*s.config.SVM.MaxVolumes)
		}
	}
	if len(spec.Aggregates) == 0 {
		_, err := c.GetSVM(ctx, s.svm)
		switch {
		case ontap.IsNotFound(err):
			aggregates, err := c.PickAggregates(ctx, 0)
			if err != nil {
				return ontap.SVM{}, classify(err, "choosing the aggregates of SVM %s", s.svm)
			}
			spec.Aggregates = bestPerNode(aggregates)
			if len(spec.Aggregates) == 0 {
				return ontap.SVM{}, classify(fmt.Errorf("ONTAP cluster %s has no online aggregate", c.Name()), "choosing the aggregates of SVM %s", s.svm)
			}
			log.Info("Creating the shoot's SVM", "svm", s.svm, "cluster", c.Name(), "aggregates", spec.Aggregates)
		case err != nil:
			return ontap.SVM{}, classify(err, "reading SVM %s", s.svm)
		}
	}
	svm, err := c.EnsureSVM(ctx, spec)
	if err != nil {
		return ontap.SVM{}, classify(err, "ensuring SVM %s", s.svm)
	}
	return svm, nil
}

// QoSPolicyName returns the name of the QoS policy of the shoot's SVM. ONTAP wants policy names unique in the
// cluster; the SVM's name is.
func QoSPolicyName(svm string) string { return svm + "_qos" }

// reconcileQoS applies the QoS ceiling of the configuration to the SVM, or removes the SVM's policy when the
// configuration has none (any more).
func (a *actuator) reconcileQoS(ctx context.Context, log logr.Logger, s *shoot, c ontap.Cluster) error {
	name := QoSPolicyName(s.svm)
	if s.config.SVM == nil || s.config.SVM.QoS == nil {
		if err := c.DeleteQoSPolicy(ctx, s.svm, name); err != nil {
			return classify(err, "removing the QoS policy of SVM %s", s.svm)
		}
		return nil
	}
	qos := s.config.SVM.QoS
	spec := ontap.QoSPolicySpec{Name: name}
	if qos.MaxIOPS != nil {
		spec.MaxIOPS = *qos.MaxIOPS
	}
	if qos.MaxThroughputMBps != nil {
		spec.MaxThroughputMBps = *qos.MaxThroughputMBps
	}
	if _, err := c.EnsureQoSPolicy(ctx, s.svm, spec); err != nil {
		return classify(err, "ensuring the QoS policy of SVM %s", s.svm)
	}
	log.V(1).Info("Ensured the QoS policy of the shoot's SVM", "svm", s.svm, "policy", name)
	return nil
}

// bestPerNode returns the aggregate with the most free space of each node; aggregates come sorted by free space.
func bestPerNode(aggregates []ontap.Aggregate) []string {
	seen := map[string]bool{}
	var out []string
	for _, aggr := range aggregates {
		if seen[aggr.Node] {
			continue
		}
		seen[aggr.Node] = true
		out = append(out, aggr.Name)
	}
	slices.Sort(out)
	return out
}

// reconcileLIFs ensures the desired LIFs with their addresses (explicit ones from the configuration, the others
// allocated in the storage network and tagged with the shoot), deletes LIFs of the SVM that are not desired
// (drift, disabled protocols, fewer LIFs per node) and then frees the storage IPs that no desired LIF uses.
func (a *actuator) reconcileLIFs(ctx context.Context, log logr.Logger, s *shoot, c ontap.Cluster, nodes []string) (*storageState, error) {
	desired, err := desiredLIFs(s.config.SVM, s.config.Protocols, nodes)
	if err != nil {
		return nil, configurationProblem(fmt.Errorf("laying out the LIFs of SVM %s: %w", s.svm, err))
	}

	mc, err := a.metalClient(ctx, s)
	if err != nil {
		return nil, err
	}
	network, err := mc.GetNetwork(ctx, s.dataNetworkID)
	if err != nil {
		return nil, classify(err, "reading the storage network %q", s.dataNetworkID)
	}
	if err := checkStorageNetwork(network, s.identity); err != nil {
		return nil, configurationProblem(err)
	}

	var names []string
	for _, l := range desired {
		if !l.address.IsValid() {
			names = append(names, l.name)
		}
	}
	allocated := map[string]metal.IP{}
	if len(names) > 0 {
		allocated, err = metal.EnsureStorageIPs(ctx, mc, s.identity, metal.StorageIPRequest{
			NetworkID: network.ID,
			Family:    s.family,
			Names:     names,
			Description: func(name string) string {
				return fmt.Sprintf("ONTAP LIF %s of SVM %s (shoot %s)", name, s.svm, s.identity.Name)
			},
		})
		if err != nil {
			return nil, classify(err, "allocating the LIF IPs of SVM %s in network %q", s.svm, network.ID)
		}
	}

	state := &storageState{}
	wanted := map[string]bool{}
	for _, l := range desired {
		addr := l.address
		if !addr.IsValid() {
			addr = allocated[l.name].Address
		}
		prefix, ok := prefixIn(network, addr)
		if !ok {
			return nil, configurationProblem(fmt.Errorf("LIF %s of SVM %s: address %s is not in storage network %q (%v)", l.name, s.svm, addr, network.ID, network.Prefixes))
		}
		got, err := c.EnsureInterface(ctx, s.svm, ontap.LIFSpec{Name: l.name, Address: prefix, HomeNode: l.homeNode, ServicePolicy: l.servicePolicy()})
		if err != nil {
			return nil, classify(err, "ensuring LIF %s of SVM %s", l.name, s.svm)
		}
		wanted[l.name] = true
		sl := storageLIF{name: l.name, protocol: l.protocol, address: addr, node: cmp.Or(got.HomeNode, l.homeNode)}
		if l.protocol == "" {
			state.mgmtLIF = sl
		} else {
			state.dataLIFs = append(state.dataLIFs, sl)
		}
	}

	existing, err := c.ListInterfaces(ctx, s.svm)
	if err != nil {
		return nil, classify(err, "listing the LIFs of SVM %s", s.svm)
	}
	for _, l := range existing {
		if wanted[l.Name] {
			continue
		}
		log.Info("Deleting a LIF the shoot's configuration does not ask for", "svm", s.svm, "lif", l.Name)
		if err := c.DeleteInterface(ctx, s.svm, l.Name); err != nil {
			return nil, classify(err, "deleting LIF %s of SVM %s", l.Name, s.svm)
		}
	}

	freed, err := metal.FreeStorageIPs(ctx, mc, s.identity, "", func(ip metal.IP) bool {
		got, ok := allocated[ip.Name]
		return ok && got.Address == ip.Address
	})
	if err != nil {
		return nil, classify(err, "freeing the storage IPs SVM %s no longer uses", s.svm)
	}
	if len(freed) > 0 {
		log.Info("Freed storage IPs no LIF uses", "svm", s.svm, "ips", freed)
	}

	for _, ip := range allocated {
		state.allocated = append(state.allocated, ip.Address)
	}
	slices.SortFunc(state.allocated, netip.Addr.Compare)
	return state, nil
}

// checkStorageNetwork checks that the shoot may allocate LIF IPs in the network: it belongs to the shoot's
// partition (or to none) and to the shoot's project or is shared.
func checkStorageNetwork(n *metal.Network, identity metal.Cluster) error {
	switch {
	case n.PrivateSuper || n.Underlay:
		return fmt.Errorf("network %q is a private super network or an underlay, not a storage network", n.ID)
	case n.PartitionID != "" && n.PartitionID != identity.PartitionID:
		return fmt.Errorf("storage network %q belongs to partition %q, not to the shoot's partition %q", n.ID, n.PartitionID, identity.PartitionID)
	case n.ProjectID != "" && n.ProjectID != identity.ProjectID && !n.Shared:
		return fmt.Errorf("storage network %q belongs to project %q and is not shared", n.ID, n.ProjectID)
	}
	return nil
}

// prefixIn returns the address with the prefix length of the network's prefix that contains it.
func prefixIn(n *metal.Network, addr netip.Addr) (netip.Prefix, bool) {
	if !addr.IsValid() {
		return netip.Prefix{}, false
	}
	for _, p := range n.Prefixes {
		if p.Contains(addr) {
			return netip.PrefixFrom(addr, p.Bits()), true
		}
	}
	return netip.Prefix{}, false
}
