// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/metal-stack/metal-go/api/client/machine"
	"github.com/metal-stack/metal-go/api/models"
	"github.com/metal-stack/metal-lib/pkg/tag"
)

// roleMachine is the allocation role of a worker machine.
const roleMachine = "machine"

// MachineLeases is what the machine-controller-manager driver does with worker machines: lease one, find the
// ones it leased by their tags, and give them back.
type MachineLeases interface {
	// AllocateMachine leases a free machine of the size in the partition and installs the image on it. Lost
	// answers are not retried here: the caller finds the machine again by the tags it asked for.
	AllocateMachine(ctx context.Context, alloc MachineAllocation) (*Machine, error)
	// FindMachines returns the allocated worker machines (not firewalls) of a project that match the query,
	// oldest allocation first.
	FindMachines(ctx context.Context, query MachineQuery) ([]Machine, error)
	// GetMachine reads one machine by ID; a machine that does not exist is a ClassNotFound error.
	GetMachine(ctx context.Context, id string) (*Machine, error)
	// FreeMachine gives a machine back to the partition's pool, but only while it is still allocated with all
	// of the owner tags: a machine that is gone, free, or meanwhile leased by somebody else is left alone and
	// reported as not freed, without error.
	FreeMachine(ctx context.Context, id string, ownerTags ...string) (freed bool, err error)
}

var _ MachineLeases = (*apiClient)(nil)

// MachineLeasesOf returns the machine operations of a client made by this package (NewClient, ClientCache).
func MachineLeasesOf(c Client) (MachineLeases, error) {
	leases, ok := c.(MachineLeases)
	if !ok {
		return nil, fmt.Errorf("metal-api client %T cannot lease machines", c)
	}
	return leases, nil
}

// MachineAllocation asks for a worker machine.
type MachineAllocation struct {
	// Name is the allocation name; Hostname the host name of the installed OS (the Kubernetes node name).
	Name, Hostname string
	// Description is free text.
	Description string
	// PartitionID, SizeID, ImageID and ProjectID are required.
	PartitionID, SizeID, ImageID, ProjectID string
	// Networks are the IDs of the networks to attach, the node network (the project's private network) first.
	// The machine acquires one IP per address family of each network.
	Networks []string
	// UserData is handed to the installed OS (cloud-init or ignition).
	UserData string
	// SSHPublicKeys are authorized for the machine's default user.
	SSHPublicKeys []string
	// Tags are "key=value" tags that identify the owner; see ClusterTag and MachineNameTag.
	Tags []string
	// DNSServers and NTPServers override the partition's defaults, e.g. for isolated clusters.
	DNSServers, NTPServers []string
}

// MachineQuery selects allocated worker machines of one project; every field that is set must match.
type MachineQuery struct {
	// ProjectID is required: queries never list machines across projects.
	ProjectID string
	// PartitionID selects machines of one partition.
	PartitionID string
	// Name selects machines by allocation name.
	Name string
	// Tags selects machines that carry all of these tags.
	Tags []string
}

// MachineNetwork is a network a machine is attached to.
type MachineNetwork struct {
	// NetworkID is the metal-api network.
	NetworkID string
	// IPs are the machine's addresses in the network, one per address family of it.
	IPs []netip.Addr
	// Private marks the project's private network (the node network); Underlay the partition's underlay.
	Private, Underlay bool
}

// Machine is an allocated metal-api machine as the driver sees it.
type Machine struct {
	// ID is the metal-api machine ID (a UUID).
	ID string
	// Name is the allocation name, Hostname the installed OS's host name.
	Name, Hostname string
	// PartitionID, SizeID, ImageID and ProjectID describe the allocation.
	PartitionID, SizeID, ImageID, ProjectID string
	// Tags are the machine's tags, including the metal-api's own (rack, ASN).
	Tags []string
	// Networks are the attached networks in allocation order.
	Networks []MachineNetwork
	// Allocated is when the machine was leased.
	Allocated time.Time
	// Provisioned is true once the image is installed and the machine phoned home.
	Provisioned bool
	// LastEvent is the last provisioning event ("Installing", "Phoned Home", ...).
	LastEvent string
	// Liveliness is the metal-api's view of the machine's health ("Alive", "Dead", "Unknown").
	Liveliness string
}

// HasTags tells whether the machine carries all of the tags.
func (m *Machine) HasTags(tags ...string) bool {
	for _, t := range tags {
		if !slices.Contains(m.Tags, t) {
			return false
		}
	}
	return true
}

// PrivateIPs returns the machine's addresses in its private (node) network, IPv4 first.
func (m *Machine) PrivateIPs() []netip.Addr {
	var out []netip.Addr
	for _, n := range m.Networks {
		if n.Private {
			out = append(out, n.IPs...)
		}
	}
	slices.SortStableFunc(out, func(a, b netip.Addr) int { return cmp.Compare(a.BitLen(), b.BitLen()) })
	return out
}

// MachineNameTag is the tag that names the owner's object a machine was leased for
// ("machine.metal-stack.io/name=<name>"); together with the cluster tag it finds the machine of an MCM Machine
// again.
func MachineNameTag(name string) string { return tag.New(tag.MachineName, name) }

// ClusterNameTag is the tag with a cluster's name ("cluster.metal-stack.io/name=<name>").
func ClusterNameTag(name string) string { return tag.New(tag.ClusterName, name) }

// ClusterProjectTag is the tag with a cluster's metal-stack project ("cluster.metal-stack.io/project=<id>").
func ClusterProjectTag(projectID string) string { return tag.New(tag.ClusterProject, projectID) }

// noMachineMarkers are the metal-api's answers when no free machine of the size is left in the partition.
var noMachineMarkers = []string{"no machine available", "no free machine"}

// machineFrom converts metal-go's machine model; the machine must be allocated.
func machineFrom(m *models.V1MachineResponse) (*Machine, error) {
	if m == nil || m.ID == nil {
		return nil, errors.New("metal-api returned a machine without ID")
	}
	out := &Machine{ID: *m.ID, Tags: slices.Clone(m.Tags), Liveliness: deref(m.Liveliness)}
	if m.Partition != nil {
		out.PartitionID = deref(m.Partition.ID)
	}
	if m.Size != nil {
		out.SizeID = deref(m.Size.ID)
	}
	if m.Events != nil && len(m.Events.Log) > 0 && m.Events.Log[0] != nil {
		out.LastEvent = deref(m.Events.Log[0].Event)
	}
	a := m.Allocation
	if a == nil {
		return out, nil
	}
	out.Name, out.Hostname, out.ProjectID = deref(a.Name), deref(a.Hostname), deref(a.Project)
	out.Provisioned = deref(a.Succeeded)
	if a.Created != nil {
		out.Allocated = time.Time(*a.Created)
	}
	if a.Image != nil {
		out.ImageID = deref(a.Image.ID)
	}
	for _, n := range a.Networks {
		if n == nil {
			continue
		}
		mn := MachineNetwork{NetworkID: deref(n.Networkid), Private: deref(n.Private), Underlay: deref(n.Underlay)}
		for _, s := range n.Ips {
			ip, err := netip.ParseAddr(s)
			if err != nil {
				return nil, fmt.Errorf("machine %q: metal-api returned an invalid IP %q in network %q", out.ID, s, mn.NetworkID)
			}
			mn.IPs = append(mn.IPs, ip)
		}
		out.Networks = append(out.Networks, mn)
	}
	return out, nil
}

// validate checks an allocation before it is sent: a missing field is a configuration error naming it.
func (a MachineAllocation) validate() error {
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"partition", a.PartitionID}, {"size", a.SizeID}, {"image", a.ImageID}, {"project", a.ProjectID},
	} {
		if f.value == "" {
			missing = append(missing, f.name)
		}
	}
	if len(a.Networks) == 0 {
		missing = append(missing, "networks")
	}
	if len(missing) > 0 {
		return ConfigurationError("machine allocation %q lacks %s", a.Name, strings.Join(missing, ", "))
	}
	return nil
}

func (c *apiClient) AllocateMachine(ctx context.Context, alloc MachineAllocation) (*Machine, error) {
	if err := alloc.validate(); err != nil {
		return nil, err
	}
	req := &models.V1MachineAllocateRequest{
		Name:          alloc.Name,
		Hostname:      alloc.Hostname,
		Description:   alloc.Description,
		Partitionid:   new(alloc.PartitionID),
		Sizeid:        new(alloc.SizeID),
		Imageid:       new(alloc.ImageID),
		Projectid:     new(alloc.ProjectID),
		UserData:      alloc.UserData,
		SSHPubKeys:    nonNilStrings(alloc.SSHPublicKeys),
		Tags:          nonNilStrings(alloc.Tags),
		Ips:           []string{},
		PlacementTags: []string{},
		DNSServers:    []*models.V1DNSServer{},
		NtpServers:    []*models.V1NTPServer{},
	}
	for _, id := range alloc.Networks {
		req.Networks = append(req.Networks, &models.V1MachineAllocationNetwork{Networkid: new(id), Autoacquire: new(true)})
	}
	for _, ip := range alloc.DNSServers {
		req.DNSServers = append(req.DNSServers, &models.V1DNSServer{IP: new(ip)})
	}
	for _, addr := range alloc.NTPServers {
		req.NtpServers = append(req.NtpServers, &models.V1NTPServer{Address: new(addr)})
	}

	var resp *machine.AllocateMachineOK
	err := c.call(ctx, "allocateMachine", func() (err error) {
		resp, err = c.api.Machine.AllocateMachine(with(c, ctx, machine.NewAllocateMachineParams().WithBody(req)), c.auth)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("allocating a machine of size %q with image %q in partition %q: %w", alloc.SizeID, alloc.ImageID, alloc.PartitionID, noMachineLeft(err))
	}
	return machineFrom(resp.Payload)
}

// noMachineLeft reclassifies the metal-api's answer that the partition has no free machine of the size (a 422
// like any invalid request) as ClassNoCapacity: it resolves when machines are freed or added.
func noMachineLeft(err error) error {
	var me *Error
	if !errors.As(err, &me) || me.Status != http.StatusUnprocessableEntity {
		return err
	}
	lower := strings.ToLower(me.Message)
	for _, marker := range noMachineMarkers {
		if strings.Contains(lower, marker) {
			out := *me
			out.Class = ClassNoCapacity
			return &out
		}
	}
	return err
}

func (c *apiClient) FindMachines(ctx context.Context, query MachineQuery) ([]Machine, error) {
	if query.ProjectID == "" {
		return nil, ConfigurationError("a machine query needs a project")
	}
	req := &models.V1MachineFindRequest{
		AllocationProject: query.ProjectID,
		AllocationRole:    roleMachine,
		AllocationName:    query.Name,
		PartitionID:       query.PartitionID,
		Tags:              nonNilStrings(query.Tags),
	}
	var resp *machine.FindMachinesOK
	if err := c.call(ctx, "findMachines", func() (err error) {
		resp, err = c.api.Machine.FindMachines(with(c, ctx, machine.NewFindMachinesParams().WithBody(req)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("finding the machines of project %q with tags %v: %w", query.ProjectID, query.Tags, err)
	}
	out := make([]Machine, 0, len(resp.Payload))
	for _, m := range resp.Payload {
		converted, err := machineFrom(m)
		if err != nil {
			return nil, err
		}
		// The role filter is the metal-api's; checking again keeps firewalls out should a metal-api ignore it.
		if m.Allocation == nil || deref(m.Allocation.Role) == roleFirewall {
			continue
		}
		out = append(out, *converted)
	}
	slices.SortFunc(out, func(a, b Machine) int {
		return cmp.Or(a.Allocated.Compare(b.Allocated), strings.Compare(a.ID, b.ID))
	})
	return out, nil
}

func (c *apiClient) GetMachine(ctx context.Context, id string) (*Machine, error) {
	var resp *machine.FindMachineOK
	if err := c.call(ctx, "findMachine", func() (err error) {
		resp, err = c.api.Machine.FindMachine(with(c, ctx, machine.NewFindMachineParams().WithID(id)), c.auth)
		return err
	}); err != nil {
		return nil, fmt.Errorf("reading machine %q: %w", id, err)
	}
	return machineFrom(resp.Payload)
}

func (c *apiClient) FreeMachine(ctx context.Context, id string, ownerTags ...string) (bool, error) {
	current, err := c.GetMachine(ctx, id)
	switch {
	case IsNotFound(err):
		return false, nil
	case err != nil:
		return false, err
	}
	// A free machine has no project; one of another owner must not be touched even if its ID was ours once.
	if current.ProjectID == "" || !current.HasTags(ownerTags...) {
		return false, nil
	}
	if err := c.call(ctx, "freeMachine", func() error {
		_, err := c.api.Machine.FreeMachine(with(c, ctx, machine.NewFreeMachineParams().WithID(id)), c.auth)
		return err
	}); err != nil {
		if IsNotFound(err) {
			return false, nil
		}
		return false, fmt.Errorf("freeing machine %q: %w", id, err)
	}
	return true, nil
}

// nonNilStrings returns s, or an empty slice for nil: metal-api rejects null where it expects a list.
func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
