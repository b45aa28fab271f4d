// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/metal-stack/metal-go/api/models"
)

// networkCreate is the admin's network create request (PUT /v1/network) and the seed's network.
type networkCreate struct {
	ID                         string
	Name, Description          string
	PartitionID, ProjectID     string
	Prefixes                   []string
	DestinationPrefixes        []string
	DefaultChildPrefixLength   map[string]int64
	PrivateSuper, Underlay     bool
	Nat, Shared                bool
	Vrf                        int64
	VrfShared                  bool
	Labels                     map[string]string
	AdditionalAnnouncableCIDRs []string
}

// createNetwork follows metal-api's createNetwork.
func (st *state) createNetwork(req networkCreate) (*networkEntity, error) {
	if req.ProjectID != "" {
		if _, ok := st.projects[req.ProjectID]; !ok {
			return nil, notFound("project with id %q not found", req.ProjectID)
		}
	}
	if len(req.Prefixes) == 0 {
		return nil, badRequest("no prefixes given")
	}
	if !req.PrivateSuper && len(req.DefaultChildPrefixLength) > 0 {
		return nil, badRequest("defaultchildprefixlength can only be set for privatesuper networks")
	}
	dcl, err := parseChildLengths(req.DefaultChildPrefixLength, "addressfamily of defaultchildprefixlength is invalid")
	if err != nil {
		return nil, err
	}
	prefixes, err := parsePrefixes(req.Prefixes)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	dest, err := parsePrefixes(req.DestinationPrefixes)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	if err := validatePrefixesAndFamilies(prefixes, computeFamilies(dest), dcl, req.PrivateSuper); err != nil {
		return nil, badRequest("%v", err)
	}
	if err := validateAdditionalAnnouncableCIDRs(req.AdditionalAnnouncableCIDRs, req.PrivateSuper); err != nil {
		return nil, badRequest("%v", err)
	}
	if req.ID != "" {
		if _, exists := st.networks[req.ID]; exists {
			return nil, conflict("entity already exists")
		}
	}
	if err := st.ipam.overlapping(prefixes); err != nil {
		return nil, unprocessable("%v", err)
	}
	if req.PartitionID != "" {
		if _, ok := st.partitions[req.PartitionID]; !ok {
			return nil, notFound("partition with id %q not found", req.PartitionID)
		}
		for _, n := range st.networks {
			if n.PartitionID != req.PartitionID {
				continue
			}
			if req.PrivateSuper && n.PrivateSuper {
				return nil, badRequest("partition with id %q already has a private super network", req.PartitionID)
			}
			if req.Underlay && n.Underlay {
				return nil, unprocessable("partition with id %q already has an underlay network", req.PartitionID)
			}
		}
	}
	if (req.PrivateSuper || req.Underlay) && req.Nat {
		return nil, badRequest("private super or underlay network is not supposed to NAT")
	}
	vrfAcquired := false
	if req.Vrf != 0 {
		if st.vrfs[req.Vrf] {
			if !req.VrfShared {
				return nil, unprocessable("cannot acquire a unique vrf id twice except vrfShared is set to true: vrf %d is already in use", req.Vrf)
			}
		} else {
			st.vrfs[req.Vrf] = true
			vrfAcquired = true
		}
	}
	for i, p := range prefixes {
		if err := st.ipam.createPrefix(p); err != nil {
			for _, created := range prefixes[:i] {
				_ = st.ipam.deletePrefix(created)
			}
			if vrfAcquired {
				delete(st.vrfs, req.Vrf)
			}
			return nil, unprocessable("unable to create prefix in ipam: %v", err)
		}
	}
	id := req.ID
	if id == "" {
		id = st.newUUID()
	}
	t := st.now()
	n := &networkEntity{
		ID: id, Name: req.Name, Description: req.Description, PartitionID: req.PartitionID, ProjectID: req.ProjectID,
		Prefixes: prefixes, DestinationPrefixes: dest, DefaultChildPrefixLength: dcl,
		PrivateSuper: req.PrivateSuper, Underlay: req.Underlay, Nat: req.Nat, Shared: req.Shared,
		Vrf: req.Vrf, VrfShared: req.VrfShared, vrfAcquired: vrfAcquired,
		Labels: cloneLabels(req.Labels), AdditionalAnnouncableCIDRs: slices.Clone(req.AdditionalAnnouncableCIDRs),
		Created: t, Changed: t, addressFamilies: computeFamilies(prefixes),
	}
	st.networks[id] = n
	return n, nil
}

func cloneLabels(l map[string]string) map[string]string {
	if l == nil {
		return map[string]string{}
	}
	return maps.Clone(l)
}

func parseChildLengths(in map[string]int64, what string) (map[string]int64, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := map[string]int64{}
	for af, l := range in {
		family, err := parseAddressFamily(af)
		if err != nil {
			return nil, badRequest("%s %v", what, err)
		}
		out[family] = l
	}
	return out, nil
}

// validatePrefixesAndFamilies follows metal-api's validatePrefixesAndAddressFamilies.
func validatePrefixesAndFamilies(prefixes []netip.Prefix, destFamilies []string, dcl map[string]int64, privateSuper bool) error {
	families := computeFamilies(prefixes)
	for _, af := range destFamilies {
		if !slices.Contains(families, af) {
			return fmt.Errorf("addressfamily:%s of destination prefixes is not present in existing prefixes", af)
		}
	}
	if !privateSuper {
		return nil
	}
	if len(dcl) == 0 {
		return errors.New("private super network must always contain a defaultchildprefixlength")
	}
	for af, length := range dcl {
		for _, p := range prefixes {
			if familyOfPrefix(p) == af && int(length) <= p.Bits() {
				return fmt.Errorf("given defaultchildprefixlength %d is not greater than prefix length of:%s", length, p)
			}
			if familyOfPrefix(p) == af && int(length) > p.Addr().BitLen() {
				return fmt.Errorf("given defaultchildprefixlength %d exceeds the address length of:%s", length, p)
			}
		}
	}
	for _, af := range families {
		if _, ok := dcl[af]; !ok {
			return fmt.Errorf("private super network must always contain a defaultchildprefixlength per addressfamily:%s", af)
		}
	}
	return nil
}

func validateAdditionalAnnouncableCIDRs(cidrs []string, privateSuper bool) error {
	if len(cidrs) == 0 {
		return nil
	}
	if !privateSuper {
		return errors.New("additionalannouncablecidrs can only be set in a private super network")
	}
	for _, c := range cidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			return fmt.Errorf("given cidr:%q in additionalannouncablecidrs is malformed:%w", c, err)
		}
	}
	return nil
}

// allocateNetwork follows metal-api's allocateNetwork: a child of the partition's private super network
// with one prefix per address family of the parent (or only the requested family), each with the parent's
// default child prefix length unless the request names another length.
func (st *state) allocateNetwork(id *identity, req *models.V1NetworkAllocateRequest) (*networkEntity, error) {
	if req.Projectid == "" {
		return nil, badRequest("projectid should not be empty")
	}
	if req.Partitionid == "" {
		return nil, badRequest("partitionid should not be empty")
	}
	if err := id.mayUse(req.Projectid); err != nil {
		return nil, err
	}
	if _, ok := st.projects[req.Projectid]; !ok {
		return nil, notFound("project with id %q not found", req.Projectid)
	}
	if _, ok := st.partitions[req.Partitionid]; !ok {
		return nil, notFound("partition with id %q not found", req.Partitionid)
	}
	dest, err := parsePrefixes(req.Destinationprefixes)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	var super *networkEntity
	for _, n := range st.networks {
		if n.PrivateSuper && n.PartitionID == req.Partitionid {
			super = n
			break
		}
	}
	if super == nil {
		return nil, notFound("no private super network found in partition %q", req.Partitionid)
	}
	if len(super.DefaultChildPrefixLength) == 0 {
		return nil, internal("supernetwork %s has no defaultchildprefixlength specified", super.ID)
	}
	length := maps.Clone(super.DefaultChildPrefixLength)
	for af, l := range req.Length {
		family, err := parseAddressFamily(af)
		if err != nil {
			return nil, badRequest("addressfamily of length is invalid %v", err)
		}
		length[family] = l
	}
	if req.Addressfamily != "" {
		family, err := parseAddressFamily(req.Addressfamily)
		if err != nil {
			return nil, badRequest("addressfamily is invalid %v", err)
		}
		bits, ok := length[family]
		if !ok {
			return nil, badRequest("addressfamily %s specified, but no childprefixlength for this addressfamily", req.Addressfamily)
		}
		length = map[string]int64{family: bits}
	}

	vrf, err := st.acquireVRF()
	if err != nil {
		return nil, err
	}
	var children []netip.Prefix
	rollback := func() {
		for _, c := range children {
			_ = st.ipam.releaseChild(c)
		}
		delete(st.vrfs, vrf)
	}
	for _, af := range slices.Sorted(maps.Keys(length)) {
		child, err := st.createChildPrefix(super, af, length[af])
		if err != nil {
			rollback()
			return nil, err
		}
		children = append(children, child)
	}
	t := st.now()
	n := &networkEntity{
		ID: st.newUUID(), Name: req.Name, Description: req.Description,
		PartitionID: super.PartitionID, ProjectID: req.Projectid, ParentID: super.ID,
		Prefixes: children, DestinationPrefixes: dest, Nat: req.Nat, Shared: req.Shared,
		Vrf: vrf, vrfAcquired: true, prefixesOwnedByParent: true, Labels: cloneLabels(req.Labels),
		Created: t, Changed: t, addressFamilies: computeFamilies(children),
	}
	st.networks[n.ID] = n
	return n, nil
}

// createChildPrefix follows metal-api's createChildPrefix: the first parent prefix of the family that
// has room wins.
func (st *state) createChildPrefix(parent *networkEntity, af string, length int64) (netip.Prefix, error) {
	var errs []error
	for _, pp := range parent.prefixesOf(af) {
		child, err := st.ipam.acquireChild(pp, int(length))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		return child, nil
	}
	if len(errs) > 0 {
		return netip.Prefix{}, unprocessable("cannot allocate free child prefix in ipam: %v", errors.Join(errs...))
	}
	return netip.Prefix{}, unprocessable("cannot allocate free child prefix in one of the given parent prefixes in ipam: %s", strings.Join(prefixStrings(parent.Prefixes), ","))
}

// freeNetwork follows metal-api's freeNetwork: the child prefixes go back to the parent.
func (st *state) freeNetwork(id *identity, networkID string) (*networkEntity, error) {
	n, err := st.network(id, networkID)
	if err != nil {
		return nil, err
	}
	if err := id.mayUse(n.ProjectID); err != nil {
		return nil, err
	}
	for _, p := range n.Prefixes {
		pp, err := st.ipam.prefix(p)
		if err != nil {
			return nil, unprocessable("error finding child prefix in ipam: %v", err)
		}
		if pp.parent == nil {
			return nil, unprocessable("error releasing child prefix in ipam: prefix %s is no child prefix", p)
		}
		if pp.hasIPs() {
			return nil, unprocessable("error releasing child prefix in ipam: prefix %s has ips, deletion not possible", p)
		}
	}
	if err := st.removeNetwork(n); err != nil {
		return nil, err
	}
	return n, nil
}

// deleteNetwork follows metal-api's (admin) deleteNetwork.
func (st *state) deleteNetwork(networkID string) (*networkEntity, error) {
	n, ok := st.networks[networkID]
	if !ok {
		return nil, notFound("no network with id %q found", networkID)
	}
	for _, other := range st.networks {
		if other.ParentID == n.ID {
			return nil, unprocessable("network cannot be deleted because there are children of this network")
		}
	}
	if err := st.prefixesInUse(n.Prefixes); err != nil {
		return nil, unprocessable("unable to delete network: %v", err)
	}
	if err := st.removeNetwork(n); err != nil {
		return nil, err
	}
	return n, nil
}

func (st *state) prefixesInUse(prefixes []netip.Prefix) error {
	for _, ip := range st.ips {
		if slices.Contains(prefixes, ip.ParentPrefix) {
			return fmt.Errorf("prefix %s has ip %s in use", ip.ParentPrefix, ip.Address)
		}
	}
	return nil
}

func (st *state) removeNetwork(n *networkEntity) error {
	for _, p := range n.Prefixes {
		if err := st.ipam.deletePrefix(p); err != nil {
			return unprocessable("%v", err)
		}
	}
	if n.vrfAcquired {
		delete(st.vrfs, n.Vrf)
	}
	delete(st.networks, n.ID)
	return nil
}

// networkUpdate is POST /v1/network; pointers and nil slices tell "not given" from "empty".
type networkUpdate struct {
	ID                         *string           `json:"id"`
	Name                       *string           `json:"name"`
	Description                *string           `json:"description"`
	Labels                     map[string]string `json:"labels"`
	Shared                     *bool             `json:"shared"`
	Prefixes                   []string          `json:"prefixes"`
	DestinationPrefixes        []string          `json:"destinationprefixes"`
	DefaultChildPrefixLength   map[string]int64  `json:"defaultchildprefixlength"`
	AdditionalAnnouncableCIDRs []string          `json:"additionalAnnouncableCIDRs"`
}

// updateNetwork follows metal-api's updateNetwork.
func (st *state) updateNetwork(req networkUpdate, force bool) (*networkEntity, error) {
	if req.ID == nil {
		return nil, badRequest("id must be given")
	}
	old, ok := st.networks[*req.ID]
	if !ok {
		return nil, notFound("no network with id %q found", *req.ID)
	}
	upd := *old
	if req.Name != nil {
		upd.Name = *req.Name
	}
	if req.Description != nil {
		upd.Description = *req.Description
	}
	if req.Labels != nil {
		upd.Labels = maps.Clone(req.Labels)
	}
	if req.Shared != nil {
		upd.Shared = *req.Shared
	}
	if old.Shared && !upd.Shared {
		return nil, badRequest("once a network is marked as shared it is not possible to unshare it")
	}
	if len(req.DefaultChildPrefixLength) > 0 && !old.PrivateSuper {
		return nil, unprocessable("defaultchildprefixlength can only be set on privatesuper")
	}
	var removed, added []netip.Prefix
	if len(req.Prefixes) > 0 {
		prefixes, err := parsePrefixes(req.Prefixes)
		if err != nil {
			return nil, unprocessable("%v", err)
		}
		if old.prefixesOwnedByParent {
			return nil, unprocessable("the prefixes of network %s are child prefixes of %s and cannot be changed", old.ID, old.ParentID)
		}
		upd.Prefixes = prefixes
		for _, p := range old.Prefixes {
			if !slices.Contains(prefixes, p) {
				removed = append(removed, p)
			}
		}
		if err := st.prefixesInUse(removed); err != nil {
			return nil, unprocessable("unable to update network: %v", err)
		}
		for _, p := range removed {
			if pp, err := st.ipam.prefix(p); err == nil && len(pp.children) > 0 {
				return nil, unprocessable("unable to update network: prefix %s has child prefixes", p)
			}
		}
		for _, p := range prefixes {
			if !slices.Contains(old.Prefixes, p) {
				added = append(added, p)
			}
		}
	}
	var destFamilies []string
	if len(req.DestinationPrefixes) > 0 {
		dest, err := parsePrefixes(req.DestinationPrefixes)
		if err != nil {
			return nil, unprocessable("%v", err)
		}
		upd.DestinationPrefixes = dest
		destFamilies = computeFamilies(dest)
	}
	if err := validatePrefixesAndFamilies(upd.Prefixes, destFamilies, old.DefaultChildPrefixLength, old.PrivateSuper); err != nil {
		return nil, badRequest("%v", err)
	}
	if len(req.DefaultChildPrefixLength) > 0 {
		dcl, err := parseChildLengths(req.DefaultChildPrefixLength, "addressfamily of defaultchildprefixlength is invalid")
		if err != nil {
			return nil, err
		}
		for af, l := range dcl {
			if !slices.Contains(computeFamilies(upd.Prefixes), af) {
				return nil, unprocessable("no addressfamily %q present for defaultchildprefixlength: %d", af, l)
			}
		}
		upd.DefaultChildPrefixLength = dcl
	}
	if err := validateAdditionalAnnouncableCIDRs(req.AdditionalAnnouncableCIDRs, old.PrivateSuper); err != nil {
		return nil, unprocessable("%v", err)
	}
	for _, c := range old.AdditionalAnnouncableCIDRs {
		if !force && !slices.Contains(req.AdditionalAnnouncableCIDRs, c) {
			return nil, badRequest("you cannot remove %q from additionalannouncablecidrs without force flag set", c)
		}
	}
	upd.AdditionalAnnouncableCIDRs = slices.Clone(req.AdditionalAnnouncableCIDRs)
	if err := st.ipam.overlapping(added, removed...); err != nil {
		return nil, unprocessable("unable to create prefix in ipam: %v", err)
	}
	for _, p := range removed {
		if err := st.ipam.deletePrefix(p); err != nil {
			return nil, unprocessable("%v", err)
		}
	}
	for _, p := range added {
		if err := st.ipam.createPrefix(p); err != nil {
			return nil, unprocessable("unable to create prefix in ipam: %v", err)
		}
	}
	upd.addressFamilies = computeFamilies(upd.Prefixes)
	upd.Changed = st.now()
	*old = upd
	return old, nil
}

// network returns a network the caller may see.
func (st *state) network(id *identity, networkID string) (*networkEntity, error) {
	n, ok := st.networks[networkID]
	if !ok {
		return nil, notFound("no network with id %q found", networkID)
	}
	if !id.sees(n.ProjectID) {
		return nil, forbidden("network %q belongs to project %q, which is not accessible with the credentials of %s", n.ID, n.ProjectID, id.name)
	}
	return n, nil
}

// networkQuery is metal-api's NetworkSearchQuery; pointers tell "not given" from "false" or "".
type networkQuery struct {
	ID                  *string           `json:"id"`
	Name                *string           `json:"name"`
	PartitionID         *string           `json:"partitionid"`
	ProjectID           *string           `json:"projectid"`
	Prefixes            []string          `json:"prefixes"`
	DestinationPrefixes []string          `json:"destinationprefixes"`
	Nat                 *bool             `json:"nat"`
	PrivateSuper        *bool             `json:"privatesuper"`
	Underlay            *bool             `json:"underlay"`
	Vrf                 *int64            `json:"vrf"`
	ParentNetworkID     *string           `json:"parentnetworkid"`
	Labels              map[string]string `json:"labels"`
	AddressFamily       *string           `json:"addressfamily"`
}

func (q networkQuery) matches(n *networkEntity) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	eqb := func(want *bool, have bool) bool { return want == nil || *want == have }
	if !eq(q.ID, n.ID) || !eq(q.Name, n.Name) || !eq(q.PartitionID, n.PartitionID) || !eq(q.ProjectID, n.ProjectID) ||
		!eq(q.ParentNetworkID, n.ParentID) || !eqb(q.Nat, n.Nat) || !eqb(q.PrivateSuper, n.PrivateSuper) || !eqb(q.Underlay, n.Underlay) {
		return false
	}
	if q.Vrf != nil && *q.Vrf != n.Vrf {
		return false
	}
	if !tagsContainAll(prefixStrings(n.Prefixes), q.Prefixes) || !tagsContainAll(prefixStrings(n.DestinationPrefixes), q.DestinationPrefixes) {
		return false
	}
	for k, v := range q.Labels {
		if have, ok := n.Labels[k]; !ok || have != v {
			return false
		}
	}
	if q.AddressFamily != nil && !slices.Contains(n.families(), *q.AddressFamily) {
		return false
	}
	return true
}

func (st *state) sortedNetworks(id *identity, match func(*networkEntity) bool) []*networkEntity {
	var out []*networkEntity
	for _, n := range st.networks {
		if id.sees(n.ProjectID) && (match == nil || match(n)) {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, func(a, b *networkEntity) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// consumption follows metal-api's getNetworkUsage: go-ipam's usage summed per address family.
func (st *state) consumption(n *networkEntity) *models.V1NetworkConsumption {
	type sum struct{ availIPs, usedIPs, availPfx, usedPfx uint64 }
	sums := map[string]*sum{}
	for _, p := range n.Prefixes {
		u, err := st.ipam.usage(p)
		if err != nil {
			continue
		}
		af := familyOfPrefix(p)
		if sums[af] == nil {
			sums[af] = &sum{}
		}
		s := sums[af]
		s.availIPs += u.AvailableIPs
		s.usedIPs += u.AcquiredIPs
		s.availPfx += u.AvailableSmallestPrefixes
		s.usedPfx += u.AcquiredPrefixes
	}
	toUsage := func(s *sum) *models.V1NetworkUsage {
		if s == nil {
			return nil
		}
		return &models.V1NetworkUsage{
			AvailableIps: new(int64(s.availIPs)), UsedIps: new(int64(s.usedIPs)),
			AvailablePrefixes: new(int64(s.availPfx)), UsedPrefixes: new(int64(s.usedPfx)),
		}
	}
	return &models.V1NetworkConsumption{IPV4: toUsage(sums[AddressFamilyIPv4]), IPV6: toUsage(sums[AddressFamilyIPv6])}
}

func zeroUsage() *models.V1NetworkUsage {
	return &models.V1NetworkUsage{AvailableIps: new(int64(0)), UsedIps: new(int64(0)), AvailablePrefixes: new(int64(0)), UsedPrefixes: new(int64(0))}
}

// networkResponse follows metal-api's NewNetworkResponse; the deprecated usage is the IPv4 consumption.
func networkResponse(n *networkEntity, consumption *models.V1NetworkConsumption) *models.V1NetworkResponse {
	usage := zeroUsage()
	if consumption.IPV4 != nil {
		usage = consumption.IPV4
	}
	var dcl map[string]int64
	if len(n.DefaultChildPrefixLength) > 0 {
		dcl = maps.Clone(n.DefaultChildPrefixLength)
	}
	return &models.V1NetworkResponse{
		ID: new(n.ID), Name: n.Name, Description: n.Description,
		Partitionid: n.PartitionID, Projectid: n.ProjectID, Parentnetworkid: n.ParentID,
		Prefixes: prefixStrings(n.Prefixes), Destinationprefixes: prefixStrings(n.DestinationPrefixes),
		Defaultchildprefixlength: dcl, Labels: cloneLabels(n.Labels),
		Nat: new(n.Nat), Privatesuper: new(n.PrivateSuper), Underlay: new(n.Underlay), Shared: n.Shared,
		Vrf: n.Vrf, Vrfshared: n.VrfShared,
		AdditionalAnnouncableCIDRs: nonNil(n.AdditionalAnnouncableCIDRs),
		Consumption:                consumption, Usage: usage,
		Created: strfmt.DateTime(n.Created), Changed: strfmt.DateTime(n.Changed),
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return slices.Clone(s)
}

// Handlers.

func (s *Server) listNetworks(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1NetworkResponse{}
	for _, n := range s.st.sortedNetworks(q.id, nil) {
		out = append(out, networkResponse(n, s.st.consumption(n)))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getNetwork(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	n, err := s.st.network(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, networkResponse(n, s.st.consumption(n)), nil
}

func (s *Server) findNetworks(q *request) (int, any, error) {
	var query networkQuery
	if err := q.decode(&query); err != nil {
		return 0, nil, err
	}
	if query.AddressFamily != nil {
		af, err := parseAddressFamily(*query.AddressFamily)
		if err != nil {
			return 0, nil, badRequest("%v", err)
		}
		query.AddressFamily = &af
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1NetworkResponse{}
	for _, n := range s.st.sortedNetworks(q.id, query.matches) {
		out = append(out, networkResponse(n, s.st.consumption(n)))
	}
	return http.StatusOK, out, nil
}

func (s *Server) createNetworkHandler(q *request) (int, any, error) {
	var req models.V1NetworkCreateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	c := networkCreate{
		Name: req.Name, Description: req.Description, PartitionID: req.Partitionid, ProjectID: req.Projectid,
		Prefixes: req.Prefixes, DestinationPrefixes: req.Destinationprefixes, DefaultChildPrefixLength: req.Defaultchildprefixlength,
		PrivateSuper: deref(req.Privatesuper), Underlay: deref(req.Underlay), Nat: deref(req.Nat), Shared: req.Shared,
		Vrf: req.Vrf, VrfShared: req.Vrfshared, Labels: req.Labels, AdditionalAnnouncableCIDRs: req.AdditionalAnnouncableCIDRs,
	}
	if req.ID != nil {
		c.ID = *req.ID
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n, err := s.st.createNetwork(c)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, networkResponse(n, s.st.consumption(n)), nil
}

func (s *Server) updateNetworkHandler(q *request) (int, any, error) {
	force := false
	if f := q.r.URL.Query().Get("force"); f != "" {
		var err error
		if force, err = strconv.ParseBool(f); err != nil {
			return 0, nil, badRequest("%v", err)
		}
	}
	var req networkUpdate
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n, err := s.st.updateNetwork(req, force)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, networkResponse(n, s.st.consumption(n)), nil
}

func (s *Server) deleteNetworkHandler(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n, err := s.st.deleteNetwork(q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, networkResponse(n, &models.V1NetworkConsumption{}), nil
}

func (s *Server) allocateNetworkHandler(q *request) (int, any, error) {
	var req models.V1NetworkAllocateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n, err := s.st.allocateNetwork(q.id, &req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, networkResponse(n, s.st.consumption(n)), nil
}

func (s *Server) freeNetworkHandler(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	n, err := s.st.freeNetwork(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, networkResponse(n, &models.V1NetworkConsumption{}), nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
