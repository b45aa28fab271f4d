// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// storageTagKey is the key of the tag that marks the IPs a cluster's storage holds in a storage network.
const storageTagKey = "cluster.metal-stack.io/id/storage"

// StorageTag is the tag of the IPs that a cluster's storage (the interfaces of its ONTAP SVM) holds in a storage
// network: "cluster.metal-stack.io/id/storage=<cluster ID>". It is a tag of its own kind: IsClusterTag does not
// match it, so ReleaseCluster, which frees what the cluster's infrastructure holds, leaves these IPs to the
// storage extension, which frees them after the interfaces that use them are gone (or keeps them with a retained
// SVM).
func StorageTag(clusterID string) string { return storageTagKey + "=" + clusterID }

// StorageTagCluster returns the cluster ID of a storage tag; ok is false for any other tag.
func StorageTagCluster(t string) (clusterID string, ok bool) {
	id, found := strings.CutPrefix(t, storageTagKey+"=")
	return id, found && id != ""
}

// StorageIPRequest asks for one IP per name in a storage network for a cluster.
type StorageIPRequest struct {
	// NetworkID is the storage network the IPs are allocated in.
	NetworkID string
	// Family asks for IPs of one family; empty lets the metal-api choose (IPv4 in a dual-stack network).
	Family IPFamily
	// Names name the IPs, one IP per name (e.g. the names of the interfaces that will use them); each IP carries
	// its name in the metal-api, which is how it is found again.
	Names []string
	// Description describes the IP of a name for humans; optional.
	Description func(name string) string
}

// StorageIPs lists the cluster's storage IPs in a network (in every network when networkID is empty), ordered by
// name and address.
func StorageIPs(ctx context.Context, ips IPs, cluster Cluster, networkID string) ([]IP, error) {
	if cluster.ID == "" || cluster.ProjectID == "" {
		return nil, ConfigurationError("looking up storage IPs needs the cluster's ID and project")
	}
	found, err := ips.FindIPs(ctx, IPQuery{ProjectID: cluster.ProjectID, NetworkID: networkID, Tags: []string{StorageTag(cluster.ID)}})
	if err != nil {
		return nil, fmt.Errorf("looking up the storage IPs of %s: %w", cluster.Name, err)
	}
	// The metal-api matches tags exactly already; the filter keeps a lenient implementation from handing out
	// IPs of other clusters.
	found = slices.DeleteFunc(found, func(ip IP) bool { return !ip.HasTag(StorageTag(cluster.ID)) })
	slices.SortFunc(found, func(a, b IP) int { return cmp.Or(cmp.Compare(a.Name, b.Name), a.Address.Compare(b.Address)) })
	return found, nil
}

// EnsureStorageIPs returns the cluster's storage IP for every requested name: the static IPs of the cluster's
// project in the network that carry StorageTag and the name are found first, and only names without one get a
// newly allocated IP. Allocation is thereby idempotent: an IP whose allocation answer was lost is found by its tag
// and name on the next call. Should several IPs carry the same name (two allocations raced), the lowest address
// is kept and the others are freed. IPs of names that are not requested are left alone; FreeStorageIPs frees
// them once nothing uses them.
func EnsureStorageIPs(ctx context.Context, ips IPs, cluster Cluster, req StorageIPRequest) (map[string]IP, error) {
	if req.NetworkID == "" {
		return nil, ConfigurationError("allocating storage IPs of %s needs a network", cluster.Name)
	}
	existing, err := StorageIPs(ctx, ips, cluster, req.NetworkID)
	if err != nil {
		return nil, err
	}

	wanted := map[string]bool{}
	for _, name := range req.Names {
		if name == "" {
			return nil, ConfigurationError("storage IPs of %s need a name", cluster.Name)
		}
		wanted[name] = true
	}

	var errs []error
	result := map[string]IP{}
	for _, ip := range existing {
		if !wanted[ip.Name] {
			continue
		}
		if _, taken := result[ip.Name]; !taken {
			// existing is ordered by address within a name, so the first one is the lowest.
			result[ip.Name] = ip
			continue
		}
		if err := ips.FreeIP(ctx, ip.Address.String()); err != nil {
			errs = append(errs, fmt.Errorf("freeing duplicate storage IP %s (%s) of %s: %w", ip.Address, ip.Name, cluster.Name, err))
		}
	}

	for _, name := range req.Names {
		if _, ok := result[name]; ok {
			continue
		}
		description := ""
		if req.Description != nil {
			description = req.Description(name)
		}
		ip, err := ips.AllocateIP(ctx, IPAllocation{
			NetworkID:   req.NetworkID,
			ProjectID:   cluster.ProjectID,
			Name:        name,
			Description: description,
			// Static: the IP lives as long as the interface that uses it, not as long as a machine.
			Type:   IPTypeStatic,
			Family: req.Family,
			Tags:   []string{StorageTag(cluster.ID)},
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("allocating storage IP %s of %s: %w", name, cluster.Name, err))
			continue
		}
		result[name] = *ip
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return result, nil
}

// FreeStorageIPs frees the cluster's storage IPs in a network (in every network when networkID is empty) for which
// keep returns false (all of them when keep is nil) and returns their addresses. Only IPs carrying the cluster's
// StorageTag are ever freed. It frees as many as it can and joins the errors.
func FreeStorageIPs(ctx context.Context, ips IPs, cluster Cluster, networkID string, keep func(IP) bool) ([]string, error) {
	existing, err := StorageIPs(ctx, ips, cluster, networkID)
	if err != nil {
		return nil, err
	}
	var (
		freed []string
		errs  []error
	)
	for _, ip := range existing {
		if keep != nil && keep(ip) {
			continue
		}
		if err := ips.FreeIP(ctx, ip.Address.String()); err != nil {
			errs = append(errs, fmt.Errorf("freeing storage IP %s (%s) of %s: %w", ip.Address, ip.Name, cluster.Name, err))
			continue
		}
		freed = append(freed, ip.Address.String())
	}
	return freed, errors.Join(errs...)
}
