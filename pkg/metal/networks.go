// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/models"
)

// networkFrom converts metal-go's network model.
func networkFrom(m *models.V1NetworkResponse) (*Network, error) {
	if m == nil || m.ID == nil {
		return nil, errors.New("metal-api returned a network without ID")
	}
	prefixes, err := parsePrefixes(m.Prefixes)
	if err != nil {
		return nil, fmt.Errorf("network %q: %w", *m.ID, err)
	}
	dest, err := parsePrefixes(m.Destinationprefixes)
	if err != nil {
		return nil, fmt.Errorf("network %q: %w", *m.ID, err)
	}
	n := &Network{
		ID: *m.ID, Name: m.Name, Description: m.Description,
		PartitionID: m.Partitionid, ProjectID: m.Projectid, ParentNetworkID: m.Parentnetworkid,
		Prefixes: prefixes, DestinationPrefixes: dest,
		PrivateSuper: deref(m.Privatesuper), Underlay: deref(m.Underlay), NAT: deref(m.Nat), Shared: m.Shared,
		Labels: m.Labels, Created: time.Time(m.Created),
	}
	if len(m.Defaultchildprefixlength) > 0 {
		n.DefaultChildPrefixLengths = map[IPFamily]int{}
		for af, l := range m.Defaultchildprefixlength {
			n.DefaultChildPrefixLengths[IPFamily(af)] = int(l)
		}
	}
	return n, nil
}

func parsePrefixes(in []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(in))
	for _, s := range in {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("metal-api returned an invalid prefix %q: %w", s, err)
		}
		out = append(out, p)
	}
	return out, nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func (c *apiClient) GetNetwork(ctx context.Context, id string) (*Network, error) {
	var resp *network.FindNetworkOK
	if err := c.call(ctx, "findNetwork", func() (err error) {
		resp, err = c.api.Network.FindNetwork(with(c, ctx, network.NewFindNetworkParams().WithID(id)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("reading network %q: %w", id, err)
	}
	return networkFrom(resp.Payload)
}

func (c *apiClient) GetNetworks(ctx context.Context, ids []string) ([]Network, error) {
	out := make([]Network, 0, len(ids))
	for _, id := range ids {
		n, err := c.GetNetwork(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, nil
}

// findNetworks runs a network search; callers always narrow it to a project, a partition or labels.
func (c *apiClient) findNetworks(ctx context.Context, query *models.V1NetworkFindRequest) ([]Network, error) {
	var resp *network.FindNetworksOK
	if err := c.call(ctx, "findNetworks", func() (err error) {
		resp, err = c.api.Network.FindNetworks(with(c, ctx, network.NewFindNetworksParams().WithBody(query)), c.auth)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]Network, 0, len(resp.Payload))
	for _, m := range resp.Payload {
		n, err := networkFrom(m)
		if err != nil {
			return nil, err
		}
		out = append(out, *n)
	}
	return out, nil
}

func (c *apiClient) PrivateSuperNetwork(ctx context.Context, partitionID, id string) (*Network, error) {
	if id != "" {
		n, err := c.GetNetwork(ctx, id)
		if err != nil {
			if IsNotFound(err) {
				return nil, ConfigurationError("parent network %q does not exist", id)
			}
			return nil, err
		}
		if !n.PrivateSuper || n.PartitionID != partitionID {
			return nil, ConfigurationError("parent network %q is not the private super network of partition %q", id, partitionID)
		}
		return n, nil
	}
	supers, err := c.findNetworks(ctx, &models.V1NetworkFindRequest{Partitionid: partitionID, Privatesuper: true})
	if err != nil {
		return nil, fmt.Errorf("looking up the private super network of partition %q: %w", partitionID, err)
	}
	switch len(supers) {
	case 0:
		return nil, ConfigurationError("partition %q has no private super network to allocate node networks from", partitionID)
	case 1:
		return &supers[0], nil
	}
	ids := make([]string, 0, len(supers))
	for _, n := range supers {
		ids = append(ids, n.ID)
	}
	return nil, ConfigurationError("partition %q has several private super networks (%s); choose one as nodeNetwork.parentNetworkID",
		partitionID, strings.Join(ids, ", "))
}

func (c *apiClient) NodeNetworks(ctx context.Context, cluster Cluster) ([]Network, error) {
	networks, err := c.findNetworks(ctx, &models.V1NetworkFindRequest{
		Projectid:   cluster.ProjectID,
		Partitionid: cluster.PartitionID,
		Labels:      cluster.nodeNetworkSelector(),
	})
	if err != nil {
		return nil, fmt.Errorf("looking up the node network of %s by its cluster label: %w", cluster.Name, err)
	}
	slices.SortStableFunc(networks, func(a, b Network) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return networks, nil
}

func (c *apiClient) EnsureNodeNetwork(ctx context.Context, cluster Cluster, spec NodeNetworkSpec) (*Network, error) {
	if len(spec.Families) == 0 {
		return nil, ConfigurationError("the node network of %s needs at least one IP family", cluster.Name)
	}
	existing, err := c.NodeNetworks(ctx, cluster)
	if err != nil {
		return nil, err
	}
	if len(existing) > 0 {
		return c.keepOneNodeNetwork(ctx, cluster, spec, existing)
	}

	parent, err := c.parentFor(ctx, cluster, spec)
	if err != nil {
		return nil, err
	}
	lengths, err := ChooseNodePrefixLengths(spec.Families, spec.PrefixLengths, parent)
	if err != nil {
		return nil, err
	}
	req := &models.V1NetworkAllocateRequest{
		Name:                cluster.Name,
		Description:         "node network of " + cluster.Name,
		Projectid:           cluster.ProjectID,
		Partitionid:         cluster.PartitionID,
		Labels:              cluster.NodeNetworkLabels(),
		Length:              map[string]int64{},
		Destinationprefixes: []string{},
	}
	for f, l := range lengths {
		req.Length[string(f)] = int64(l)
	}
	if len(spec.Families) == 1 {
		// Without a family the metal-api allocates a prefix of every family of the parent.
		req.Addressfamily = string(spec.Families[0])
	}

	var resp *network.AllocateNetworkCreated
	if err := c.call(ctx, "allocateNetwork", func() (err error) {
		resp, err = c.api.Network.AllocateNetwork(with(c, ctx, network.NewAllocateNetworkParams().WithBody(req)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("allocating the node network of %s in partition %q: %w", cluster.Name, cluster.PartitionID, err)
	}
	n, err := networkFrom(resp.Payload)
	if err != nil {
		return nil, err
	}
	if n.ParentNetworkID != "" && n.ParentNetworkID != parent.ID {
		return nil, newError(ClassConfiguration, "the metal-api allocated the node network of %s (%s) from %q instead of the parent network %q",
			cluster.Name, n.ID, n.ParentNetworkID, parent.ID)
	}
	return n, checkFamilies(n, spec.Families)
}

// parentFor resolves the private super network to allocate the cluster's node network from.
func (c *apiClient) parentFor(ctx context.Context, cluster Cluster, spec NodeNetworkSpec) (*Network, error) {
	if spec.ParentNetworkID != "" && len(spec.AllowedParentNetworkIDs) > 0 && !slices.Contains(spec.AllowedParentNetworkIDs, spec.ParentNetworkID) {
		return nil, ConfigurationError("parent network %q is not one of the private super networks of partition %q (%s)",
			spec.ParentNetworkID, cluster.PartitionID, strings.Join(spec.AllowedParentNetworkIDs, ", "))
	}
	parent, err := c.PrivateSuperNetwork(ctx, cluster.PartitionID, spec.ParentNetworkID)
	if err != nil {
		return nil, err
	}
	if spec.ParentNetworkID == "" && len(spec.AllowedParentNetworkIDs) > 0 && !slices.Contains(spec.AllowedParentNetworkIDs, parent.ID) {
		return nil, ConfigurationError("the private super network %q of partition %q is none of the cloud profile's (%s)",
			parent.ID, cluster.PartitionID, strings.Join(spec.AllowedParentNetworkIDs, ", "))
	}
	return parent, nil
}

// keepOneNodeNetwork returns the node network to keep among those labelled with the cluster's ID and frees the
// others, which can only be duplicates of a retried allocation whose first answer was lost.
func (c *apiClient) keepOneNodeNetwork(ctx context.Context, cluster Cluster, spec NodeNetworkSpec, networks []Network) (*Network, error) {
	keep := 0
	if i := slices.IndexFunc(networks, func(n Network) bool { return n.ID == spec.PreferredID }); i >= 0 {
		keep = i
	}
	var errs []error
	for i, n := range networks {
		if i == keep {
			continue
		}
		if err := c.FreeNetwork(ctx, n.ID); err != nil {
			errs = append(errs, fmt.Errorf("freeing the duplicate node network %q of %s: %w", n.ID, cluster.Name, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	kept := networks[keep]
	return &kept, checkFamilies(&kept, spec.Families)
}

// checkFamilies verifies that a node network has a prefix of every family of the shoot.
func checkFamilies(n *Network, families []IPFamily) error {
	for _, f := range families {
		if len(n.PrefixesOf(f)) == 0 {
			return ConfigurationError("node network %q has no %s prefix, but the shoot uses %s; the prefixes of an existing node network cannot change",
				n.ID, f, f)
		}
	}
	return nil
}

func (c *apiClient) FreeNetwork(ctx context.Context, id string) error {
	err := c.call(ctx, "freeNetwork", func() error {
		_, err := c.api.Network.FreeNetwork(with(c, ctx, network.NewFreeNetworkParams().WithID(id)), c.auth)
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("freeing network %q: %w", id, err)
	}
	return nil
}

// ChooseNodePrefixLengths returns the prefix length per family of a node network to allocate from parent: the
// given length of the family, else the parent's default child prefix length. Every family must have a prefix
// in the parent, and every length must be longer than the parent's prefixes of the family and fit the address.
func ChooseNodePrefixLengths(families []IPFamily, given map[IPFamily]int, parent *Network) (map[IPFamily]int, error) {
	if parent == nil {
		return nil, errors.New("no parent network to choose node prefix lengths from")
	}
	out := map[IPFamily]int{}
	for _, f := range families {
		if f != IPv4 && f != IPv6 {
			return nil, ConfigurationError("unknown IP family %q", f)
		}
		prefixes := parent.PrefixesOf(f)
		if len(prefixes) == 0 {
			return nil, ConfigurationError("parent network %q has no %s prefix, so it cannot give the shoot an %s node network", parent.ID, f, f)
		}
		length, ok := given[f]
		if !ok {
			if length, ok = parent.DefaultChildPrefixLengths[f]; !ok {
				return nil, ConfigurationError("parent network %q has no default %s child prefix length; set nodeNetwork.prefixLengths", parent.ID, f)
			}
		}
		bits := 32
		if f == IPv6 {
			bits = 128
		}
		longestParent := slices.MaxFunc(prefixes, func(a, b netip.Prefix) int { return cmp.Compare(a.Bits(), b.Bits()) }).Bits()
		shortestParent := slices.MinFunc(prefixes, func(a, b netip.Prefix) int { return cmp.Compare(a.Bits(), b.Bits()) }).Bits()
		if length > bits || length <= shortestParent {
			return nil, ConfigurationError("%s node prefix length /%d does not fit into parent network %q (its %s prefixes are /%d to /%d)",
				f, length, parent.ID, f, shortestParent, longestParent)
		}
		out[f] = length
	}
	return out, nil
}
