// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/metal-stack/metal-go/api/models"
)

// The entities of the simulator. They hold exactly what the metal-api responses need; conversion to
// metal-go's models happens in convert.go.

type partitionEntity struct {
	ID, Name, Description, MgmtServiceAddress string
	Labels                                    map[string]string
	DNSServers, NTPServers                    []string
	Created                                   time.Time
}

type sizeEntity struct {
	ID, Name, Description string
	Labels                map[string]string
	CPUCores              int32
	MemoryBytes           int64
	StorageBytes          int64
	Created               time.Time
}

type imageEntity struct {
	ID, Name, Description, URL, Classification string
	Features                                   []string
	ExpirationDate                             time.Time
	Created                                    time.Time
}

type projectEntity struct {
	ID, Name, Description, TenantID string
	Created, Updated                time.Time
}

type networkEntity struct {
	ID, Name, Description               string
	PartitionID, ProjectID, ParentID    string
	Prefixes, DestinationPrefixes       []netip.Prefix
	DefaultChildPrefixLength            map[string]int64
	PrivateSuper, Underlay, Nat, Shared bool
	VrfShared                           bool
	Vrf                                 int64
	Labels                              map[string]string
	AdditionalAnnouncableCIDRs          []string
	Created, Changed                    time.Time
	vrfAcquired                         bool
	prefixesOwnedByParent               bool
	addressFamilies                     []string
}

type ipEntity struct {
	Address                           netip.Addr
	ParentPrefix                      netip.Prefix
	AllocationUUID, Name, Description string
	NetworkID, ProjectID, Type        string
	Tags                              []string
	Created, Changed                  time.Time
}

type machineNetwork struct {
	NetworkID                     string
	Prefixes, DestinationPrefixes []string
	IPs                           []string
	Type                          string
	Private, Underlay, Nat        bool
	Vrf, ASN                      int64
}

type allocationEntity struct {
	UUID, Name, Description, Hostname   string
	Project, ImageID, UserData, Creator string
	Role                                string
	Created                             time.Time
	SSHPubKeys                          []string
	Networks                            []machineNetwork
	DNSServers, NTPServers              []string
	FirewallRules                       *models.V1FirewallRules
}

type machineEntity struct {
	ID, Name, Description string
	PartitionID, SizeID   string
	RackID                string
	ChassisSerial         string
	MACs                  []string
	Tags                  []string
	Allocation            *allocationEntity
	Created, Changed      time.Time
}

// IP types and machine roles as metal-api spells them.
const (
	ipTypeEphemeral = "ephemeral"
	ipTypeStatic    = "static"
	roleMachine     = "machine"
	roleFirewall    = "firewall"

	machineIDTag = "machine.metal-stack.io/id"
	primaryASN   = "machine.metal-stack.io/network.primary.asn"
	rackTag      = "machine.metal-stack.io/rack"
	chassisTag   = "machine.metal-stack.io/chassis"

	networkTypePrivatePrimaryUnshared = "privateprimaryunshared"
	networkTypePrivatePrimaryShared   = "privateprimaryshared"
	networkTypePrivateSecondaryShared = "privatesecondaryshared"
	networkTypeExternal               = "external"
	networkTypeUnderlay               = "underlay"

	defaultImageExpiration = 90 * 24 * time.Hour
	asnBase                = 4200000000
)

// state is the whole simulated metal-api. One lock guards it: handlers take it for their full
// read-modify-write, which makes every endpoint atomic, like a rethinkdb transaction would if metal-api
// had them.
type state struct {
	mu               sync.RWMutex
	now              func() time.Time
	rng              *rand.Rand
	provisioningTime time.Duration

	ipam       *ipam
	partitions map[string]*partitionEntity
	sizes      map[string]*sizeEntity
	images     map[string]*imageEntity
	projects   map[string]*projectEntity
	networks   map[string]*networkEntity
	ips        map[netip.Addr]*ipEntity
	machines   map[string]*machineEntity
	vrfs       map[int64]bool
	asns       map[int64]bool
}

func newState(seed Seed, randomSeed uint64, now func() time.Time) (*state, error) {
	st := &state{
		now:        now,
		rng:        rand.New(rand.NewPCG(randomSeed, randomSeed^0x9e3779b97f4a7c15)),
		ipam:       newIPAM(),
		partitions: map[string]*partitionEntity{},
		sizes:      map[string]*sizeEntity{},
		images:     map[string]*imageEntity{},
		projects:   map[string]*projectEntity{},
		networks:   map[string]*networkEntity{},
		ips:        map[netip.Addr]*ipEntity{},
		machines:   map[string]*machineEntity{},
		vrfs:       map[int64]bool{},
		asns:       map[int64]bool{},
	}
	if err := st.load(seed); err != nil {
		return nil, fmt.Errorf("invalid seed: %w", err)
	}
	return st, nil
}

func (st *state) load(seed Seed) error {
	t := st.now()
	for _, s := range seed.Sizes {
		if s.ID == "" {
			return errors.New("size without id")
		}
		if _, dup := st.sizes[s.ID]; dup {
			return fmt.Errorf("size %q defined twice", s.ID)
		}
		st.sizes[s.ID] = &sizeEntity{
			ID: s.ID, Name: s.Name, Description: s.Description, Labels: maps.Clone(s.Labels),
			CPUCores: s.CPUCores, MemoryBytes: s.MemoryGiB << 30, StorageBytes: s.StorageGiB << 30, Created: t,
		}
	}
	for _, i := range seed.Images {
		if i.ID == "" {
			return errors.New("image without id")
		}
		if _, dup := st.images[i.ID]; dup {
			return fmt.Errorf("image %q defined twice", i.ID)
		}
		for _, f := range i.Features {
			if f != roleMachine && f != roleFirewall {
				return fmt.Errorf("image %q has unknown feature %q", i.ID, f)
			}
		}
		exp := t.Add(defaultImageExpiration)
		if i.ExpirationDate != nil {
			exp = *i.ExpirationDate
		}
		st.images[i.ID] = &imageEntity{
			ID: i.ID, Name: i.Name, Description: i.Description, URL: i.URL, Classification: i.Classification,
			Features: slices.Clone(i.Features), ExpirationDate: exp, Created: t,
		}
	}
	for _, p := range seed.Projects {
		if p.ID == "" {
			return errors.New("project without id")
		}
		if _, dup := st.projects[p.ID]; dup {
			return fmt.Errorf("project %q defined twice", p.ID)
		}
		st.projects[p.ID] = &projectEntity{ID: p.ID, Name: p.Name, Description: p.Description, TenantID: p.TenantID, Created: t, Updated: t}
	}
	for _, p := range seed.Partitions {
		if p.ID == "" {
			return errors.New("partition without id")
		}
		if _, dup := st.partitions[p.ID]; dup {
			return fmt.Errorf("partition %q defined twice", p.ID)
		}
		if err := validateDNSAndNTP(p.DNSServers, p.NTPServers, true); err != nil {
			return fmt.Errorf("partition %q: %w", p.ID, err)
		}
		st.partitions[p.ID] = &partitionEntity{
			ID: p.ID, Name: p.Name, Description: p.Description, MgmtServiceAddress: p.MgmtServiceAddress,
			Labels: maps.Clone(p.Labels), DNSServers: slices.Clone(p.DNSServers), NTPServers: slices.Clone(p.NTPServers), Created: t,
		}
		racks := max(p.Racks, 1)
		if p.Racks == 0 {
			racks = 2
		}
		for _, sizeID := range slices.Sorted(maps.Keys(p.FreeMachines)) {
			if _, ok := st.sizes[sizeID]; !ok {
				return fmt.Errorf("partition %q: free machines of unknown size %q", p.ID, sizeID)
			}
			for n := range p.FreeMachines[sizeID] {
				id := stableUUID(p.ID, sizeID, fmt.Sprint(n))
				rack := fmt.Sprintf("%s-rack-%d", p.ID, n%racks+1)
				if err := st.addMachine(MachineSeed{ID: id, PartitionID: p.ID, SizeID: sizeID, RackID: rack}); err != nil {
					return err
				}
			}
		}
	}
	for _, m := range seed.Machines {
		if err := st.addMachine(m); err != nil {
			return err
		}
	}
	for _, n := range seed.Networks {
		req := networkCreate{
			ID: n.ID, Name: n.Name, Description: n.Description, PartitionID: n.PartitionID, ProjectID: n.ProjectID,
			Prefixes: n.Prefixes, DestinationPrefixes: n.DestinationPrefixes, DefaultChildPrefixLength: n.DefaultChildPrefixLength,
			PrivateSuper: n.PrivateSuper, Underlay: n.Underlay, Nat: n.Nat, Shared: n.Shared, Vrf: n.Vrf,
			Labels: n.Labels, AdditionalAnnouncableCIDRs: n.AdditionalAnnouncableCIDRs,
		}
		if n.ID == "" {
			return errors.New("network without id")
		}
		if _, err := st.createNetwork(req); err != nil {
			return fmt.Errorf("network %q: %w", n.ID, err)
		}
	}
	return nil
}

func (st *state) addMachine(m MachineSeed) error {
	if m.ID == "" {
		return errors.New("machine without id")
	}
	if _, dup := st.machines[m.ID]; dup {
		return fmt.Errorf("machine %q defined twice", m.ID)
	}
	if _, ok := st.partitions[m.PartitionID]; !ok {
		return fmt.Errorf("machine %q: unknown partition %q", m.ID, m.PartitionID)
	}
	if _, ok := st.sizes[m.SizeID]; !ok {
		return fmt.Errorf("machine %q: unknown size %q", m.ID, m.SizeID)
	}
	h := sha256.Sum256([]byte(m.ID))
	macs := make([]string, 2)
	for i := range macs {
		macs[i] = fmt.Sprintf("b4:96:91:%02x:%02x:%02x", h[0], h[1], h[2]+byte(i))
	}
	t := st.now()
	st.machines[m.ID] = &machineEntity{
		ID: m.ID, Name: m.Name, Description: m.Description, PartitionID: m.PartitionID, SizeID: m.SizeID,
		RackID: m.RackID, ChassisSerial: fmt.Sprintf("CZ%08X", binary.BigEndian.Uint32(h[4:8])), MACs: macs,
		Tags: []string{}, Created: t, Changed: t,
	}
	return nil
}

// newUUID returns a random (version 4) UUID from the seeded generator.
func (st *state) newUUID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], st.rng.Uint64())
	binary.BigEndian.PutUint64(b[8:], st.rng.Uint64())
	return formatUUID(b)
}

// stableUUID derives a UUID from names, for seeded machines whose IDs must not depend on the random seed.
func stableUUID(parts ...string) string {
	h := sha256.Sum256([]byte(strings.Join(parts, "/")))
	var b [16]byte
	copy(b[:], h[:16])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// acquireVRF takes a random free VRF like metal-api's acquireRandomVRF.
func (st *state) acquireVRF() (int64, error) {
	const minVRF, maxVRF = 30, 131072
	if len(st.vrfs) >= maxVRF-minVRF {
		return 0, internal("could not acquire a vrf: no more vrfs available")
	}
	for {
		v := minVRF + st.rng.Int64N(maxVRF-minVRF)
		if !st.vrfs[v] {
			st.vrfs[v] = true
			return v, nil
		}
	}
}

// acquireASN takes a free ASN from metal-api's private 4-byte range.
func (st *state) acquireASN() (int64, error) {
	const pool = 131072
	if len(st.asns) >= pool {
		return 0, internal("could not acquire an asn: no more asns available")
	}
	for {
		a := asnBase + 1 + st.rng.Int64N(pool)
		if !st.asns[a] {
			st.asns[a] = true
			return a, nil
		}
	}
}

func (n *networkEntity) families() []string {
	return n.addressFamilies
}

func computeFamilies(prefixes []netip.Prefix) []string {
	var out []string
	for _, p := range prefixes {
		if f := familyOfPrefix(p); !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func (n *networkEntity) prefixesOf(family string) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range n.Prefixes {
		if familyOfPrefix(p) == family {
			out = append(out, p)
		}
	}
	return out
}

func prefixStrings(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func parsePrefixes(in []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(in))
	for _, s := range in {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("given prefix %v is not a valid ip with mask: %w", s, err)
		}
		if p != p.Masked() {
			return nil, fmt.Errorf("given prefix %v is not a network address, use %s", s, p.Masked())
		}
		out = append(out, p)
	}
	return out, nil
}

func validateDNSAndNTP(dns, ntp []string, partition bool) error {
	if len(dns) > 3 {
		return errors.New("please specify a maximum of three dns servers")
	}
	for _, d := range dns {
		if _, err := netip.ParseAddr(d); err != nil {
			return fmt.Errorf("ip: %s for dns server not correct err: %w", d, err)
		}
	}
	if len(ntp) > 0 && (len(ntp) < 3 || len(ntp) > 5) && !partition {
		return errors.New("please specify a minimum of 3 and a maximum of 5 ntp servers")
	}
	for _, n := range ntp {
		if _, err := netip.ParseAddr(n); err == nil {
			continue
		}
		if !isDNSName(n) {
			return fmt.Errorf("dns name: %s for ntp server not correct", n)
		}
	}
	return nil
}

func isDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

// tagsContainAll reports whether every wanted tag is in have.
func tagsContainAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// uniqueSortedTags removes duplicates; metal-api's tag handling loses the order anyway, a stable one is
// easier on tests.
func uniqueSortedTags(tags []string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}
