// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/metal-stack/metal-go/api/client/image"
	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/client/partition"
	"github.com/metal-stack/metal-go/api/client/project"
	"github.com/metal-stack/metal-go/api/client/size"
	"github.com/metal-stack/metal-go/api/models"
)

// Inspector answers the questions of a smoke test against a metal-api: does it offer what the clusters are
// about to use, and what does it still hold of a cluster. It only looks up named objects or searches narrowed
// to a project and tags; it never lists everything.
type Inspector interface {
	// MissingObjects looks up every object the prerequisites name by its ID, one request each, and describes
	// the ones that do not exist ("size c1-large-x86"), in the order projects, partitions, sizes, images,
	// networks. Any
	// other failure of a lookup is an error.
	MissingObjects(ctx context.Context, want Prerequisites) ([]string, error)
	// ClusterObjects returns what the cluster's project holds of the cluster: networks labelled with its ID,
	// IPs tagged with its cluster, storage or egress tag, and allocated machines and firewalls tagged with its
	// cluster tag.
	ClusterObjects(ctx context.Context, cluster Cluster) (ClusterObjects, error)
}

var _ Inspector = (*apiClient)(nil)

// InspectorOf returns the inspector of a client made by this package (NewClient, ClientCache).
func InspectorOf(c Client) (Inspector, error) {
	i, ok := c.(Inspector)
	if !ok {
		return nil, fmt.Errorf("metal-api client %T cannot inspect the metal-api", c)
	}
	return i, nil
}

// Prerequisites name metal-api objects by ID. Images may be named by a version prefix ("ubuntu-24.04"), which
// the metal-api resolves to the most recent matching image.
type Prerequisites struct {
	Projects, Partitions, Sizes, Images, Networks []string
}

// ClusterObjects are IDs of what a metal-api holds of a cluster (IPs by address).
type ClusterObjects struct {
	Networks, IPs, Machines, Firewalls []string
}

// Empty tells whether nothing of the cluster is left.
func (o ClusterObjects) Empty() bool {
	return len(o.Networks)+len(o.IPs)+len(o.Machines)+len(o.Firewalls) == 0
}

// String lists the objects by kind, e.g. "networks [n1], ips [10.0.0.1]"; "nothing" when empty.
func (o ClusterObjects) String() string {
	var parts []string
	for _, kind := range []struct {
		name string
		ids  []string
	}{{"networks", o.Networks}, {"ips", o.IPs}, {"machines", o.Machines}, {"firewalls", o.Firewalls}} {
		if len(kind.ids) > 0 {
			parts = append(parts, fmt.Sprintf("%s [%s]", kind.name, strings.Join(kind.ids, ", ")))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

func (c *apiClient) MissingObjects(ctx context.Context, want Prerequisites) ([]string, error) {
	var (
		missing []string
		errs    []error
	)
	check := func(kind, id string, lookup func() error) {
		err := lookup()
		switch {
		case err == nil:
		case IsNotFound(err):
			missing = append(missing, kind+" "+id)
		default:
			errs = append(errs, fmt.Errorf("looking up %s %q: %w", kind, id, err))
		}
	}
	for _, id := range want.Projects {
		check("project", id, func() error {
			return c.call(ctx, "findProject", func() error {
				_, err := c.api.Project.FindProject(with(c, ctx, project.NewFindProjectParams().WithID(id)), c.auth)
				return err
			})
		})
	}
	for _, id := range want.Partitions {
		check("partition", id, func() error {
			return c.call(ctx, "findPartition", func() error {
				_, err := c.api.Partition.FindPartition(with(c, ctx, partition.NewFindPartitionParams().WithID(id)), c.auth)
				return err
			})
		})
	}
	for _, id := range want.Sizes {
		check("size", id, func() error {
			return c.call(ctx, "findSize", func() error {
				_, err := c.api.Size.FindSize(with(c, ctx, size.NewFindSizeParams().WithID(id)), c.auth)
				return err
			})
		})
	}
	for _, id := range want.Images {
		check("image", id, func() error {
			return c.call(ctx, "findImage", func() error {
				_, err := c.api.Image.FindImage(with(c, ctx, image.NewFindImageParams().WithID(id)), c.auth)
				return err
			})
		})
	}
	for _, id := range want.Networks {
		check("network", id, func() error {
			_, err := c.GetNetwork(ctx, id)
			return err
		})
	}
	return missing, errors.Join(errs...)
}

func (c *apiClient) ClusterObjects(ctx context.Context, cluster Cluster) (ClusterObjects, error) {
	var out ClusterObjects
	if cluster.ProjectID == "" || cluster.ID == "" {
		return out, ConfigurationError("looking up the objects of a cluster needs its ID and project")
	}
	networks, err := c.findNetworks(ctx, &models.V1NetworkFindRequest{Projectid: cluster.ProjectID, Labels: cluster.nodeNetworkSelector()})
	if err != nil {
		return out, fmt.Errorf("looking up the networks of cluster %s: %w", cluster.ID, err)
	}
	for _, n := range networks {
		out.Networks = append(out.Networks, n.ID)
	}
	for _, tag := range []string{ClusterTag(cluster.ID), StorageTag(cluster.ID), EgressTag(cluster.ID)} {
		ips, err := c.FindIPs(ctx, IPQuery{ProjectID: cluster.ProjectID, Tags: []string{tag}})
		if err != nil {
			return out, fmt.Errorf("looking up the IPs tagged %s: %w", tag, err)
		}
		for _, ip := range ips {
			if a := ip.Address.String(); !slices.Contains(out.IPs, a) {
				out.IPs = append(out.IPs, a)
			}
		}
	}
	req := &models.V1MachineFindRequest{AllocationProject: cluster.ProjectID, Tags: []string{ClusterTag(cluster.ID)}}
	var resp *machine.FindMachinesOK
	if err := c.call(ctx, "findMachines", func() (err error) {
		resp, err = c.api.Machine.FindMachines(with(c, ctx, machine.NewFindMachinesParams().WithBody(req)), c.auth)
		return err
	}); err != nil {
		return out, fmt.Errorf("looking up the machines of cluster %s: %w", cluster.ID, err)
	}
	for _, m := range resp.Payload {
		if m == nil || m.Allocation == nil {
			continue
		}
		if deref(m.Allocation.Role) == roleFirewall {
			out.Firewalls = append(out.Firewalls, deref(m.ID))
		} else {
			out.Machines = append(out.Machines, deref(m.ID))
		}
	}
	for _, ids := range [][]string{out.Networks, out.IPs, out.Machines, out.Firewalls} {
		slices.Sort(ids)
	}
	return out, nil
}
