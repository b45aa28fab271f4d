// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// shootConfig is what the Worker's machines and firewall are made of: the shoot's provider configuration, the
// cloud profile's metal control plane of its partition and what the Infrastructure reported.
type shootConfig struct {
	infra        *apismetal.InfrastructureConfig
	controlPlane *apismetal.ControlPlaneConfig
	mcp          *apismetal.MetalControlPlane
	partition    *apismetal.Partition
	identity     metal.Cluster
	// nodeNetworkID and nodePrefixes are the Infrastructure's node network.
	nodeNetworkID string
	nodePrefixes  []string
	// families are the IP families of the shoot, IPv4 when it names none.
	families []gardencorev1beta1.IPFamily
}

// configurationProblem marks an error as a configuration problem for Gardener.
func configurationProblem(err error) error {
	return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorConfigurationProblem)
}

// newShootConfig decodes the configuration of a Worker's shoot.
func newShootConfig(worker *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) (*shootConfig, error) {
	if cluster == nil || cluster.Shoot == nil || cluster.CloudProfile == nil {
		return nil, errors.New("the Cluster of the Worker holds no shoot or cloud profile")
	}
	infra, err := metalhelper.InfrastructureConfigFromRawExtension(cluster.Shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}
	controlPlane, err := metalhelper.ControlPlaneConfigFromRawExtension(cluster.Shoot.Spec.Provider.ControlPlaneConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}
	mcp, partition, err := metalhelper.PartitionOfCloudProfile(cluster.CloudProfile.Spec.ProviderConfig, infra.PartitionID)
	if err != nil {
		return nil, configurationProblem(err)
	}
	status, err := metalhelper.InfrastructureStatusFromRaw(worker.Spec.InfrastructureProviderStatus)
	if err != nil {
		return nil, fmt.Errorf("reading the Infrastructure's status handed to the Worker: %w", err)
	}
	if status.NodeNetwork == nil || status.NodeNetwork.ID == "" {
		return nil, errors.New("the Infrastructure has not reported the shoot's node network yet")
	}

	s := &shootConfig{
		infra:         infra,
		controlPlane:  controlPlane,
		mcp:           mcp,
		partition:     partition,
		identity:      metal.ClusterFor(cluster.Shoot, infra.ProjectID, infra.PartitionID),
		nodeNetworkID: status.NodeNetwork.ID,
		nodePrefixes:  slices.Clone(status.NodeNetwork.Prefixes),
		families:      []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4},
	}
	if n := cluster.Shoot.Spec.Networking; n != nil && len(n.IPFamilies) > 0 {
		s.families = slices.Clone(n.IPFamilies)
	}
	return s, nil
}

// isolation returns the network isolation the shoot runs with: the partition's for the restricted and forbidden
// access types, nil for baseline.
func (s *shootConfig) isolation() *apismetal.NetworkIsolation {
	if t := s.controlPlane.NetworkAccessType; t == nil || *t == apismetal.NetworkAccessBaseline {
		return nil
	}
	return metalhelper.NetworkIsolation(s.mcp, s.partition)
}

// isolationError says why an isolated shoot cannot be served, nil when it can or is not isolated.
func (s *shootConfig) isolationError() error {
	t := s.controlPlane.NetworkAccessType
	if t == nil || *t == apismetal.NetworkAccessBaseline || s.isolation() != nil {
		return nil
	}
	return configurationProblem(fmt.Errorf("network access type %q needs the network isolation of partition %q, but the cloud profile defines none", *t, s.infra.PartitionID))
}

// clusterTags are the tags of everything the Worker makes in the metal-api: the cluster's ID, name and project.
func (s *shootConfig) clusterTags() []string {
	return []string{
		metal.ClusterTag(s.identity.ID),
		metal.ClusterNameTag(s.identity.Name),
		metal.ClusterProjectTag(s.identity.ProjectID),
	}
}

// keyValueTags renders a map as sorted "key=value" tags.
func keyValueTags(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	slices.SortFunc(out, strings.Compare)
	return out
}
