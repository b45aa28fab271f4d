// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"strings"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/metal-stack/metal-lib/pkg/tag"
)

// Cluster is a shoot's identity in the metal-api. Everything the extensions create for the shoot carries its
// ID, so that it is found again after a crash and freed by that identity alone.
type Cluster struct {
	// ID is the shoot's UID; it stays the same across control plane migrations.
	ID string
	// Name is the shoot's technical ID (shoot--<project>--<name>), unique within a garden.
	Name string
	// ProjectID is the metal-stack project that owns the shoot's networks, IPs and machines.
	ProjectID string
	// PartitionID is the metal-stack partition of the shoot.
	PartitionID string
}

// ClusterFor returns the identity of a shoot in a metal-stack project and partition. The ID is the shoot's
// status.uid, which gardenlet keeps across control plane migrations, or its metadata.uid for shoots that have
// no status yet.
func ClusterFor(shoot *gardencorev1beta1.Shoot, projectID, partitionID string) Cluster {
	id := string(shoot.Status.UID)
	if id == "" {
		id = string(shoot.UID)
	}
	name := shoot.Status.TechnicalID
	if name == "" {
		name = shoot.Name
	}
	return Cluster{ID: id, Name: name, ProjectID: projectID, PartitionID: partitionID}
}

// ClusterTag is metal-stack's cluster tag "cluster.metal-stack.io/id=<cluster ID>".
func ClusterTag(clusterID string) string { return tag.New(tag.ClusterID, clusterID) }

// EgressTag is the tag of an IP that a cluster's firewall uses for egress:
// "cluster.metal-stack.io/id/egress=<cluster ID>".
func EgressTag(clusterID string) string { return tag.New(tag.ClusterEgress, clusterID) }

// ServiceTag is the tag metal-ccm puts on the IP of a service of type LoadBalancer:
// "cluster.metal-stack.io/id/namespace/service=<cluster ID>/<namespace>/<service>".
func ServiceTag(clusterID, namespace, service string) string {
	return tag.New(tag.ClusterServiceFQN, clusterID+"/"+namespace+"/"+service)
}

// ServiceTagCluster returns the cluster ID of a service tag; ok is false for any other tag.
func ServiceTagCluster(t string) (clusterID string, ok bool) {
	value, found := strings.CutPrefix(t, tag.ClusterServiceFQN+"=")
	if !found {
		return "", false
	}
	id, rest, found := strings.Cut(value, "/")
	if !found || id == "" || !strings.Contains(rest, "/") {
		return "", false
	}
	return id, true
}

// EgressTagCluster returns the cluster ID of an egress tag; ok is false for any other tag.
func EgressTagCluster(t string) (clusterID string, ok bool) {
	id, found := strings.CutPrefix(t, tag.ClusterEgress+"=")
	if !found || id == "" {
		return "", false
	}
	return id, true
}

// IsClusterTag tells whether t is one of the cluster-scoped tags of the cluster: its cluster tag, its egress
// tag or a service tag of it. Tags of other clusters (including those whose ID merely starts the same) and
// tags of other kinds are not.
func IsClusterTag(t, clusterID string) bool {
	if clusterID == "" {
		return false
	}
	if t == ClusterTag(clusterID) {
		return true
	}
	if id, ok := EgressTagCluster(t); ok {
		return id == clusterID
	}
	if id, ok := ServiceTagCluster(t); ok {
		return id == clusterID
	}
	return false
}

// NodeNetworkLabels are the labels of a node network the extension allocated for the cluster: the cluster ID
// (what the network is found and freed by) and the cluster name (for humans).
func (c Cluster) NodeNetworkLabels() map[string]string {
	return map[string]string{
		ClusterIDKey:    c.ID,
		tag.ClusterName: c.Name,
	}
}

// nodeNetworkSelector selects the node networks of the cluster: by its cluster ID label alone.
func (c Cluster) nodeNetworkSelector() map[string]string {
	return map[string]string{ClusterIDKey: c.ID}
}

// withoutTags returns tags without those that match drop, keeping the order of the others.
func withoutTags(tags []string, drop func(string) bool) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !drop(t) {
			out = append(out, t)
		}
	}
	return out
}

// Tag keys of the conventions above.
const (
	// ClusterIDKey is the key of metal-stack's cluster tag and of the node network label that holds the
	// cluster ID.
	ClusterIDKey = tag.ClusterID
	// machineIDKey is the key of the tag the metal-api puts on IPs bound to a machine.
	machineIDKey = tag.MachineID
)

// ProviderType is the Gardener provider type of metal-stack: the type of the extension objects the metal
// controllers reconcile and of the cloud profiles, seeds and shoots they serve.
const ProviderType = "metal"
