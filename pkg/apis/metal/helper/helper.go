// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package helper decodes providerConfigs of the metal provider API and answers the questions controllers ask
// about them: which metal control plane serves a partition, which firewall-controller release to run.
package helper

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/Masterminds/semver/v3"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
)

// FindMetalControlPlane returns the name and configuration of the metal control plane that offers the partition,
// and the partition's configuration. The returned structs are copies of the map entries.
func FindMetalControlPlane(cpc *metal.CloudProfileConfig, partitionID string) (string, *metal.MetalControlPlane, *metal.Partition, error) {
	if cpc == nil {
		return "", nil, nil, errors.New("no cloud profile config to look up the metal control plane in")
	}

	var (
		foundName      string
		foundMCP       metal.MetalControlPlane
		foundPartition metal.Partition
		found          bool
	)
	for _, name := range slices.Sorted(maps.Keys(cpc.MetalControlPlanes)) {
		mcp := cpc.MetalControlPlanes[name]
		partition, ok := mcp.Partitions[partitionID]
		if !ok {
			continue
		}
		if found {
			return "", nil, nil, fmt.Errorf("partition %q is offered by metal control planes %q and %q of the cloud profile", partitionID, foundName, name)
		}
		foundName, foundMCP, foundPartition, found = name, mcp, partition, true
	}
	if !found {
		return "", nil, nil, fmt.Errorf("partition %q is not offered by any metal control plane of the cloud profile", partitionID)
	}
	return foundName, &foundMCP, &foundPartition, nil
}

// PartitionOfCloudProfile decodes a CloudProfile's providerConfig (leniently, as seeds read it) and returns the metal
// control plane that offers the partition and the partition: where a shoot of that partition runs. A missing
// providerConfig is an error, as a cloud profile without metal control planes serves no partition.
func PartitionOfCloudProfile(providerConfig *runtime.RawExtension, partitionID string) (*metal.MetalControlPlane, *metal.Partition, error) {
	var cpc *metal.CloudProfileConfig
	if providerConfig != nil {
		var err error
		if cpc, err = CloudProfileConfigFromRawExtension(providerConfig); err != nil {
			return nil, nil, err
		}
	}
	_, mcp, partition, err := FindMetalControlPlane(cpc, partitionID)
	return mcp, partition, err
}

// FirewallImages returns the firewall images allowed in a partition: its own list if it has one, else the one of
// its control plane. Empty means every image is allowed.
func FirewallImages(mcp *metal.MetalControlPlane, partition *metal.Partition) []string {
	if partition != nil && len(partition.FirewallImages) > 0 {
		return partition.FirewallImages
	}
	if mcp == nil {
		return nil
	}
	return mcp.FirewallImages
}

// NetworkIsolation returns the network isolation of a partition: its own if it has one, else the one of its
// control plane. Nil means isolated network access types are not possible in the partition.
func NetworkIsolation(mcp *metal.MetalControlPlane, partition *metal.Partition) *metal.NetworkIsolation {
	if partition != nil && partition.NetworkIsolation != nil {
		return partition.NetworkIsolation
	}
	if mcp == nil {
		return nil
	}
	return mcp.NetworkIsolation
}

// IsSupported tells whether a firewall-controller release may be picked for `auto`; an unclassified release
// counts as supported, as the defaulting of the served version makes it.
func IsSupported(v metal.FirewallControllerVersion) bool {
	return v.Classification == nil || *v.Classification == metal.ClassificationSupported
}

// ResolveFirewallControllerVersion returns the firewall-controller release to run for the requested version:
// the release with exactly that version, or for `auto` the newest supported release by semantic version order
// (preview and deprecated releases are never picked automatically).
func ResolveFirewallControllerVersion(mcp *metal.MetalControlPlane, requested string) (metal.FirewallControllerVersion, error) {
	if mcp == nil {
		return metal.FirewallControllerVersion{}, errors.New("no metal control plane to resolve the firewall-controller version in")
	}

	if requested != metal.FirewallControllerVersionAuto {
		for _, v := range mcp.FirewallControllerVersions {
			if v.Version == requested {
				return v, nil
			}
		}
		return metal.FirewallControllerVersion{}, fmt.Errorf("firewall-controller version %q is not offered by the cloud profile", requested)
	}

	var (
		newest        *semver.Version
		newestRelease metal.FirewallControllerVersion
	)
	for _, v := range mcp.FirewallControllerVersions {
		if !IsSupported(v) {
			continue
		}
		parsed, err := semver.NewVersion(v.Version)
		if err != nil {
			// Not comparable, so never the newest; validation keeps such versions out of cloud profiles.
			continue
		}
		if newest == nil || parsed.GreaterThan(newest) {
			newest, newestRelease = parsed, v
		}
	}
	if newest == nil {
		return metal.FirewallControllerVersion{}, fmt.Errorf("cannot resolve firewall-controller version %q: the cloud profile offers no supported version", requested)
	}
	return newestRelease, nil
}

// ParentNetworkID returns the private super network to allocate a shoot's node network from: the one the shoot
// chose, else the first of the partition. ok is false when neither says, and the partition's private super
// network has to be looked up in the metal-api.
func ParentNetworkID(infra *metal.InfrastructureConfig, partition *metal.Partition) (id string, ok bool) {
	if infra != nil && infra.NodeNetwork != nil && infra.NodeNetwork.ParentNetworkID != nil {
		return *infra.NodeNetwork.ParentNetworkID, true
	}
	if partition != nil && partition.NodeNetworkDefaults != nil && len(partition.NodeNetworkDefaults.PrivateSuperNetworks) > 0 {
		return partition.NodeNetworkDefaults.PrivateSuperNetworks[0], true
	}
	return "", false
}

// NodePrefixLengths returns the prefix lengths to allocate a shoot's node network with: per IP family the one the
// shoot chose, else the partition's default. A family left nil gets the super network's default child prefix
// length.
func NodePrefixLengths(infra *metal.InfrastructureConfig, partition *metal.Partition) metal.NodePrefixLengths {
	var result metal.NodePrefixLengths
	if partition != nil && partition.NodeNetworkDefaults != nil && partition.NodeNetworkDefaults.PrefixLengths != nil {
		result = *partition.NodeNetworkDefaults.PrefixLengths.DeepCopy()
	}
	if infra != nil && infra.NodeNetwork != nil && infra.NodeNetwork.PrefixLengths != nil {
		if v := infra.NodeNetwork.PrefixLengths.IPv4; v != nil {
			result.IPv4 = new(*v)
		}
		if v := infra.NodeNetwork.PrefixLengths.IPv6; v != nil {
			result.IPv6 = new(*v)
		}
	}
	return result
}
