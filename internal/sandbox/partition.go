// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"fmt"
	"slices"
	"strings"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// Address plan of the simulated partition's private super network: room for 1024 IPv4 node networks of /24 and
// 65536 IPv6 node networks of /64.
const (
	superNetworkIPv4 = "10.128.0.0/14"
	superNetworkIPv6 = "2001:db8:1000::/48"
	// defaultChildIPv4 and defaultChildIPv6 are the super network's default node network lengths, unless the
	// CloudProfile's partition names its own.
	defaultChildIPv4 = 22
	defaultChildIPv6 = 64
	// spareMachines is how many machines of every size wait beyond what the shoots need.
	spareMachines = 10
)

// metalSeed is the partition the example describes, as the metal-api simulator serves it: metalapi.SandboxSeed's
// networks (a dual-stack private super network, the internet and a storage network, an underlay) and images, with
// the IDs the example uses (partition, private super network, project), the machine sizes of the CloudProfile with
// enough free machines for the shoots, and the node network lengths of the partition. Every network and image the
// example refers to must be there.
func (ex *example) metalSeed(shoots int) (metalapi.Seed, error) {
	seed := metalapi.SandboxSeed()
	partitionID := ex.infra.PartitionID
	seed.Partitions[0].ID = partitionID
	seed.Partitions[0].Description = "simulated partition of the sandbox"
	for i := range seed.Networks {
		if seed.Networks[i].PartitionID == metalapi.DefaultPartitionID {
			seed.Networks[i].PartitionID = partitionID
		}
	}

	// Machine sizes: the CloudProfile's machine types (workers) and the partition's firewall types, with free
	// machines for every shoot's largest worker pools and its firewall.
	need := map[string]int{}
	for _, w := range ex.shoot.Spec.Provider.Workers {
		need[w.Machine.Type] += int(w.Maximum)
	}
	need[ex.infra.Firewall.Size]++
	seed.Sizes = nil
	free := map[string]int{}
	for _, mt := range ex.cloudProfile.Spec.MachineTypes {
		size := metalapi.SizeSeed{ID: mt.Name, Name: mt.Name, CPUCores: int32(mt.CPU.Value()), MemoryGiB: mt.Memory.Value() >> 30, StorageGiB: 960}
		size.Description = fmt.Sprintf("%d cores, %d GiB, %d GB SSD", size.CPUCores, size.MemoryGiB, size.StorageGiB)
		seed.Sizes = append(seed.Sizes, size)
		free[mt.Name] = spareMachines + shoots*need[mt.Name]
	}
	for _, fw := range ex.partition.FirewallTypes {
		if _, ok := free[fw]; !ok {
			seed.Sizes = append(seed.Sizes, metalapi.SizeSeed{ID: fw, Name: fw, Description: "firewall", CPUCores: 16, MemoryGiB: 128, StorageGiB: 480})
			free[fw] = spareMachines + shoots*need[fw]
		}
	}
	seed.Partitions[0].FreeMachines = free

	// Images: the worker images the provider's component configuration maps to, and the firewall images.
	firewallImages := metalhelper.FirewallImages(ex.controlPlane, ex.partition)
	images := slices.Clone(firewallImages)
	if ex.infra.Firewall.Image != "" {
		images = append(images, ex.infra.Firewall.Image)
	}
	for _, img := range ex.metalConfig.MachineImages {
		images = append(images, img.Image)
	}
	for _, id := range images {
		if slices.ContainsFunc(seed.Images, func(i metalapi.ImageSeed) bool { return i.ID == id }) {
			continue
		}
		feature := "machine"
		if slices.Contains(firewallImages, id) || id == ex.infra.Firewall.Image {
			feature = "firewall"
		}
		seed.Images = append(seed.Images, metalapi.ImageSeed{ID: id, Name: id, Features: []string{feature}, Classification: "supported"})
	}

	seed.Projects = append(seed.Projects, metalapi.ProjectSeed{
		ID: ex.infra.ProjectID, Name: ex.shoot.Namespace, Description: "project of the example shoot", TenantID: metalapi.DefaultTenantID,
	})

	// The private super network, with the example's ID and node network lengths.
	childV4, childV6 := int64(defaultChildIPv4), int64(defaultChildIPv6)
	superID := metalapi.PrivateSuperNetworkID
	if d := ex.partition.NodeNetworkDefaults; d != nil {
		if len(d.PrivateSuperNetworks) > 0 {
			superID = d.PrivateSuperNetworks[0]
		}
		if l := d.PrefixLengths; l != nil {
			if l.IPv4 != nil {
				childV4 = int64(*l.IPv4)
			}
			if l.IPv6 != nil {
				childV6 = int64(*l.IPv6)
			}
		}
	}
	for i := range seed.Networks {
		n := &seed.Networks[i]
		if !n.PrivateSuper {
			continue
		}
		n.ID, n.Name = superID, "tenant super network"
		n.Prefixes = []string{superNetworkIPv4, superNetworkIPv6}
		n.DefaultChildPrefixLength = map[string]int64{metalapi.AddressFamilyIPv4: childV4, metalapi.AddressFamilyIPv6: childV6}
	}

	// Every network the example refers to must exist.
	networks := slices.Clone(ex.infra.Firewall.Networks)
	for _, w := range ex.shoot.Spec.Provider.Workers {
		wc, err := metalhelper.WorkerConfigFromRawExtension(w.ProviderConfig)
		if err != nil {
			return metalapi.Seed{}, fmt.Errorf("worker pool %s: %w", w.Name, err)
		}
		if wc != nil {
			networks = append(networks, wc.AdditionalNetworks...)
		}
	}
	networks = append(networks, ex.ontapConfig.DataNetworkID)
	for _, id := range networks {
		if !slices.ContainsFunc(seed.Networks, func(n metalapi.NetworkSeed) bool { return n.ID == id }) {
			return metalapi.Seed{}, fmt.Errorf("the example refers to network %q, which the simulated partition does not have", id)
		}
	}
	return seed, nil
}

// ontapClusterName is the ONTAP cluster the example's admin Secret is for.
func (ex *example) ontapClusterName() string {
	if name := string(ex.ontapSecret.Data[ontap.SecretKeyName]); name != "" {
		return name
	}
	return strings.TrimPrefix(ex.ontapSecret.Name, "ontap-")
}

// ontapSeed is ontapapi.DefaultSeed (two nodes with two aggregates each) named after the example's cluster.
func (ex *example) ontapSeed() ontapapi.Seed {
	name := ex.ontapClusterName()
	seed := ontapapi.DefaultSeed()
	seed.ClusterName = name
	nodes := map[string]string{}
	for i := range seed.Nodes {
		renamed := fmt.Sprintf("%s-%02d", name, i+1)
		nodes[seed.Nodes[i].Name] = renamed
		seed.Nodes[i].Name = renamed
	}
	for i := range seed.Aggregates {
		a := &seed.Aggregates[i]
		a.Node = nodes[a.Node]
		a.Name = strings.ReplaceAll(name, "-", "_") + strings.TrimPrefix(a.Name, "sim")
	}
	return seed
}
