// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"fmt"
	"slices"
	"strings"

	"github.com/metal-stack/metal-go/api/models"
)

// Snapshot is the simulator's state as metal-api would report it, in metal-go's models.
type Snapshot struct {
	Partitions []*models.V1PartitionResponse
	Sizes      []*models.V1SizeResponse
	Images     []*models.V1ImageResponse
	Projects   []*models.V1ProjectResponse
	Networks   []*models.V1NetworkResponse
	IPs        []*models.V1IPResponse
	// Machines are the free machines and the machines allocated as workers.
	Machines []*models.V1MachineResponse
	// Firewalls are the machines allocated as firewalls.
	Firewalls []*models.V1FirewallResponse
}

// State returns the whole state.
func (s *Server) State() Snapshot {
	return s.snapshot(func(string) bool { return true }, true)
}

// ProjectState returns what a project holds: its networks, IPs, allocated machines and firewalls (and the
// project itself); the catalog and free machines are left out.
func (s *Server) ProjectState(project string) Snapshot {
	return s.snapshot(func(p string) bool { return p == project }, false)
}

func (s *Server) snapshot(project func(string) bool, all bool) Snapshot {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	st := s.st
	var out Snapshot
	if all {
		for _, p := range sortedByID(st.partitions, nil) {
			out.Partitions = append(out.Partitions, partitionResponse(p))
		}
		for _, sz := range sortedByID(st.sizes, nil) {
			out.Sizes = append(out.Sizes, sizeResponse(sz))
		}
		for _, img := range sortedByID(st.images, nil) {
			out.Images = append(out.Images, imageResponse(img))
		}
	}
	for _, p := range sortedByID(st.projects, func(p *projectEntity) bool { return project(p.ID) }) {
		out.Projects = append(out.Projects, projectResponse(p))
	}
	for _, n := range st.sortedNetworks(anonymousAdmin, func(n *networkEntity) bool { return project(n.ProjectID) }) {
		out.Networks = append(out.Networks, networkResponse(n, st.consumption(n)))
	}
	for _, ip := range st.sortedIPs(anonymousAdmin, func(ip *ipEntity) bool { return project(ip.ProjectID) }) {
		out.IPs = append(out.IPs, ipResponse(ip))
	}
	for _, m := range st.sortedMachines(anonymousAdmin, nil) {
		switch {
		case m.isFirewall() && project(m.Allocation.Project):
			out.Firewalls = append(out.Firewalls, st.firewallResponse(m))
		case m.Allocation != nil && project(m.Allocation.Project):
			out.Machines = append(out.Machines, st.machineResponse(m))
		case m.Allocation == nil && all:
			out.Machines = append(out.Machines, st.machineResponse(m))
		}
	}
	return out
}

// FreeMachines counts the machines of a size waiting for allocation in a partition.
func (s *Server) FreeMachines(partitionID, sizeID string) int {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	n := 0
	for _, m := range s.st.machines {
		if m.Allocation == nil && m.PartitionID == partitionID && m.SizeID == sizeID {
			n++
		}
	}
	return n
}

// Leftovers is what a cluster tag still holds in the simulator.
type Leftovers struct {
	// Tag is the tag that was looked for.
	Tag string
	// Networks are the IDs of networks with the tag as a label.
	Networks []string
	// IPs are the addresses of IPs with the tag.
	IPs []string
	// Machines and Firewalls are the IDs of allocated machines and firewalls with the tag.
	Machines  []string
	Firewalls []string
}

// Empty is true when nothing is left.
func (l Leftovers) Empty() bool {
	return len(l.Networks)+len(l.IPs)+len(l.Machines)+len(l.Firewalls) == 0
}

// String describes the leftovers, for test failure messages.
func (l Leftovers) String() string {
	if l.Empty() {
		return fmt.Sprintf("nothing left for %s", l.Tag)
	}
	return fmt.Sprintf("left for %s: networks %v, ips %v, machines %v, firewalls %v", l.Tag, l.Networks, l.IPs, l.Machines, l.Firewalls)
}

// LeftoversForCluster reports what still carries a cluster tag, metal-stack's "key=value" convention
// (e.g. "cluster.metal-stack.io/id=<uid>"): networks by label, IPs, machines and firewalls by tag. A tag
// without "=" matches the label key or any tag with that key. Every test should end with this empty.
func (s *Server) LeftoversForCluster(tag string) Leftovers {
	key, value, hasValue := strings.Cut(tag, "=")
	matchLabels := func(labels map[string]string) bool {
		v, ok := labels[key]
		return ok && (!hasValue || v == value)
	}
	matchTags := func(tags []string) bool {
		return slices.ContainsFunc(tags, func(t string) bool {
			if hasValue {
				return t == tag
			}
			k, _, _ := strings.Cut(t, "=")
			return k == key
		})
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := Leftovers{Tag: tag}
	for _, n := range s.st.sortedNetworks(anonymousAdmin, func(n *networkEntity) bool { return matchLabels(n.Labels) }) {
		out.Networks = append(out.Networks, n.ID)
	}
	for _, ip := range s.st.sortedIPs(anonymousAdmin, func(ip *ipEntity) bool { return matchTags(ip.Tags) }) {
		out.IPs = append(out.IPs, ip.Address.String())
	}
	for _, m := range s.st.sortedMachines(anonymousAdmin, func(m *machineEntity) bool { return m.Allocation != nil && matchTags(m.Tags) }) {
		if m.isFirewall() {
			out.Firewalls = append(out.Firewalls, m.ID)
		} else {
			out.Machines = append(out.Machines, m.ID)
		}
	}
	return out
}
