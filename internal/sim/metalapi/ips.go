// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/metal-stack/metal-go/api/models"
)

func machineTag(machineID string) string { return machineIDTag + "=" + machineID }

func (ip *ipEntity) machineIDs() []string {
	var out []string
	for _, t := range ip.Tags {
		if v, ok := strings.CutPrefix(t, machineIDTag+"="); ok {
			out = append(out, v)
		}
	}
	return out
}

// scope follows metal-api's IP.GetScope.
func (ip *ipEntity) scope() string {
	switch {
	case len(ip.machineIDs()) > 0:
		return "machine"
	case ip.ProjectID != "":
		return "project"
	}
	return ""
}

// allocateIP follows metal-api's allocateIP; specific is the address of POST /v1/ip/allocate/{ip}.
func (st *state) allocateIP(id *identity, req *models.V1IPAllocateRequest, specific string) (*ipEntity, error) {
	networkID, projectID := deref(req.Networkid), deref(req.Projectid)
	if networkID == "" {
		return nil, badRequest("networkid should not be empty")
	}
	if projectID == "" {
		return nil, badRequest("projectid should not be empty")
	}
	nw, ok := st.networks[networkID]
	if !ok {
		return nil, notFound("no network with id %q found", networkID)
	}
	var family string
	if req.Addressfamily != "" {
		af, err := parseAddressFamily(req.Addressfamily)
		if err != nil {
			return nil, badRequest("%v", err)
		}
		if !slices.Contains(nw.families(), af) {
			return nil, badRequest("there is no prefix for the given addressfamily:%s present in network:%s", req.Addressfamily, networkID)
		}
		if specific != "" {
			return nil, badRequest("it is not possible to specify specificIP and addressfamily")
		}
		family = af
	}
	if err := id.mayUse(projectID); err != nil {
		return nil, err
	}
	if _, ok := st.projects[projectID]; !ok {
		return nil, notFound("project with id %q not found", projectID)
	}
	if !nw.Shared && nw.ParentID != "" && projectID != nw.ProjectID {
		return nil, unprocessable("can not allocate ip for project %q because network belongs to %q and the network is not shared", projectID, nw.ProjectID)
	}
	tags := slices.Clone(req.Tags)
	if req.Machineid != "" {
		tags = append(tags, machineTag(req.Machineid))
	}
	var (
		addr   netip.Addr
		parent netip.Prefix
		err    error
	)
	if specific == "" {
		addr, parent, err = st.allocateRandomIP(nw, family)
	} else {
		addr, parent, err = st.allocateSpecificIP(nw, specific)
	}
	if err != nil {
		return nil, err
	}
	ipType := ipTypeEphemeral
	if deref(req.Type) == ipTypeStatic {
		ipType = ipTypeStatic
	}
	t := st.now()
	ip := &ipEntity{
		Address: addr, ParentPrefix: parent, AllocationUUID: st.newUUID(), Name: req.Name, Description: req.Description,
		NetworkID: nw.ID, ProjectID: projectID, Type: ipType, Tags: uniqueSortedTags(tags), Created: t, Changed: t,
	}
	st.ips[addr] = ip
	return ip, nil
}

// allocateRandomIP follows metal-api's allocateRandomIP: IPv4 unless a family is requested or the network
// has only one family; the prefixes of the family are tried in order.
func (st *state) allocateRandomIP(nw *networkEntity, family string) (netip.Addr, netip.Prefix, error) {
	if family == "" {
		family = AddressFamilyIPv4
		if fams := nw.families(); len(fams) == 1 {
			family = fams[0]
		}
	}
	for _, p := range nw.prefixesOf(family) {
		addr, err := st.ipam.acquireIP(p)
		if errors.Is(err, errNoIPAvailable) {
			continue
		}
		if err != nil {
			return netip.Addr{}, netip.Prefix{}, unprocessable("cannot allocate ip in prefix %s in ipam: %v", p, err)
		}
		return addr, p, nil
	}
	return netip.Addr{}, netip.Prefix{}, internal("cannot allocate free ip in ipam, no ips left")
}

// allocateSpecificIP follows metal-api's allocateSpecificIP.
func (st *state) allocateSpecificIP(nw *networkEntity, specific string) (netip.Addr, netip.Prefix, error) {
	addr, err := netip.ParseAddr(specific)
	if err != nil {
		return netip.Addr{}, netip.Prefix{}, unprocessable("unable to parse specific ip: %v", err)
	}
	for _, p := range nw.prefixesOf(familyOfAddr(addr)) {
		if !p.Contains(addr) {
			continue
		}
		if err := st.ipam.acquireSpecificIP(p, addr); err != nil {
			if errors.Is(err, errAlreadyAllocated) {
				return netip.Addr{}, netip.Prefix{}, conflict("ip already allocated")
			}
			return netip.Addr{}, netip.Prefix{}, unprocessable("cannot allocate ip in prefix %s in ipam: %v", p, err)
		}
		return addr, p, nil
	}
	return netip.Addr{}, netip.Prefix{}, unprocessable("specific ip not contained in any of the defined prefixes")
}

// ip returns an IP the caller may see; the ID of an IP is its address.
func (st *state) ip(id *identity, address string) (*ipEntity, error) {
	addr, err := netip.ParseAddr(address)
	if err != nil {
		return nil, notFound("no ip with id %q found", address)
	}
	ip, ok := st.ips[addr]
	if !ok {
		return nil, notFound("no ip with id %q found", address)
	}
	if !id.sees(ip.ProjectID) {
		return nil, forbidden("ip %q belongs to project %q, which is not accessible with the credentials of %s", address, ip.ProjectID, id.name)
	}
	return ip, nil
}

// releaseIP gives the address back to the IPAM and forgets the IP.
func (st *state) releaseIP(ip *ipEntity) error {
	if err := st.ipam.releaseIP(ip.ParentPrefix, ip.Address); err != nil {
		return unprocessable("error release ip %s in prefix %s: %v", ip.Address, ip.ParentPrefix, err)
	}
	delete(st.ips, ip.Address)
	return nil
}

// freeIP follows metal-api's freeIP: IPs bound to a machine cannot be freed directly.
func (st *state) freeIP(id *identity, address string) (*ipEntity, error) {
	ip, err := st.ip(id, address)
	if err != nil {
		return nil, err
	}
	if err := id.mayUse(ip.ProjectID); err != nil {
		return nil, err
	}
	if ip.scope() == "machine" {
		return nil, badRequest("ip with machine scope can not be deleted")
	}
	if err := st.releaseIP(ip); err != nil {
		return nil, err
	}
	return ip, nil
}

// ipUpdate is POST /v1/ip; a nil field is "not given".
type ipUpdate struct {
	IPAddress   *string  `json:"ipaddress"`
	Name        *string  `json:"name"`
	Description *string  `json:"description"`
	Tags        []string `json:"tags"`
	Type        *string  `json:"type"`
}

// updateIP follows metal-api's updateIP and validateIPUpdate.
func (st *state) updateIP(id *identity, req ipUpdate) (*ipEntity, error) {
	if req.IPAddress == nil {
		return nil, badRequest("ipaddress must be given")
	}
	old, err := st.ip(id, *req.IPAddress)
	if err != nil {
		return nil, err
	}
	if err := id.mayUse(old.ProjectID); err != nil {
		return nil, err
	}
	upd := *old
	if req.Name != nil {
		upd.Name = *req.Name
	}
	if req.Description != nil {
		upd.Description = *req.Description
	}
	if req.Tags != nil {
		upd.Tags = slices.Clone(req.Tags)
	}
	if t := deref(req.Type); t == ipTypeStatic || t == ipTypeEphemeral {
		upd.Type = t
	}
	if old.Type == ipTypeStatic && upd.Type == ipTypeEphemeral {
		return nil, badRequest("cannot change type of ip address from static to ephemeral")
	}
	if os, ns := old.scope(), upd.scope(); os != ns && os != "project" && ns != "project" {
		return nil, badRequest("can not use ip of scope %v with scope %v", os, ns)
	}
	upd.Tags = uniqueSortedTags(upd.Tags)
	upd.Changed = st.now()
	*old = upd
	return old, nil
}

// ipQuery is metal-api's IPSearchQuery.
type ipQuery struct {
	IPAddress      *string  `json:"ipaddress"`
	AllocationUUID *string  `json:"allocationuuid"`
	Name           *string  `json:"name"`
	ProjectID      *string  `json:"projectid"`
	NetworkID      *string  `json:"networkid"`
	NetworkPrefix  *string  `json:"networkprefix"`
	Tags           []string `json:"tags"`
	Type           *string  `json:"type"`
	MachineID      *string  `json:"machineid"`
	AddressFamily  *string  `json:"addressfamily"`
}

func (q ipQuery) matches(ip *ipEntity) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	if !eq(q.IPAddress, ip.Address.String()) || !eq(q.AllocationUUID, ip.AllocationUUID) || !eq(q.Name, ip.Name) ||
		!eq(q.ProjectID, ip.ProjectID) || !eq(q.NetworkID, ip.NetworkID) || !eq(q.NetworkPrefix, ip.ParentPrefix.String()) ||
		!eq(q.Type, ip.Type) || !eq(q.AddressFamily, familyOfAddr(ip.Address)) {
		return false
	}
	if q.MachineID != nil && !slices.Contains(ip.Tags, machineTag(*q.MachineID)) {
		return false
	}
	return tagsContainAll(ip.Tags, q.Tags)
}

func (st *state) sortedIPs(id *identity, match func(*ipEntity) bool) []*ipEntity {
	var out []*ipEntity
	for _, ip := range st.ips {
		if id.sees(ip.ProjectID) && (match == nil || match(ip)) {
			out = append(out, ip)
		}
	}
	slices.SortFunc(out, func(a, b *ipEntity) int { return a.Address.Compare(b.Address) })
	return out
}

func ipResponse(ip *ipEntity) *models.V1IPResponse {
	return &models.V1IPResponse{
		Allocationuuid: new(ip.AllocationUUID), Ipaddress: new(ip.Address.String()),
		Name: ip.Name, Description: ip.Description, Networkid: new(ip.NetworkID), Projectid: new(ip.ProjectID),
		Type: new(ip.Type), Tags: nonNil(ip.Tags),
		Created: strfmt.DateTime(ip.Created), Changed: strfmt.DateTime(ip.Changed),
	}
}

// Handlers.

func (s *Server) listIPs(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1IPResponse{}
	for _, ip := range s.st.sortedIPs(q.id, nil) {
		out = append(out, ipResponse(ip))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getIP(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	ip, err := s.st.ip(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ipResponse(ip), nil
}

func (s *Server) findIPs(q *request) (int, any, error) {
	var query ipQuery
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
	out := []*models.V1IPResponse{}
	for _, ip := range s.st.sortedIPs(q.id, query.matches) {
		out = append(out, ipResponse(ip))
	}
	return http.StatusOK, out, nil
}

func (s *Server) allocateIPHandler(q *request) (int, any, error) {
	var req models.V1IPAllocateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	ip, err := s.st.allocateIP(q.id, &req, q.pathValue("ip"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusCreated, ipResponse(ip), nil
}

func (s *Server) updateIPHandler(q *request) (int, any, error) {
	var req ipUpdate
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	ip, err := s.st.updateIP(q.id, req)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ipResponse(ip), nil
}

func (s *Server) freeIPHandler(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	ip, err := s.st.freeIP(q.id, q.pathValue("id"))
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, ipResponse(ip), nil
}
