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

	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/models"
)

// roleFirewall is the allocation role of a firewall.
const roleFirewall = "firewall"

func (c *apiClient) NetworkUsers(ctx context.Context, projectID, networkID string) (NetworkUsers, error) {
	req := &models.V1MachineFindRequest{AllocationProject: projectID, NetworkIds: []string{networkID}}
	var resp *machine.FindMachinesOK
	if err := c.call(ctx, "findMachines", func() (err error) {
		resp, err = c.api.Machine.FindMachines(with(c, ctx, machine.NewFindMachinesParams().WithBody(req)), c.auth)
		return err
	}); err != nil {
		return NetworkUsers{}, fmt.Errorf("looking up the machines in network %q: %w", networkID, err)
	}
	var users NetworkUsers
	for _, m := range resp.Payload {
		if m == nil || m.Allocation == nil {
			continue
		}
		id := deref(m.ID)
		if deref(m.Allocation.Role) == roleFirewall {
			users.Firewalls = append(users.Firewalls, id)
		} else {
			users.Machines = append(users.Machines, id)
		}
	}
	slices.Sort(users.Machines)
	slices.Sort(users.Firewalls)
	return users, nil
}

func (c *apiClient) ReleaseCluster(ctx context.Context, cluster Cluster) (Released, error) {
	var (
		released Released
		errs     []error
	)
	if err := c.releaseServiceIPs(ctx, cluster, &released); err != nil {
		errs = append(errs, err)
	}
	if _, err := c.ReconcileEgressIPs(ctx, cluster, nil); err != nil {
		errs = append(errs, err)
	}
	if err := c.freeNodeNetworks(ctx, cluster, &released); err != nil {
		errs = append(errs, err)
	}
	return released, errors.Join(errs...)
}

// releaseServiceIPs frees the ephemeral IPs tagged for the cluster (metal-ccm's load-balancer IPs, and any
// ephemeral IP with the cluster tag) and removes the cluster's service and cluster tags from static IPs and
// from IPs that other clusters use too.
//
// metal-ccm tags a load-balancer IP with cluster.metal-stack.io/id/namespace/service=<id>/<ns>/<svc>, and the
// metal-api matches tags exactly, so finding these IPs needs one search for the project's IPs, which are
// filtered here by the cluster's tags. IPs of other clusters are read by that search but never changed.
func (c *apiClient) releaseServiceIPs(ctx context.Context, cluster Cluster, released *Released) error {
	all, err := c.FindIPs(ctx, IPQuery{ProjectID: cluster.ProjectID})
	if err != nil {
		return fmt.Errorf("looking up the load-balancer IPs of %s: %w", cluster.Name, err)
	}
	candidates := map[string]IP{}
	for _, ip := range all {
		if slices.ContainsFunc(ip.Tags, func(t string) bool { return isServiceOrClusterTag(t, cluster.ID) }) {
			candidates[ip.Address.String()] = ip
		}
	}

	var errs []error
	for _, addr := range sortedKeys(candidates) {
		ip := candidates[addr]
		ours := func(t string) bool { return isServiceOrClusterTag(t, cluster.ID) }
		othersUseIt := slices.ContainsFunc(ip.Tags, func(t string) bool { return !ours(t) && isAnyClusterTag(t) })
		if ip.Type == IPTypeEphemeral && !othersUseIt && !hasMachineTag(ip.Tags) {
			if err := c.FreeIP(ctx, addr); err != nil {
				errs = append(errs, fmt.Errorf("freeing load-balancer IP %s of %s: %w", addr, cluster.Name, err))
				continue
			}
			released.FreedIPs = append(released.FreedIPs, addr)
			continue
		}
		if err := c.setTags(ctx, &ip, withoutTags(ip.Tags, ours)); err != nil {
			errs = append(errs, fmt.Errorf("removing the tags of %s from IP %s: %w", cluster.Name, addr, err))
			continue
		}
		released.UntaggedIPs = append(released.UntaggedIPs, addr)
	}
	return errors.Join(errs...)
}

// freeNodeNetworks frees the cluster's node networks (those labelled with its ID, i.e. allocated by the
// extension) once nothing uses them.
func (c *apiClient) freeNodeNetworks(ctx context.Context, cluster Cluster, released *Released) error {
	networks, err := c.NodeNetworks(ctx, cluster)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range networks {
		users, err := c.NetworkUsers(ctx, cluster.ProjectID, n.ID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !users.Empty() {
			errs = append(errs, &Error{Class: ClassInUse, Message: fmt.Sprintf(
				"node network %q of %s is still used by machines [%s] and firewalls [%s]; it is freed once they are gone",
				n.ID, cluster.Name, strings.Join(users.Machines, ", "), strings.Join(users.Firewalls, ", "))})
			continue
		}
		if err := c.FreeNetwork(ctx, n.ID); err != nil {
			// The metal-api refuses to free a network whose prefixes still hold IPs.
			if Classify(err) == ClassConfiguration && StatusOf(err) == 422 {
				err = &Error{Class: ClassInUse, Message: fmt.Sprintf("node network %q of %s still holds IPs; it is freed once they are gone", n.ID, cluster.Name), cause: err}
			}
			errs = append(errs, err)
			continue
		}
		released.FreedNetworks = append(released.FreedNetworks, n.ID)
	}
	return errors.Join(errs...)
}

// isServiceOrClusterTag tells whether t is the cluster tag or a service tag of the cluster.
func isServiceOrClusterTag(t, clusterID string) bool {
	if t == ClusterTag(clusterID) {
		return true
	}
	id, ok := ServiceTagCluster(t)
	return ok && id == clusterID
}

// isAnyClusterTag tells whether t ties an IP to some cluster.
func isAnyClusterTag(t string) bool {
	if _, ok := ServiceTagCluster(t); ok {
		return true
	}
	if _, ok := EgressTagCluster(t); ok {
		return true
	}
	key, _, _ := strings.Cut(t, "=")
	return key == ClusterIDKey
}

// hasMachineTag tells whether an IP is bound to a machine (the metal-api then refuses to free it).
func hasMachineTag(tags []string) bool {
	return slices.ContainsFunc(tags, func(t string) bool { return strings.HasPrefix(t, machineIDKey+"=") })
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
