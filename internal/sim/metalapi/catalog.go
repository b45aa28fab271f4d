// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"cmp"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/go-openapi/strfmt"
	"github.com/metal-stack/metal-go/api/models"
)

// Partitions, sizes, images, projects, version and health: the catalog a provider reads.

func partitionResponse(p *partitionEntity) *models.V1PartitionResponse {
	out := &models.V1PartitionResponse{
		ID: new(p.ID), Name: p.Name, Description: p.Description, Labels: cloneLabels(p.Labels),
		Mgmtserviceaddress: p.MgmtServiceAddress, Bootconfig: &models.V1PartitionBootConfiguration{},
		DNSServers: []*models.V1DNSServer{}, NtpServers: []*models.V1NTPServer{},
		Created: strfmt.DateTime(p.Created), Changed: strfmt.DateTime(p.Created),
	}
	for _, d := range p.DNSServers {
		out.DNSServers = append(out.DNSServers, &models.V1DNSServer{IP: new(d)})
	}
	for _, n := range p.NTPServers {
		out.NtpServers = append(out.NtpServers, &models.V1NTPServer{Address: new(n)})
	}
	return out
}

func sizeResponse(s *sizeEntity) *models.V1SizeResponse {
	constraint := func(typ string, v int64) *models.V1SizeConstraint {
		return &models.V1SizeConstraint{Type: new(typ), Min: v, Max: v}
	}
	return &models.V1SizeResponse{
		ID: new(s.ID), Name: s.Name, Description: s.Description, Labels: cloneLabels(s.Labels),
		Constraints: []*models.V1SizeConstraint{
			constraint("cores", int64(s.CPUCores)), constraint("memory", s.MemoryBytes), constraint("storage", s.StorageBytes),
		},
		Created: strfmt.DateTime(s.Created), Changed: strfmt.DateTime(s.Created),
	}
}

func imageResponse(i *imageEntity) *models.V1ImageResponse {
	exp := strfmt.DateTime(i.ExpirationDate)
	return &models.V1ImageResponse{
		ID: new(i.ID), Name: i.Name, Description: i.Description, URL: i.URL, Classification: i.Classification,
		Features: nonNil(i.Features), Usedby: []string{}, ExpirationDate: &exp,
		Created: strfmt.DateTime(i.Created), Changed: strfmt.DateTime(i.Created),
	}
}

func projectResponse(p *projectEntity) *models.V1ProjectResponse {
	return &models.V1ProjectResponse{
		Name: p.Name, Description: p.Description, TenantID: p.TenantID,
		Meta: &models.V1Meta{
			ID: p.ID, Kind: "Project", Apiversion: "v1", Version: 1, Labels: []string{},
			CreatedTime: strfmt.DateTime(p.Created), UpdatedTime: strfmt.DateTime(p.Updated),
		},
	}
}

// splitImageID splits "ubuntu-24.04.20240101" into the OS "ubuntu" and the version "24.04.20240101".
func splitImageID(id string) (string, []int, bool) {
	idx := strings.LastIndex(id, "-")
	if idx < 0 {
		return "", nil, false
	}
	var version []int
	for part := range strings.SplitSeq(id[idx+1:], ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			return "", nil, false
		}
		version = append(version, n)
	}
	return id[:idx], version, true
}

// resolveImage finds an image like metal-api: the exact ID, or else the most recent unexpired image of
// the same OS whose version starts with the given version ("ubuntu-24.04" → "ubuntu-24.04.20240101").
// latest skips the exact match and always picks the most recent.
func (st *state) resolveImage(id string, latest bool) (*imageEntity, error) {
	if img, ok := st.images[id]; ok && !latest {
		return img, nil
	}
	os, want, ok := splitImageID(id)
	if !ok {
		return nil, notFound("no image for os:%s found", id)
	}
	var best *imageEntity
	var bestVersion []int
	for _, img := range st.images {
		ios, v, ok := splitImageID(img.ID)
		if !ok || ios != os || len(v) < len(want) || !slices.Equal(v[:len(want)], want) || img.ExpirationDate.Before(st.now()) {
			continue
		}
		if best == nil || slices.Compare(v, bestVersion) > 0 {
			best, bestVersion = img, v
		}
	}
	if best == nil {
		return nil, notFound("no image for os:%s and version:%s found", os, id[len(os)+1:])
	}
	return best, nil
}

func sortedByID[T any](m map[string]T, keep func(T) bool) []T {
	var out []T
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if keep == nil || keep(m[k]) {
			out = append(out, m[k])
		}
	}
	return out
}

// Handlers.

func (s *Server) listPartitions(_ *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1PartitionResponse{}
	for _, p := range sortedByID(s.st.partitions, nil) {
		out = append(out, partitionResponse(p))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getPartition(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	p, ok := s.st.partitions[q.pathValue("id")]
	if !ok {
		return 0, nil, notFound("no partition with id %q found", q.pathValue("id"))
	}
	return http.StatusOK, partitionResponse(p), nil
}

func (s *Server) listSizes(_ *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1SizeResponse{}
	for _, sz := range sortedByID(s.st.sizes, nil) {
		out = append(out, sizeResponse(sz))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getSize(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	sz, ok := s.st.sizes[q.pathValue("id")]
	if !ok {
		return 0, nil, notFound("no size with id %q found", q.pathValue("id"))
	}
	return http.StatusOK, sizeResponse(sz), nil
}

func (s *Server) listImages(_ *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1ImageResponse{}
	for _, img := range sortedByID(s.st.images, nil) {
		out = append(out, imageResponse(img))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getImage(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	img, err := s.st.resolveImage(q.pathValue("id"), false)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, imageResponse(img), nil
}

func (s *Server) latestImage(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	img, err := s.st.resolveImage(q.pathValue("id"), true)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, imageResponse(img), nil
}

// imageQuery is metal-api's ImageSearchQuery.
type imageQuery struct {
	ID             *string  `json:"id"`
	Name           *string  `json:"name"`
	Features       []string `json:"features"`
	Os             *string  `json:"os"`
	Version        *string  `json:"version"`
	Classification *string  `json:"classification"`
}

func (q imageQuery) matches(img *imageEntity) bool {
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	os, _, _ := splitImageID(img.ID)
	version := strings.TrimPrefix(strings.TrimPrefix(img.ID, os), "-")
	return eq(q.ID, img.ID) && eq(q.Name, img.Name) && eq(q.Os, os) && eq(q.Version, version) &&
		eq(q.Classification, img.Classification) && tagsContainAll(img.Features, q.Features)
}

func (s *Server) findImages(q *request) (int, any, error) {
	var query imageQuery
	if err := q.decode(&query); err != nil {
		return 0, nil, err
	}
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1ImageResponse{}
	for _, img := range sortedByID(s.st.images, query.matches) {
		out = append(out, imageResponse(img))
	}
	return http.StatusOK, out, nil
}

func (s *Server) listProjects(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1ProjectResponse{}
	for _, p := range sortedByID(s.st.projects, func(p *projectEntity) bool { return q.id.sees(p.ID) }) {
		out = append(out, projectResponse(p))
	}
	return http.StatusOK, out, nil
}

func (s *Server) getProject(q *request) (int, any, error) {
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	p, ok := s.st.projects[q.pathValue("id")]
	if !ok {
		return 0, nil, notFound("project with id %q not found", q.pathValue("id"))
	}
	if err := q.id.mayUse(p.ID); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, projectResponse(p), nil
}

// projectQuery is v1.ProjectFindRequest.
type projectQuery struct {
	ID          *string `json:"id"`
	Name        *string `json:"name"`
	Description *string `json:"description"`
	TenantID    *string `json:"tenant_id"`
}

func (s *Server) findProjects(q *request) (int, any, error) {
	var query projectQuery
	if err := q.decode(&query); err != nil {
		return 0, nil, err
	}
	eq := func(want *string, have string) bool { return want == nil || *want == have }
	s.st.mu.RLock()
	defer s.st.mu.RUnlock()
	out := []*models.V1ProjectResponse{}
	for _, p := range sortedByID(s.st.projects, func(p *projectEntity) bool {
		return q.id.sees(p.ID) && eq(query.ID, p.ID) && eq(query.Name, p.Name) && eq(query.Description, p.Description) && eq(query.TenantID, p.TenantID)
	}) {
		out = append(out, projectResponse(p))
	}
	return http.StatusOK, out, nil
}

func (s *Server) createProject(q *request) (int, any, error) {
	var req models.V1ProjectCreateRequest
	if err := q.decode(&req); err != nil {
		return 0, nil, err
	}
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	id := ""
	if req.Meta != nil {
		id = req.Meta.ID
	}
	if id == "" {
		id = s.st.newUUID()
	}
	if _, exists := s.st.projects[id]; exists {
		return 0, nil, conflict("project with id %q already exists", id)
	}
	t := s.st.now()
	p := &projectEntity{ID: id, Name: req.Name, Description: req.Description, TenantID: req.TenantID, Created: t, Updated: t}
	s.st.projects[id] = p
	return http.StatusCreated, projectResponse(p), nil
}

func (s *Server) deleteProject(q *request) (int, any, error) {
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	p, ok := s.st.projects[q.pathValue("id")]
	if !ok {
		return 0, nil, notFound("project with id %q not found", q.pathValue("id"))
	}
	for _, m := range s.st.machines {
		if m.Allocation != nil && m.Allocation.Project == p.ID {
			return 0, nil, badRequest("there are still machines allocated by this project")
		}
	}
	for _, n := range s.st.networks {
		if n.ProjectID == p.ID {
			return 0, nil, badRequest("there are still networks allocated by this project")
		}
	}
	for _, ip := range s.st.ips {
		if ip.ProjectID == p.ID {
			return 0, nil, badRequest("there are still ips allocated by this project")
		}
	}
	delete(s.st.projects, p.ID)
	return http.StatusOK, projectResponse(p), nil
}

func (s *Server) version(_ *request) (int, any, error) {
	return http.StatusOK, &models.RestVersion{
		Name: new("metal-api"), Version: new(s.cfg.Version), Builddate: new(s.st.now().UTC().Format("2006-01-02T15:04:05Z")),
		Gitsha1: new("simulator"), Revision: new("simulator"), MinClientVersion: new("v0.0.0"),
	}, nil
}

func (s *Server) health(_ *request) (int, any, error) {
	return http.StatusOK, &models.RestHealthResponse{
		Status: new("healthy"), Message: new("metal-api simulator is healthy"), Services: map[string]models.RestHealthResponse{},
	}, nil
}

// routeTable lists every endpoint. Paths, methods and operation IDs are metal-api.json's; roles are
// metal-api's viewer/editor/admin wrappers.
func (s *Server) routeTable() []route {
	r := func(method, pattern, op string, role Role, read bool, h handlerFunc) route {
		return route{Route: Route{Method: method, Pattern: pattern, OperationID: op, Read: read, Role: role}, handle: h}
	}
	const (
		get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
		read, write         = true, false
	)
	routes := []route{
		r(get, "/v1/network", "listNetworks", RoleView, read, s.listNetworks),
		r(get, "/v1/network/{id}", "findNetwork", RoleView, read, s.getNetwork),
		r(post, "/v1/network/find", "findNetworks", RoleView, read, s.findNetworks),
		r(put, "/v1/network", "createNetwork", RoleAdmin, write, s.createNetworkHandler),
		r(post, "/v1/network", "updateNetwork", RoleAdmin, write, s.updateNetworkHandler),
		r(del, "/v1/network/{id}", "deleteNetwork", RoleAdmin, write, s.deleteNetworkHandler),
		r(post, "/v1/network/allocate", "allocateNetwork", RoleEdit, write, s.allocateNetworkHandler),
		r(del, "/v1/network/free/{id}", "freeNetwork", RoleEdit, write, s.freeNetworkHandler),
		r(post, "/v1/network/free/{id}", "freeNetworkDeprecated", RoleEdit, write, s.freeNetworkHandler),

		r(get, "/v1/ip", "listIPs", RoleView, read, s.listIPs),
		r(get, "/v1/ip/{id}", "findIP", RoleView, read, s.getIP),
		r(post, "/v1/ip/find", "findIPs", RoleView, read, s.findIPs),
		r(post, "/v1/ip", "updateIP", RoleEdit, write, s.updateIPHandler),
		r(post, "/v1/ip/allocate", "allocateIP", RoleEdit, write, s.allocateIPHandler),
		r(post, "/v1/ip/allocate/{ip}", "allocateSpecificIP", RoleEdit, write, s.allocateIPHandler),
		r(del, "/v1/ip/free/{id}", "freeIP", RoleEdit, write, s.freeIPHandler),

		r(get, "/v1/machine", "listMachines", RoleView, read, s.listMachines),
		r(get, "/v1/machine/{id}", "findMachine", RoleView, read, s.getMachine),
		r(post, "/v1/machine/find", "findMachines", RoleView, read, s.findMachines),
		r(post, "/v1/machine", "updateMachine", RoleEdit, write, s.updateMachineHandler),
		r(post, "/v1/machine/allocate", "allocateMachine", RoleEdit, write, s.allocateMachineHandler),
		r(del, "/v1/machine/{id}/free", "freeMachine", RoleEdit, write, s.freeMachineHandler),
		r(del, "/v1/machine/{id}", "deleteMachine", RoleAdmin, write, s.deleteMachineHandler),

		r(get, "/v1/firewall", "listFirewalls", RoleView, read, s.listFirewalls),
		r(get, "/v1/firewall/{id}", "findFirewall", RoleView, read, s.getFirewall),
		r(post, "/v1/firewall/find", "findFirewalls", RoleView, read, s.findFirewalls),
		r(post, "/v1/firewall/allocate", "allocateFirewall", RoleEdit, write, s.allocateFirewallHandler),

		r(get, "/v1/partition", "listPartitions", RoleView, read, s.listPartitions),
		r(get, "/v1/partition/{id}", "findPartition", RoleView, read, s.getPartition),
		r(get, "/v1/size", "listSizes", RoleView, read, s.listSizes),
		r(get, "/v1/size/{id}", "findSize", RoleView, read, s.getSize),
		r(get, "/v1/image", "listImages", RoleView, read, s.listImages),
		r(get, "/v1/image/{id}", "findImage", RoleView, read, s.getImage),
		r(get, "/v1/image/{id}/latest", "findLatestImage", RoleView, read, s.latestImage),
		r(post, "/v1/image/find", "findImages", RoleView, read, s.findImages),

		r(get, "/v1/project", "listProjects", RoleView, read, s.listProjects),
		r(get, "/v1/project/{id}", "findProject", RoleView, read, s.getProject),
		r(post, "/v1/project/find", "findProjects", RoleView, read, s.findProjects),
		r(put, "/v1/project", "createProject", RoleAdmin, write, s.createProject),
		r(del, "/v1/project/{id}", "deleteProject", RoleAdmin, write, s.deleteProject),

		r(get, "/v1/version", "info", "", read, s.version),
		r(get, "/v1/health", "health", "", read, s.health),
	}
	slices.SortStableFunc(routes, func(a, b route) int {
		return cmp.Or(strings.Compare(a.Pattern, b.Pattern), strings.Compare(a.Method, b.Method))
	})
	return routes
}
