package ontapapi

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Volumes are thick in the simulator: a volume takes its size from its
// aggregate, which is what "most room" placement looks at.

func (s *Server) listVolumes(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, v := range sortedValues(s.st.Volumes, func(v *models.Volume) string { return deref(v.Svm.Name) + "/" + deref(v.Name) }) {
		if rc.p.sees(deref(v.Svm.UUID)) {
			items = append(items, listItem{rec: v, href: "/api/storage/volumes/" + deref(v.UUID), svmUUID: deref(v.Svm.UUID), name: deref(v.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) volumeFor(rc *reqCtx) (*models.Volume, *apiError) {
	v, ok := s.st.Volumes[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(v.Svm.UUID)) {
		return nil, notFound("uuid")
	}
	return v, nil
}

func (s *Server) getVolume(rc *reqCtx) (int, any, *apiError) {
	v, aerr := s.volumeFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(v, "/api/storage/volumes/"+deref(v.UUID), "uuid", "name")
}

// placeVolume picks the aggregate of a new volume: the one named, or the
// SVM's (else the cluster's) aggregate with the most free space.
func (s *Server) placeVolume(rc *reqCtx, svm *models.Svm, in []*models.VolumeInlineAggregatesInlineArrayItem) (*aggregateRec, *apiError) {
	assigned := func(a *aggregateRec) bool {
		return slices.ContainsFunc(svm.SvmInlineAggregates, func(sa *models.SvmInlineAggregatesInlineArrayItem) bool { return deref(sa.UUID) == a.UUID })
	}
	if len(in) > 0 && in[0] != nil {
		a := s.st.aggregateByRef(deref(in[0].Name), deref(in[0].UUID))
		if a == nil {
			return nil, badRequest(CodeInvalidValue, "aggregates", "Aggregate %q not found.", deref(in[0].Name)+deref(in[0].UUID))
		}
		if !rc.p.cluster() && len(svm.SvmInlineAggregates) > 0 && !assigned(a) {
			return nil, badRequest(CodeInvalidValue, "aggregates", "Aggregate %q is not assigned to SVM %q.", a.Name, deref(svm.Name))
		}
		return a, nil
	}
	candidates := slices.Clone(s.st.Aggregates)
	if len(svm.SvmInlineAggregates) > 0 {
		candidates = slices.DeleteFunc(candidates, func(a *aggregateRec) bool { return !assigned(a) })
	}
	if len(candidates) == 0 {
		return nil, badRequest(CodeInvalidValue, "aggregates", "No aggregate available for SVM %q.", deref(svm.Name))
	}
	slices.SortStableFunc(candidates, func(a, b *aggregateRec) int { return cmp.Compare(b.Size-b.Used, a.Size-a.Used) })
	return candidates[0], nil
}

func (s *Server) createVolume(rc *reqCtx) (int, any, *apiError) {
	var in models.Volume
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	name := deref(in.Name)
	if name == "" {
		return 0, nil, badRequest(CodeMissingField, "name", `Missing value for required field "name".`)
	}
	if in.Svm == nil {
		return 0, nil, badRequest(CodeMissingField, "svm", `Missing value for required field "svm".`)
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	svmUUID := deref(svm.UUID)
	if !rc.p.sees(svmUUID) {
		return 0, nil, forbidden()
	}
	size := deref(in.Size)
	if size == 0 && in.Space != nil {
		size = deref(in.Space.Size)
	}
	if size <= 0 {
		return 0, nil, badRequest(CodeMissingField, "size", `Missing value for required field "size".`)
	}
	for _, v := range s.st.Volumes {
		if deref(v.Svm.UUID) == svmUUID && deref(v.Name) == name {
			return 0, nil, conflict(CodeDuplicate, "name", "Duplicate volume name %q in SVM %q.", name, deref(svm.Name))
		}
	}
	if aerr := s.st.checkVolumeLimit(svm); aerr != nil {
		return 0, nil, aerr
	}
	aggr, aerr := s.placeVolume(rc, svm, in.VolumeInlineAggregates)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.startJobLocked("POST /api/storage/volumes", svm, false, func() *apiError {
		if _, ok := s.st.SVMs[svmUUID]; !ok {
			return notFound("svm.uuid")
		}
		if aerr := s.st.checkVolumeLimit(svm); aerr != nil {
			return aerr
		}
		if aggr.Size-aggr.Used < size {
			return &apiError{status: http.StatusConflict, code: CodeNoSpace,
				message: fmt.Sprintf("Insufficient space in aggregate %q to create volume %q of %d bytes.", aggr.Name, name, size)}
		}
		aggr.Used += size
		uuid := newUUID()
		s.st.Volumes[uuid] = &models.Volume{
			UUID:                   new(uuid),
			Name:                   new(name),
			Svm:                    &models.VolumeInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
			VolumeInlineAggregates: []*models.VolumeInlineAggregatesInlineArrayItem{{Name: new(aggr.Name), UUID: new(aggr.UUID)}},
			Size:                   new(size),
			Space:                  &models.VolumeInlineSpace{Size: new(size), Used: new(int64(0)), Available: new(size)},
			State:                  new("online"),
			Type:                   new("rw"),
			Style:                  new("flexvol"),
			Comment:                in.Comment,
		}
		return nil
	}, nil)
}

func (s *Server) volumeAggregate(v *models.Volume) *aggregateRec {
	if len(v.VolumeInlineAggregates) == 0 {
		return nil
	}
	return s.st.aggregateByRef("", deref(v.VolumeInlineAggregates[0].UUID))
}

func (s *Server) modifyVolume(rc *reqCtx) (int, any, *apiError) {
	v, aerr := s.volumeFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := rc.onlyKeys("size", "comment"); aerr != nil {
		return 0, nil, aerr
	}
	var in models.Volume
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	svm := s.st.SVMs[deref(v.Svm.UUID)]
	uuid := deref(v.UUID)
	return rc.startJobLocked("PATCH /api/storage/volumes/"+uuid, svm, false, func() *apiError {
		if _, ok := s.st.Volumes[uuid]; !ok {
			return notFound("uuid")
		}
		if in.Size != nil {
			delta := *in.Size - deref(v.Size)
			if aggr := s.volumeAggregate(v); aggr != nil {
				if aggr.Size-aggr.Used < delta {
					return &apiError{status: http.StatusConflict, code: CodeNoSpace, message: fmt.Sprintf("Insufficient space in aggregate %q.", aggr.Name)}
				}
				aggr.Used += delta
			}
			v.Size = new(*in.Size)
			v.Space.Size = new(*in.Size)
			v.Space.Available = new(*in.Size - deref(v.Space.Used))
		}
		if in.Comment != nil {
			v.Comment = new(*in.Comment)
		}
		return nil
	}, nil)
}

func (s *Server) deleteVolume(rc *reqCtx) (int, any, *apiError) {
	v, aerr := s.volumeFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	svm := s.st.SVMs[deref(v.Svm.UUID)]
	uuid := deref(v.UUID)
	return rc.startJobLocked("DELETE /api/storage/volumes/"+uuid, svm, false, func() *apiError {
		if _, ok := s.st.Volumes[uuid]; !ok {
			return notFound("uuid")
		}
		// LUNs and namespaces go with their volume.
		for k, l := range s.st.LUNs {
			if l.Location != nil && l.Location.Volume != nil && deref(l.Location.Volume.UUID) == uuid {
				delete(s.st.LUNs, k)
			}
		}
		for k, n := range s.st.Namespaces {
			if n.Location != nil && n.Location.Volume != nil && deref(n.Location.Volume.UUID) == uuid {
				delete(s.st.Namespaces, k)
			}
		}
		if aggr := s.volumeAggregate(v); aggr != nil {
			aggr.Used -= deref(v.Size)
		}
		delete(s.st.Volumes, uuid)
		return nil
	}, nil)
}

// storagePath resolves "/vol/<volume>/<name>" of a LUN or namespace.
func (s *Server) storagePath(path, volName, leaf, svmUUID string) (*models.Volume, string, string, *apiError) {
	if path == "" && volName != "" && leaf != "" {
		path = "/vol/" + volName + "/" + leaf
	}
	parts := strings.Split(strings.TrimPrefix(path, "/vol/"), "/")
	if !strings.HasPrefix(path, "/vol/") || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return nil, "", "", badRequest(CodeInvalidValue, "name", "Invalid path %q: expected /vol/<volume>/<name>.", path)
	}
	for _, v := range s.st.Volumes {
		if deref(v.Svm.UUID) == svmUUID && deref(v.Name) == parts[0] {
			return v, path, parts[1], nil
		}
	}
	return nil, "", "", badRequest(CodeInvalidValue, "location.volume.name", "Volume %q not found in SVM.", parts[0])
}

func (s *Server) listLUNs(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, l := range sortedValues(s.st.LUNs, func(l *models.Lun) string { return deref(l.Svm.Name) + deref(l.Name) }) {
		if rc.p.sees(deref(l.Svm.UUID)) {
			items = append(items, listItem{rec: l, href: "/api/storage/luns/" + deref(l.UUID), svmUUID: deref(l.Svm.UUID), name: deref(l.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) lunFor(rc *reqCtx) (*models.Lun, *apiError) {
	l, ok := s.st.LUNs[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(l.Svm.UUID)) {
		return nil, notFound("uuid")
	}
	return l, nil
}

func (s *Server) getLUN(rc *reqCtx) (int, any, *apiError) {
	l, aerr := s.lunFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(l, "/api/storage/luns/"+deref(l.UUID), "uuid", "name")
}

func (s *Server) createLUN(rc *reqCtx) (int, any, *apiError) {
	var in models.Lun
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	if in.Svm == nil {
		return 0, nil, badRequest(CodeMissingField, "svm", `Missing value for required field "svm".`)
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	svmUUID := deref(svm.UUID)
	if !rc.p.sees(svmUUID) {
		return 0, nil, forbidden()
	}
	var volName, leaf string
	if in.Location != nil {
		leaf = deref(in.Location.LogicalUnit)
		if in.Location.Volume != nil {
			volName = deref(in.Location.Volume.Name)
		}
	}
	vol, path, leaf, aerr := s.storagePath(deref(in.Name), volName, leaf, svmUUID)
	if aerr != nil {
		return 0, nil, aerr
	}
	if deref(in.OsType) == "" {
		return 0, nil, badRequest(CodeMissingField, "os_type", `Missing value for required field "os_type".`)
	}
	if in.Space == nil || deref(in.Space.Size) <= 0 {
		return 0, nil, badRequest(CodeMissingField, "space.size", `Missing value for required field "space.size".`)
	}
	for _, l := range s.st.LUNs {
		if deref(l.Svm.UUID) == svmUUID && deref(l.Name) == path {
			return 0, nil, conflict(CodeDuplicate, "name", "LUN %q already exists.", path)
		}
	}
	uuid := newUUID()
	lun := &models.Lun{
		UUID:         new(uuid),
		Name:         new(path),
		Svm:          &models.LunInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
		Location:     &models.LunInlineLocation{LogicalUnit: &leaf, Volume: &models.LunInlineLocationInlineVolume{Name: vol.Name, UUID: vol.UUID}},
		OsType:       new(deref(in.OsType)),
		Space:        &models.LunInlineSpace{Size: new(deref(in.Space.Size)), Used: new(int64(0))},
		Enabled:      new(true),
		Status:       &models.LunInlineStatus{State: new("online"), Mapped: new(false), ReadOnly: new(false), ContainerState: new("online")},
		SerialNumber: new(strings.ToUpper(strings.ReplaceAll(uuid, "-", ""))[:12]),
		Comment:      in.Comment,
	}
	s.st.LUNs[uuid] = lun
	return rc.created(lun, "/api/storage/luns/"+uuid)
}

func (s *Server) deleteLUN(rc *reqCtx) (int, any, *apiError) {
	l, aerr := s.lunFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	delete(s.st.LUNs, deref(l.UUID))
	return okEmpty()
}

func (s *Server) listNamespaces(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, n := range sortedValues(s.st.Namespaces, func(n *models.NvmeNamespace) string { return deref(n.Svm.Name) + deref(n.Name) }) {
		if rc.p.sees(deref(n.Svm.UUID)) {
			items = append(items, listItem{rec: n, href: "/api/storage/namespaces/" + deref(n.UUID), svmUUID: deref(n.Svm.UUID), name: deref(n.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) namespaceFor(rc *reqCtx) (*models.NvmeNamespace, *apiError) {
	n, ok := s.st.Namespaces[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(n.Svm.UUID)) {
		return nil, notFound("uuid")
	}
	return n, nil
}

func (s *Server) getNamespace(rc *reqCtx) (int, any, *apiError) {
	n, aerr := s.namespaceFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(n, "/api/storage/namespaces/"+deref(n.UUID), "uuid", "name")
}

func (s *Server) createNamespace(rc *reqCtx) (int, any, *apiError) {
	var in models.NvmeNamespace
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	if in.Svm == nil {
		return 0, nil, badRequest(CodeMissingField, "svm", `Missing value for required field "svm".`)
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	svmUUID := deref(svm.UUID)
	if !rc.p.sees(svmUUID) {
		return 0, nil, forbidden()
	}
	var volName, leaf string
	if in.Location != nil {
		leaf = deref(in.Location.Namespace)
		if in.Location.Volume != nil {
			volName = deref(in.Location.Volume.Name)
		}
	}
	vol, path, leaf, aerr := s.storagePath(deref(in.Name), volName, leaf, svmUUID)
	if aerr != nil {
		return 0, nil, aerr
	}
	if deref(in.OsType) == "" {
		return 0, nil, badRequest(CodeMissingField, "os_type", `Missing value for required field "os_type".`)
	}
	if in.Space == nil || deref(in.Space.Size) <= 0 {
		return 0, nil, badRequest(CodeMissingField, "space.size", `Missing value for required field "space.size".`)
	}
	for _, n := range s.st.Namespaces {
		if deref(n.Svm.UUID) == svmUUID && deref(n.Name) == path {
			return 0, nil, conflict(CodeDuplicate, "name", "Namespace %q already exists.", path)
		}
	}
	uuid := newUUID()
	ns := &models.NvmeNamespace{
		UUID:     new(uuid),
		Name:     new(path),
		Svm:      &models.NvmeNamespaceInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
		Location: &models.NvmeNamespaceInlineLocation{Namespace: &leaf, Volume: &models.NvmeNamespaceInlineLocationInlineVolume{Name: vol.Name, UUID: vol.UUID}},
		OsType:   new(deref(in.OsType)),
		Space:    &models.NvmeNamespaceInlineSpace{Size: new(deref(in.Space.Size)), Used: new(int64(0)), BlockSize: new(int64(4096))},
		Enabled:  new(true),
		Status:   &models.NvmeNamespaceInlineStatus{State: new("online"), Mapped: new(false), ReadOnly: new(false), ContainerState: new("online")},
		Comment:  in.Comment,
	}
	s.st.Namespaces[uuid] = ns
	return rc.created(ns, "/api/storage/namespaces/"+uuid)
}

func (s *Server) deleteNamespace(rc *reqCtx) (int, any, *apiError) {
	n, aerr := s.namespaceFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	delete(s.st.Namespaces, deref(n.UUID))
	return okEmpty()
}
