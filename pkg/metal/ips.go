// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/metal-stack/metal-go/api/client/ip"
	"github.com/metal-stack/metal-go/api/models"
)

// ipFrom converts metal-go's IP model.
func ipFrom(m *models.V1IPResponse) (*IP, error) {
	if m == nil || m.Ipaddress == nil {
		return nil, errors.New("metal-api returned an IP without address")
	}
	addr, err := netip.ParseAddr(*m.Ipaddress)
	if err != nil {
		return nil, fmt.Errorf("metal-api returned an invalid IP address %q: %w", *m.Ipaddress, err)
	}
	return &IP{
		Address: addr, Name: m.Name, Description: m.Description,
		NetworkID: deref(m.Networkid), ProjectID: deref(m.Projectid), Type: IPType(deref(m.Type)),
		Tags: slices.Clone(m.Tags),
	}, nil
}

func ipsFrom(ms []*models.V1IPResponse) ([]IP, error) {
	out := make([]IP, 0, len(ms))
	for _, m := range ms {
		converted, err := ipFrom(m)
		if err != nil {
			return nil, err
		}
		out = append(out, *converted)
	}
	return out, nil
}

func (c *apiClient) GetIP(ctx context.Context, address string) (*IP, error) {
	var resp *ip.FindIPOK
	if err := c.call(ctx, "findIP", func() (err error) {
		resp, err = c.api.IP.FindIP(with(c, ctx, ip.NewFindIPParams().WithID(address)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("reading IP %s: %w", address, err)
	}
	return ipFrom(resp.Payload)
}

func (c *apiClient) FindIPs(ctx context.Context, query IPQuery) ([]IP, error) {
	if query.ProjectID == "" {
		return nil, errors.New("finding IPs needs a project")
	}
	req := &models.V1IPFindRequest{
		Projectid: query.ProjectID,
		Networkid: query.NetworkID,
		Type:      string(query.Type),
		Tags:      query.Tags,
	}
	var resp *ip.FindIPsOK
	if err := c.call(ctx, "findIPs", func() (err error) {
		resp, err = c.api.IP.FindIPs(with(c, ctx, ip.NewFindIPsParams().WithBody(req)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("finding IPs of project %q: %w", query.ProjectID, err)
	}
	return ipsFrom(resp.Payload)
}

func (c *apiClient) AllocateIP(ctx context.Context, alloc IPAllocation) (*IP, error) {
	typ := alloc.Type
	if typ == "" {
		typ = IPTypeEphemeral
	}
	req := &models.V1IPAllocateRequest{
		Networkid:     new(alloc.NetworkID),
		Projectid:     new(alloc.ProjectID),
		Name:          alloc.Name,
		Description:   alloc.Description,
		Type:          new(string(typ)),
		Addressfamily: string(alloc.Family),
		Tags:          slices.Clone(alloc.Tags),
	}
	var payload *models.V1IPResponse
	err := c.call(ctx, "allocateIP", func() error {
		if alloc.Address != "" {
			resp, err := c.api.IP.AllocateSpecificIP(with(c, ctx, ip.NewAllocateSpecificIPParams().WithIP(alloc.Address).WithBody(req)), c.auth)
			if err != nil {
				return err
			}
			payload = resp.Payload
			return nil
		}
		resp, err := c.api.IP.AllocateIP(with(c, ctx, ip.NewAllocateIPParams().WithBody(req)), c.auth)
		if err != nil {
			return err
		}
		payload = resp.Payload
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("allocating an IP in network %q for project %q: %w", alloc.NetworkID, alloc.ProjectID, err)
	}
	return ipFrom(payload)
}

func (c *apiClient) FreeIP(ctx context.Context, address string) error {
	err := c.call(ctx, "freeIP", func() error {
		_, err := c.api.IP.FreeIP(with(c, ctx, ip.NewFreeIPParams().WithID(address)), c.auth)
		return err
	})
	if err != nil && !IsNotFound(err) {
		return fmt.Errorf("freeing IP %s: %w", address, err)
	}
	return nil
}

// setTags replaces the tags of an IP, keeping its type, name and description.
func (c *apiClient) setTags(ctx context.Context, current *IP, tags []string) error {
	req := &models.V1IPUpdateRequest{
		Ipaddress: new(current.Address.String()),
		Type:      new(string(current.Type)),
		Tags:      tags,
	}
	err := c.call(ctx, "updateIP", func() error {
		_, err := c.api.IP.UpdateIP(with(c, ctx, ip.NewUpdateIPParams().WithBody(req)), c.auth)
		return err
	})
	if err != nil {
		return fmt.Errorf("updating the tags of IP %s: %w", current.Address, err)
	}
	return nil
}

func (c *apiClient) ReconcileEgressIPs(ctx context.Context, cluster Cluster, desired []EgressIP) ([]IP, error) {
	egressTag := EgressTag(cluster.ID)
	tagged, err := c.FindIPs(ctx, IPQuery{ProjectID: cluster.ProjectID, Tags: []string{egressTag}})
	if err != nil {
		return nil, fmt.Errorf("looking up the egress IPs of %s: %w", cluster.Name, err)
	}
	byAddress := map[netip.Addr]*IP{}
	for i := range tagged {
		byAddress[tagged[i].Address] = &tagged[i]
	}

	// First check every desired IP, then write: a misconfigured rule changes nothing.
	var (
		result []IP
		wanted = map[netip.Addr]bool{}
		errs   []error
	)
	for _, d := range desired {
		addr, err := netip.ParseAddr(d.Address)
		if err != nil {
			errs = append(errs, ConfigurationError("egress IP %q is no IP address", d.Address))
			continue
		}
		if wanted[addr] {
			continue
		}
		wanted[addr] = true
		current, ok := byAddress[addr]
		if !ok {
			if current, err = c.GetIP(ctx, addr.String()); err != nil {
				if IsNotFound(err) {
					err = ConfigurationError("egress IP %s does not exist; allocate it as a static IP of project %q in network %q first",
						addr, cluster.ProjectID, d.NetworkID)
				}
				errs = append(errs, err)
				continue
			}
		}
		if err := checkEgressIP(current, cluster, d.NetworkID); err != nil {
			errs = append(errs, err)
			continue
		}
		result = append(result, *current)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	for i := range result {
		ip := &result[i]
		if ip.HasTag(egressTag) {
			continue
		}
		tags := append(slices.Clone(ip.Tags), egressTag)
		if err := c.setTags(ctx, ip, tags); err != nil {
			errs = append(errs, fmt.Errorf("tagging egress IP %s for %s: %w", ip.Address, cluster.Name, err))
			continue
		}
		ip.Tags = tags
	}
	for i := range tagged {
		old := &tagged[i]
		if wanted[old.Address] {
			continue
		}
		if err := c.setTags(ctx, old, withoutTags(old.Tags, func(t string) bool { return t == egressTag })); err != nil {
			errs = append(errs, fmt.Errorf("removing the egress tag of %s from IP %s: %w", cluster.Name, old.Address, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return result, nil
}

// checkEgressIP checks that an IP may serve as egress IP of the cluster in the network: a static IP of the
// cluster's project in that network that no other cluster uses for egress.
func checkEgressIP(current *IP, cluster Cluster, networkID string) error {
	switch {
	case current.ProjectID != cluster.ProjectID:
		return ConfigurationError("egress IP %s belongs to project %q, not to the shoot's project %q", current.Address, current.ProjectID, cluster.ProjectID)
	case current.NetworkID != networkID:
		return ConfigurationError("egress IP %s is in network %q, not in network %q of its egress rule", current.Address, current.NetworkID, networkID)
	case current.Type != IPTypeStatic:
		return ConfigurationError("egress IP %s is %s; egress IPs must be static so that they outlive the firewall", current.Address, current.Type)
	}
	for _, t := range current.Tags {
		if id, ok := EgressTagCluster(t); ok && id != cluster.ID {
			return ConfigurationError("egress IP %s is already the egress IP of cluster %q", current.Address, id)
		}
	}
	return nil
}
