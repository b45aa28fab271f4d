// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-openapi/strfmt"
	"github.com/metal-stack/metal-go/api/models"
	"golang.org/x/crypto/ssh"
)

// allocationSpec is the common part of a machine and a firewall allocation request.
type allocationSpec struct {
	UUID, Name, Description, Hostname, UserData string
	ImageID, PartitionID, SizeID, ProjectID     string
	SSHPubKeys, Tags, IPs, PlacementTags        []string
	Networks                                    []*models.V1MachineAllocationNetwork
	DNSServers, NTPServers                      []string
	Role                                        string
	FirewallRules                               *models.V1FirewallRules

	networksNil bool
	image       *imageEntity
	size        *sizeEntity
	machine     *machineEntity
}

func specFromMachineRequest(r *models.V1MachineAllocateRequest) *allocationSpec {
	return &allocationSpec{
		UUID: r.UUID, Name: r.Name, Description: r.Description, Hostname: r.Hostname, UserData: r.UserData,
		ImageID: deref(r.Imageid), PartitionID: deref(r.Partitionid), SizeID: deref(r.Sizeid), ProjectID: deref(r.Projectid),
		SSHPubKeys: r.SSHPubKeys, Tags: r.Tags, IPs: r.Ips, PlacementTags: r.PlacementTags, Networks: r.Networks,
		DNSServers: dnsIPs(r.DNSServers), NTPServers: ntpAddresses(r.NtpServers), Role: roleMachine, networksNil: r.Networks == nil,
	}
}

func specFromFirewallRequest(r *models.V1FirewallCreateRequest) *allocationSpec {
	return &allocationSpec{
		UUID: r.UUID, Name: r.Name, Description: r.Description, Hostname: r.Hostname, UserData: r.UserData,
		ImageID: deref(r.Imageid), PartitionID: deref(r.Partitionid), SizeID: deref(r.Sizeid), ProjectID: deref(r.Projectid),
		SSHPubKeys: r.SSHPubKeys, Tags: r.Tags, IPs: r.Ips, PlacementTags: r.PlacementTags, Networks: r.Networks,
		DNSServers: dnsIPs(r.DNSServers), NTPServers: ntpAddresses(r.NtpServers), Role: roleFirewall,
		FirewallRules: r.FirewallRules, networksNil: r.Networks == nil,
	}
}

func dnsIPs(in []*models.V1DNSServer) []string {
	var out []string
	for _, d := range in {
		if d != nil {
			out = append(out, deref(d.IP))
		}
	}
	return out
}

func ntpAddresses(in []*models.V1NTPServer) []string {
	var out []string
	for _, n := range in {
		if n != nil {
			out = append(out, deref(n.Address))
		}
	}
	return out
}

// prepare follows metal-api's createMachineAllocationSpec; its errors are 400s.
func (st *state) prepare(spec *allocationSpec) error {
	if spec.networksNil {
		return badRequest("network ids cannot be nil")
	}
	if len(spec.Networks) == 0 {
		return badRequest("network ids cannot be empty")
	}
	img, err := st.resolveImage(spec.ImageID, false)
	if err != nil {
		return badRequest("%v", err)
	}
	if !slices.Contains(img.Features, spec.Role) {
		return badRequest("given image is not usable for a %s, features: %s", spec.Role, strings.Join(img.Features, ", "))
	}
	spec.image = img
	if spec.UUID == "" && spec.PartitionID == "" {
		return badRequest("when no machine id is given, a partition id must be specified")
	}
	if spec.UUID == "" && spec.SizeID == "" {
		return badRequest("when no machine id is given, a size id must be specified")
	}
	if spec.UUID != "" {
		m, ok := st.machines[spec.UUID]
		if !ok {
			return badRequest("uuid given but no machine found with uuid:%s", spec.UUID)
		}
		spec.machine = m
		spec.SizeID, spec.PartitionID = m.SizeID, m.PartitionID
	}
	size, ok := st.sizes[spec.SizeID]
	if !ok {
		return badRequest("size:%s not found", spec.SizeID)
	}
	spec.size = size
	if err := validateDNSAndNTP(spec.DNSServers, spec.NTPServers, false); err != nil {
		return badRequest("%v", err)
	}
	rules, err := normalizeFirewallRules(spec.FirewallRules)
	if err != nil {
		return badRequest("%v", err)
	}
	spec.FirewallRules = rules
	if spec.Hostname == "" {
		spec.Hostname = "metal"
	}
	return nil
}

// validate follows metal-api's validateAllocationSpec; its errors are 422s.
func (spec *allocationSpec) validate() error {
	if spec.ProjectID == "" {
		return errors.New("project id must be specified")
	}
	for _, ip := range spec.IPs {
		if _, err := netip.ParseAddr(ip); err != nil {
			return fmt.Errorf("%q is not a valid IP address", ip)
		}
	}
	for _, key := range spec.SSHPubKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key)); err != nil {
			return fmt.Errorf("invalid public SSH key: %s", key)
		}
	}
	auto := 0
	for _, n := range spec.Networks {
		if n == nil || n.Autoacquire == nil || *n.Autoacquire {
			auto++
		}
	}
	if spec.Role == roleFirewall && len(spec.IPs) == 0 && auto == 0 {
		return errors.New("when no ip is given at least one auto acquire network must be specified")
	}
	if noauto := len(spec.Networks) - auto; noauto > len(spec.IPs) {
		return errors.New("missing ip(s) for network(s) without automatic ip allocation")
	}
	return nil
}

// allocationNetwork is one network of an allocation being built.
type allocationNetwork struct {
	network *networkEntity
	auto    bool
	ips     []*ipEntity
	typ     string
}

// allocateMachine follows metal-api's allocateMachine for machines and firewalls.
func (st *state) allocateMachine(id *identity, spec *allocationSpec) (*machineEntity, error) {
	if err := st.prepare(spec); err != nil {
		return nil, err
	}
	if err := spec.validate(); err != nil {
		return nil, err
	}
	if err := id.mayUse(spec.ProjectID); err != nil {
		return nil, err
	}
	if _, ok := st.projects[spec.ProjectID]; !ok {
		return nil, notFound("project with id %q not found", spec.ProjectID)
	}
	candidate, err := st.machineCandidate(spec)
	if err != nil {
		return nil, err
	}
	networks, err := st.gatherNetworks(spec)
	if err != nil {
		return nil, fmt.Errorf("unable to gather networks:%w", err)
	}
	alloc := &allocationEntity{
		UUID: st.newUUID(), Name: spec.Name, Description: spec.Description, Hostname: spec.Hostname,
		Project: spec.ProjectID, ImageID: spec.image.ID, UserData: spec.UserData, Creator: id.name, Role: spec.Role,
		Created: st.now(), SSHPubKeys: slices.Clone(spec.SSHPubKeys), DNSServers: slices.Clone(spec.DNSServers),
		NTPServers: slices.Clone(spec.NTPServers), FirewallRules: cloneFirewallRules(spec.FirewallRules),
	}
	partition := st.partitions[candidate.PartitionID]
	if len(alloc.DNSServers) == 0 {
		alloc.DNSServers = slices.Clone(partition.DNSServers)
	}
	if len(alloc.NTPServers) == 0 {
		alloc.NTPServers = slices.Clone(partition.NTPServers)
	}
	if err := st.makeNetworks(candidate.ID, spec, networks, alloc); err != nil {
		return nil, fmt.Errorf("unable to make networks:%w", err)
	}
	candidate.Allocation = alloc
	candidate.Tags = machineTags(candidate, spec.Tags)
	candidate.Changed = st.now()
	return candidate, nil
}

// machineCandidate follows metal-api's findMachineCandidate and FindWaitingMachine: a specific machine,
// or a free machine of the size in the partition, preferring the racks where the project has the fewest
// machines with the same placement tags, then a random one.
func (st *state) machineCandidate(spec *allocationSpec) (*machineEntity, error) {
	if m := spec.machine; m != nil {
		if m.Allocation != nil {
			return nil, errors.New("machine is already allocated")
		}
		return m, nil
	}
	if _, ok := st.partitions[spec.PartitionID]; !ok {
		return nil, notFound("partition cannot be found: no partition with id %q found", spec.PartitionID)
	}
	var free []*machineEntity
	perRack := map[string]int{}
	for _, m := range st.machines {
		if m.PartitionID != spec.PartitionID || m.SizeID != spec.SizeID {
			continue
		}
		if m.Allocation == nil {
			free = append(free, m)
			continue
		}
		if m.Allocation.Project == spec.ProjectID && tagsContainAll(m.Tags, spec.PlacementTags) {
			perRack[m.RackID]++
		}
	}
	if len(free) == 0 {
		return nil, errors.New("no machine available")
	}
	least := -1
	for _, m := range free {
		if n := perRack[m.RackID]; least < 0 || n < least {
			least = n
		}
	}
	free = slices.DeleteFunc(free, func(m *machineEntity) bool { return perRack[m.RackID] != least })
	slices.SortFunc(free, func(a, b *machineEntity) int { return strings.Compare(a.ID, b.ID) })
	return free[st.rng.IntN(len(free))], nil
}

// gatherNetworks follows metal-api's gatherNetworks and gatherNetworksFromSpec.
func (st *state) gatherNetworks(spec *allocationSpec) ([]*allocationNetwork, error) {
	var supers []*networkEntity
	var partitionSuper *networkEntity
	for _, n := range st.networks {
		if n.PrivateSuper {
			supers = append(supers, n)
			if n.PartitionID == spec.PartitionID {
				partitionSuper = n
			}
		}
	}
	if partitionSuper == nil {
		return nil, fmt.Errorf("partition %s does not have a private super network", spec.PartitionID)
	}
	var (
		result         []*allocationNetwork
		primary        *allocationNetwork
		private, share []*allocationNetwork
		seen           = map[string]bool{}
	)
	for _, ns := range spec.Networks {
		if ns == nil || ns.Networkid == nil {
			return nil, errors.New("network id must be given")
		}
		nw, ok := st.networks[*ns.Networkid]
		if !ok {
			return nil, notFound("no network with id %q found", *ns.Networkid)
		}
		if nw.Underlay {
			return nil, fmt.Errorf("underlay networks are not allowed to be set explicitly: %s", nw.ID)
		}
		if nw.PrivateSuper {
			return nil, fmt.Errorf("private super networks are not allowed to be set explicitly: %s", nw.ID)
		}
		if seen[nw.ID] {
			return nil, errors.New("given network ids are not unique")
		}
		seen[nw.ID] = true
		an := &allocationNetwork{network: nw, auto: ns.Autoacquire == nil || *ns.Autoacquire, typ: networkTypeExternal}
		for _, super := range supers {
			if nw.ParentID != super.ID {
				continue
			}
			if nw.Shared {
				an.typ = networkTypePrivateSecondaryShared
				share = append(share, an)
			} else {
				if primary != nil {
					return nil, errors.New("multiple private networks are specified but there must be only one primary private network that must not be shared")
				}
				an.typ = networkTypePrivatePrimaryUnshared
				primary = an
			}
			private = append(private, an)
		}
		result = append(result, an)
	}
	if len(private) == 0 {
		return nil, errors.New("no private network given")
	}
	if primary == nil {
		if len(share) == 0 {
			return nil, errors.New("no private shared network found that could be used as primary private network")
		}
		if len(share) > 1 {
			return nil, errors.New("machines and firewalls are not allowed to be placed into multiple private, shared networks (firewall needs an unshared private network and machines may only reside in one private network)")
		}
		primary = share[0]
		primary.typ = networkTypePrivatePrimaryShared
	}
	if spec.Role == roleMachine && len(private) > 1 {
		return nil, errors.New("machines are not allowed to be placed into multiple private networks")
	}
	if primary.network.ProjectID != spec.ProjectID {
		return nil, errors.New("the given private network does not belong to the project, which is not allowed")
	}
	for _, s := range spec.IPs {
		addr, _ := netip.ParseAddr(s)
		ip, ok := st.ips[addr]
		if !ok {
			return nil, notFound("no ip with id %q found", s)
		}
		if ip.ProjectID != spec.ProjectID {
			return nil, fmt.Errorf("given ip %q with project id %q does not belong to the project of this allocation: %s", s, ip.ProjectID, spec.ProjectID)
		}
		idx := slices.IndexFunc(result, func(an *allocationNetwork) bool { return an.network.ID == ip.NetworkID })
		if idx < 0 {
			return nil, fmt.Errorf("given ip %q is not in any of the given networks, which is required", s)
		}
		if sc := ip.scope(); sc != "machine" && sc != "project" {
			return nil, fmt.Errorf("given ip %q is not available for direct attachment to machine because it is already in use", s)
		}
		result[idx].auto = false
		result[idx].ips = append(result[idx].ips, ip)
	}
	for _, pn := range private {
		if pn.network.PartitionID != partitionSuper.PartitionID {
			return nil, fmt.Errorf("private network %q must be located in the partition where the machine is going to be placed", pn.network.ID)
		}
		if !pn.auto && len(pn.ips) == 0 {
			return nil, fmt.Errorf("the private network %q has no auto ip acquisition, but no suitable IPs were provided, which would lead into a machine having no ip address", pn.network.ID)
		}
	}
	if spec.Role == roleFirewall {
		var underlay *networkEntity
		for _, n := range st.networks {
			if n.Underlay && n.PartitionID == spec.PartitionID {
				underlay = n
			}
		}
		if underlay == nil {
			return nil, fmt.Errorf("no underlay found in the given partition:%s", spec.PartitionID)
		}
		result = append(result, &allocationNetwork{network: underlay, auto: true, typ: networkTypeUnderlay})
	}
	return result, nil
}

// makeNetworks follows metal-api's makeNetworks and makeMachineNetwork: with auto acquisition one IP per
// address family of the network, all IPs tagged with the machine, one ASN for all machine networks. On
// failure everything it did is undone, so a failed allocation leaves nothing behind.
func (st *state) makeNetworks(machineID string, spec *allocationSpec, networks []*allocationNetwork, alloc *allocationEntity) (err error) {
	tag := machineTag(machineID)
	var created, tagged []*ipEntity
	defer func() {
		if err == nil {
			return
		}
		for _, ip := range tagged {
			ip.Tags = slices.DeleteFunc(ip.Tags, func(t string) bool { return t == tag })
		}
		for _, ip := range created {
			_ = st.releaseIP(ip)
		}
		alloc.Networks = nil
	}()
	for _, n := range networks {
		if n.auto {
			if len(n.network.Prefixes) == 0 {
				return fmt.Errorf("given network %s does not have prefixes configured", n.network.ID)
			}
			for _, af := range n.network.families() {
				addr, parent, err := st.allocateRandomIP(n.network, af)
				if err != nil {
					return fmt.Errorf("unable to allocate an ip in network: %s %w", n.network.ID, err)
				}
				t := st.now()
				ip := &ipEntity{
					Address: addr, ParentPrefix: parent, AllocationUUID: st.newUUID(), Name: spec.Name, Description: "autoassigned",
					NetworkID: n.network.ID, ProjectID: spec.ProjectID, Type: ipTypeEphemeral, Tags: []string{}, Created: t, Changed: t,
				}
				st.ips[addr] = ip
				created = append(created, ip)
				n.ips = append(n.ips, ip)
			}
		}
		var addresses []string
		for _, ip := range n.ips {
			if !slices.Contains(ip.Tags, tag) {
				ip.Tags = uniqueSortedTags(append(slices.Clone(ip.Tags), tag))
				tagged = append(tagged, ip)
			}
			addresses = append(addresses, ip.Address.String())
		}
		alloc.Networks = append(alloc.Networks, machineNetwork{
			NetworkID: n.network.ID, Prefixes: prefixStrings(n.network.Prefixes), DestinationPrefixes: prefixStrings(n.network.DestinationPrefixes),
			IPs: addresses, Type: n.typ, Nat: n.network.Nat, Vrf: n.network.Vrf,
			Private:  n.typ == networkTypePrivatePrimaryUnshared || n.typ == networkTypePrivatePrimaryShared || n.typ == networkTypePrivateSecondaryShared,
			Underlay: n.typ == networkTypeUnderlay,
		})
	}
	asn, err := st.acquireASN()
	if err != nil {
		return err
	}
	for i := range alloc.Networks {
		alloc.Networks[i].ASN = asn
	}
	return nil
}

// releaseMachineNetworks follows metal-api's machine network releaser: the machine's tag is removed from
// its IPs; ephemeral IPs no other machine uses are freed, static IPs stay with the project.
func (st *state) releaseMachineNetworks(machineID string, alloc *allocationEntity) {
	for _, mn := range alloc.Networks {
		if mn.ASN != 0 {
			delete(st.asns, mn.ASN)
		}
		for _, s := range mn.IPs {
			addr, err := netip.ParseAddr(s)
			if err != nil {
				continue
			}
			ip, ok := st.ips[addr]
			if !ok || !slices.Contains(ip.Tags, machineTag(machineID)) {
				continue
			}
			ip.Tags = slices.DeleteFunc(slices.Clone(ip.Tags), func(t string) bool { return t == machineTag(machineID) })
			ip.Changed = st.now()
			if ip.Type == ipTypeStatic || len(ip.machineIDs()) > 0 {
				continue
			}
			_ = st.releaseIP(ip)
		}
	}
}

// machineTags follows metal-api's makeMachineTags: user tags plus the system labels.
func machineTags(m *machineEntity, userTags []string) []string {
	labels := map[string]string{}
	var plain []string
	for _, t := range userTags {
		if k, v, ok := strings.Cut(t, "="); ok {
			labels[k] = v
		} else {
			plain = append(plain, t)
		}
	}
	for _, n := range m.Allocation.Networks {
		if n.Private && n.ASN != 0 {
			labels[primaryASN] = strconv.FormatInt(n.ASN, 10)
			break
		}
	}
	if m.RackID != "" {
		labels[rackTag] = m.RackID
	}
	if m.ChassisSerial != "" {
		labels[chassisTag] = m.ChassisSerial
	}
	for k, v := range labels {
		plain = append(plain, k+"="+v)
	}
	return uniqueSortedTags(plain)
}

// normalizeFirewallRules follows metal-api's firewall rule handling: the protocol defaults to tcp and is
// lower-cased (tcp or udp), ports and CIDRs must be valid.
func normalizeFirewallRules(r *models.V1FirewallRules) (*models.V1FirewallRules, error) {
	if r == nil {
		return nil, nil
	}
	out := cloneFirewallRules(r)
	protocol := func(p string) (string, error) {
		switch p = strings.ToLower(p); p {
		case "":
			return "tcp", nil
		case "tcp", "udp":
			return p, nil
		}
		return "", fmt.Errorf("no such protocol: %s", p)
	}
	check := func(ports []int32, cidrs ...[]string) error {
		for _, p := range ports {
			if p < 0 || p > 65535 {
				return fmt.Errorf("port is out of range: %d", p)
			}
		}
		for _, list := range cidrs {
			for _, c := range list {
				if _, err := netip.ParsePrefix(c); err != nil {
					return fmt.Errorf("invalid cidr %q: %w", c, err)
				}
			}
		}
		return nil
	}
	out.Egress = slices.DeleteFunc(nonNil(out.Egress), func(e *models.V1FirewallEgressRule) bool { return e == nil })
	out.Ingress = slices.DeleteFunc(nonNil(out.Ingress), func(i *models.V1FirewallIngressRule) bool { return i == nil })
	for _, e := range out.Egress {
		p, err := protocol(e.Protocol)
		if err != nil {
			return nil, err
		}
		e.Protocol, e.Ports, e.To = p, nonNil(e.Ports), nonNil(e.To)
		if err := check(e.Ports, e.To); err != nil {
			return nil, err
		}
	}
	for _, i := range out.Ingress {
		p, err := protocol(i.Protocol)
		if err != nil {
			return nil, err
		}
		i.Protocol, i.Ports, i.From, i.To = p, nonNil(i.Ports), nonNil(i.From), nonNil(i.To)
		if err := check(i.Ports, i.From, i.To); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func cloneFirewallRules(r *models.V1FirewallRules) *models.V1FirewallRules {
	if r == nil {
		return nil
	}
	data, err := json.Marshal(r)
	if err != nil {
		return nil
	}
	var out models.V1FirewallRules
	if err := json.Unmarshal(data, &out); err != nil {
		return nil
	}
	return &out
}

// freeMachine follows metal-api's freeMachine: the machine goes back to the pool, its IPs are released.
func (st *state) freeMachine(id *identity, machineID string) (*machineEntity, error) {
	m, err := st.machine(id, machineID)
	if err != nil {
		return nil, err
	}
	if m.Allocation != nil {
		if err := id.mayUse(m.Allocation.Project); err != nil {
			return nil, err
		}
		st.releaseMachineNetworks(m.ID, m.Allocation)
	}
	m.Allocation = nil
	m.Tags = []string{}
	m.Changed = st.now()
	return m, nil
}

// deleteMachine removes a machine that is not allocated from the pool. metal-api additionally requires
// the machine to be dead; simulated machines are always alive, so only the allocation is checked.
func (st *state) deleteMachine(machineID string) (*machineEntity, error) {
	m, ok := st.machines[machineID]
	if !ok {
		return nil, notFound("no machine with id %q found", machineID)
	}
	if m.Allocation != nil {
		return nil, unprocessable("cannot delete machine that is allocated")
	}
	delete(st.machines, machineID)
	return m, nil
}

// machineUpdate is POST /v1/machine.
type machineUpdate struct {
	ID          *string  `json:"id"`
	Description *string  `json:"description"`
	Tags        []string `json:"tags"`
	SSHPubKeys  []string `json:"ssh_pub_keys"`
}

func (st *state) updateMachine(id *identity, req machineUpdate) (*machineEntity, error) {
	if req.ID == nil {
		return nil, badRequest("id must be given")
	}
	m, err := st.machine(id, *req.ID)
	if err != nil {
		return nil, err
	}
	if m.Allocation != nil {
		if err := id.mayUse(m.Allocation.Project); err != nil {
			return nil, err
		}
	}
	for _, key := range req.SSHPubKeys {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(key)); err != nil {
			return nil, badRequest("invalid public SSH key: %s", key)
		}
	}
	if req.SSHPubKeys != nil {
		if m.Allocation == nil {
			return nil, badRequest("cannot update ssh keys of a machine that is not allocated")
		}
		m.Allocation.SSHPubKeys = slices.Clone(req.SSHPubKeys)
	}
	if req.Description != nil {
		m.Description = *req.Description
	}
	if req.Tags != nil {
		m.Tags = uniqueSortedTags(req.Tags)
	}
	m.Changed = st.now()
	return m, nil
}

// machine returns a machine the caller may see: free machines are visible to all.
func (st *state) machine(id *identity, machineID string) (*machineEntity, error) {
	m, ok := st.machines[machineID]
	if !ok {
		return nil, notFound("no machine with id %q found", machineID)
	}
	if m.Allocation != nil && !id.sees(m.Allocation.Project) {
		return nil, forbidden("machine %q is allocated in project %q, which is not accessible with the credentials of %s", m.ID, m.Allocation.Project, id.name)
	}
	return m, nil
}

func (m *machineEntity) visibleTo(id *identity) bool {
	return m.Allocation == nil || id.sees(m.Allocation.Project)
}

func (m *machineEntity) isFirewall() bool {
	return m.Allocation != nil && m.Allocation.Role == roleFirewall
}

// machineQuery is metal-api's MachineSearchQuery (v1.MachineFindRequest).
type machineQuery struct {
	ID                         *string  `json:"id"`
	Name                       *string  `json:"name"`
	PartitionID                *string  `json:"partition_id"`
	SizeID                     *string  `json:"sizeid"`
	RackID                     *string  `json:"rackid"`
	Tags                       []string `json:"tags"`
	AllocationName             *string  `json:"allocation_name"`
	AllocationProject          *string  `json:"allocation_project"`
	AllocationImageID          *string  `json:"allocation_image_id"`
	AllocationHostname         *string  `json:"allocation_hostname"`
	AllocationRole             *string  `json:"allocation_role"`
	AllocationSucceeded        *bool    `json:"allocation_succeeded"`
	NetworkIDs                 []string `json:"network_ids"`
	NetworkPrefixes            []string `json:"network_prefixes"`
	NetworkIPs                 []string `json:"network_ips"`
	NetworkDestinationPrefixes []string `json:"network_destination_prefixes"`
	NetworkVrfs                []int64  `json:"network_vrfs"`
	NetworkASNs                []int64  `json:"network_asns"`
	HardwareMemory             *int64   `json:"hardware_memory"`
	NicsMacAddresses           []string `json:"nics_mac_addresses"`
	NicsNames                  []string `json:"nics_names"`
	DiskNames                  []string `json:"disk_names"`
	StateValue                 *string  `json:"state_value"`
	FruChassisPartSerial       *string  `json:"fru_chassis_part_serial"`
}

func (st *state) queryMatches(q machineQuery, m *machineEntity) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	if !eq(q.ID, m.ID) || !eq(q.Name, m.Name) || !eq(q.PartitionID, m.PartitionID) || !eq(q.SizeID, m.SizeID) ||
		!eq(q.RackID, m.RackID) || !eq(q.StateValue, "") || !eq(q.FruChassisPartSerial, m.ChassisSerial) {
		return false
	}
	if !tagsContainAll(m.Tags, q.Tags) || !tagsContainAll(m.MACs, q.NicsMacAddresses) || !tagsContainAll([]string{"lan0", "lan1"}, q.NicsNames) {
		return false
	}
	if !tagsContainAll(machineDisks, q.DiskNames) {
		return false
	}
	if q.HardwareMemory != nil && *q.HardwareMemory != st.sizes[m.SizeID].MemoryBytes {
		return false
	}
	a := m.Allocation
	allocFilter := q.AllocationName != nil || q.AllocationProject != nil || q.AllocationImageID != nil || q.AllocationHostname != nil ||
		q.AllocationRole != nil || q.AllocationSucceeded != nil || len(q.NetworkIDs)+len(q.NetworkPrefixes)+len(q.NetworkIPs)+
		len(q.NetworkDestinationPrefixes)+len(q.NetworkVrfs)+len(q.NetworkASNs) > 0
	if a == nil {
		return !allocFilter
	}
	if !eq(q.AllocationName, a.Name) || !eq(q.AllocationProject, a.Project) || !eq(q.AllocationImageID, a.ImageID) ||
		!eq(q.AllocationHostname, a.Hostname) || !eq(q.AllocationRole, a.Role) {
		return false
	}
	if q.AllocationSucceeded != nil && *q.AllocationSucceeded != st.provisioned(a) {
		return false
	}
	var ids, prefixes, ips, dests []string
	var vrfs, asns []int64
	for _, n := range a.Networks {
		ids = append(ids, n.NetworkID)
		prefixes = append(prefixes, n.Prefixes...)
		ips = append(ips, n.IPs...)
		dests = append(dests, n.DestinationPrefixes...)
		vrfs = append(vrfs, n.Vrf)
		asns = append(asns, n.ASN)
	}
	return tagsContainAll(ids, q.NetworkIDs) && tagsContainAll(prefixes, q.NetworkPrefixes) && tagsContainAll(ips, q.NetworkIPs) &&
		tagsContainAll(dests, q.NetworkDestinationPrefixes) && containsAllInts(vrfs, q.NetworkVrfs) && containsAllInts(asns, q.NetworkASNs)
}

func containsAllInts(have, want []int64) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (st *state) sortedMachines(id *identity, match func(*machineEntity) bool) []*machineEntity {
	var out []*machineEntity
	for _, m := range st.machines {
		if m.visibleTo(id) && (match == nil || match(m)) {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(a, b *machineEntity) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// provisioned reports whether the allocation has finished installing (see Config.ProvisioningTime).
func (st *state) provisioned(a *allocationEntity) bool {
	return st.now().Sub(a.Created) >= st.provisioningTime
}

// Responses.

// machineDisks are the two disks every machine has; they share the size's storage.
var machineDisks = []string{"/dev/nvme0n1", "/dev/nvme1n1"}

func (st *state) machineResponse(m *machineEntity) *models.V1MachineResponse {
	// Sizes cannot be deleted, so every machine's size exists.
	sz := st.sizes[m.SizeID]
	disks := []*models.V1MachineBlockDevice{}
	for _, name := range machineDisks {
		disks = append(disks, &models.V1MachineBlockDevice{Name: new(name), Size: new(sz.StorageBytes / 2)})
	}
	nics := []*models.V1MachineNic{}
	for i, mac := range m.MACs {
		neighbor := &models.V1MachineNic{
			Identifier: new(fmt.Sprintf("Eth1/%d", i+1)), Mac: new(fmt.Sprintf("0c:00:9f:%02x:00:%02x", i, i+1)),
			Name: new(fmt.Sprintf("swp%ds%d", i+1, i)), Neighbors: []*models.V1MachineNic{},
		}
		nics = append(nics, &models.V1MachineNic{Identifier: new(mac), Mac: new(mac), Name: new(fmt.Sprintf("lan%d", i)), Neighbors: []*models.V1MachineNic{neighbor}})
	}
	resp := &models.V1MachineResponse{
		ID: new(m.ID), Name: m.Name, Description: m.Description, Rackid: m.RackID, Tags: nonNil(m.Tags),
		Bios: &models.V1MachineBIOS{Vendor: new("American Megatrends Inc."), Version: new("2.7"), Date: new("12/01/2023")},
		Hardware: &models.V1MachineHardware{
			CPUCores: new(sz.CPUCores), Memory: new(sz.MemoryBytes), Disks: disks, Nics: nics, Gpus: []*models.V1MetalGPU{},
			Cpus: []*models.V1MetalCPU{{
				Vendor: new("AuthenticAMD"), Model: new("AMD EPYC 7313P 16-Core Processor"),
				Cores: new(int64(sz.CPUCores)), Threads: new(int64(sz.CPUCores) * 2),
			}},
		},
		Ledstate:   &models.V1ChassisIdentifyLEDState{Value: new(""), Description: new("")},
		Liveliness: new("Alive"),
		State:      &models.V1MachineState{Value: new(""), Description: new(""), MetalHammerVersion: new("v0.13.10")},
		Events:     st.events(m),
		Created:    strfmt.DateTime(m.Created), Changed: strfmt.DateTime(m.Changed),
		Size: sizeResponse(sz),
	}
	if p := st.partitions[m.PartitionID]; p != nil {
		resp.Partition = partitionResponse(p)
	}
	if a := m.Allocation; a != nil {
		resp.Allocation = st.allocationResponse(a)
	}
	return resp
}

func (st *state) events(m *machineEntity) *models.V1MachineRecentProvisioningEvents {
	type ev struct {
		name string
		at   time.Time
	}
	var log []ev
	switch a := m.Allocation; {
	case a == nil:
		log = []ev{{"Waiting", m.Changed}, {"Registering", m.Created}, {"PXE Booting", m.Created}}
	case st.provisioned(a):
		done := a.Created.Add(st.provisioningTime)
		log = []ev{{"Phoned Home", done}, {"Booting New Kernel", done}, {"Installing", a.Created}, {"Waiting", m.Created}}
	default:
		log = []ev{{"Installing", a.Created}, {"Waiting", m.Created}}
	}
	out := &models.V1MachineRecentProvisioningEvents{
		CrashLoop: new(false), FailedMachineReclaim: new(false), LastEventTime: strfmt.DateTime(log[0].at),
		Log: []*models.V1MachineProvisioningEvent{},
	}
	for _, e := range log {
		out.Log = append(out.Log, &models.V1MachineProvisioningEvent{Event: new(e.name), Time: strfmt.DateTime(e.at)})
	}
	return out
}

func (st *state) allocationResponse(a *allocationEntity) *models.V1MachineAllocation {
	created := strfmt.DateTime(a.Created)
	out := &models.V1MachineAllocation{
		Allocationuuid: new(a.UUID), Created: &created, Creator: new(a.Creator), Hostname: new(a.Hostname),
		Name: new(a.Name), Description: a.Description, Project: new(a.Project), Reinstall: new(false), Role: new(a.Role),
		SSHPubKeys: nonNil(a.SSHPubKeys), Succeeded: new(st.provisioned(a)), UserData: a.UserData,
		Networks: []*models.V1MachineNetwork{}, DNSServers: []*models.V1DNSServer{}, NtpServers: []*models.V1NTPServer{},
		FirewallRules: cloneFirewallRules(a.FirewallRules),
	}
	if img := st.images[a.ImageID]; img != nil {
		out.Image = imageResponse(img)
	}
	for _, n := range a.Networks {
		out.Networks = append(out.Networks, &models.V1MachineNetwork{
			Networkid: new(n.NetworkID), Prefixes: nonNil(n.Prefixes), Destinationprefixes: nonNil(n.DestinationPrefixes),
			Ips: nonNil(n.IPs), Networktype: new(n.Type), Private: new(n.Private), Underlay: new(n.Underlay),
			Nat: new(n.Nat), Vrf: new(n.Vrf), Asn: new(n.ASN),
		})
	}
	for _, d := range a.DNSServers {
		out.DNSServers = append(out.DNSServers, &models.V1DNSServer{IP: new(d)})
	}
	for _, n := range a.NTPServers {
		out.NtpServers = append(out.NtpServers, &models.V1NTPServer{Address: new(n)})
	}
	return out
}

// firewallResponse converts a firewall; v1.FirewallResponse has the same shape as v1.MachineResponse.
func (st *state) firewallResponse(m *machineEntity) *models.V1FirewallResponse {
	r := st.machineResponse(m)
	return &models.V1FirewallResponse{
		Allocation: r.Allocation, Bios: r.Bios, Changed: r.Changed, Created: r.Created, Description: r.Description,
		Events: r.Events, Hardware: r.Hardware, ID: r.ID, Ledstate: r.Ledstate, Liveliness: r.Liveliness, Name: r.Name,
		Partition: r.Partition, Rackid: r.Rackid, Size: r.Size, State: r.State, Tags: r.Tags,
	}
}

// Handlers.

func (s *Server) listMachines(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1MachineResponse{}
	for _, m := range s.st.sortedMachines(q.id, nil) {
		out = append(out, s.st.machineResponse(m))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getMachine(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	m, err := s.st.machine(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.machineResponse(m), nil
}

func (s *Server) findMachines(q *request) (int, any, error) {
	var query machineQuery
	if err := q.decode(&query); err != nil {
		return 0, nil, err
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1MachineResponse{}
	for _, m := range s.st.sortedMachines(q.id, func(m *machineEntity) bool { return s.st.queryMatches(query, m) }) {
		out = append(out, s.st.machineResponse(m))
	}
	return http.StatusOK, out, nil
}

func (s *Server) allocateMachineHandler(q *request) (int, any, error) {
	var req models.V1MachineAllocateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m, err := s.st.allocateMachine(q.id, specFromMachineRequest(&req))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.machineResponse(m), nil
}

func (s *Server) freeMachineHandler(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m, err := s.st.freeMachine(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.machineResponse(m), nil
}

func (s *Server) deleteMachineHandler(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m, err := s.st.deleteMachine(q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.machineResponse(m), nil
}

func (s *Server) updateMachineHandler(q *request) (int, any, error) {
	var req machineUpdate
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m, err := s.st.updateMachine(q.id, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.machineResponse(m), nil
}

func (s *Server) listFirewalls(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1FirewallResponse{}
	for _, m := range s.st.sortedMachines(q.id, (*machineEntity).isFirewall) {
		out = append(out, s.st.firewallResponse(m))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getFirewall(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	m, err := s.st.machine(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	if !m.isFirewall() {
		return 0, nil, notFound("machine %q is not a firewall", m.ID)
	}
	return http.StatusOK, s.st.firewallResponse(m), nil
}

func (s *Server) findFirewalls(q *request) (int, any, error) {
	var query machineQuery
	if err := q.decode(&query); err != nil {
		return 0, nil, err
	}
	query.AllocationRole = new(roleFirewall)
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1FirewallResponse{}
	for _, m := range s.st.sortedMachines(q.id, func(m *machineEntity) bool { return s.st.queryMatches(query, m) }) {
		out = append(out, s.st.firewallResponse(m))
	}
	return http.StatusOK, out, nil
}

func (s *Server) allocateFirewallHandler(q *request) (int, any, error) {
	var req models.V1FirewallCreateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	m, err := s.st.allocateMachine(q.id, specFromFirewallRequest(&req))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, s.st.firewallResponse(m), nil
}
