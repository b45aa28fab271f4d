package ontapapi

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

var svmNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.-]{0,46}$`)

// svmModel renders an SVM with the protocol flags of its services.
func (s *Server) svmModel(svm *models.Svm) *models.Svm {
	c := *svm
	uuid := deref(svm.UUID)
	flag := func(proto string) (allowed, enabled *bool) {
		svc, ok := s.st.Services[s.st.serviceKey(proto, uuid)]
		on := ok && svc.Enabled
		return new(true), &on
	}
	nvmeA, nvmeE := flag(protoNVMe)
	iscsiA, iscsiE := flag(protoISCSI)
	nfsA, nfsE := flag(protoNFS)
	c.Nvme = &models.SvmInlineNvme{Allowed: nvmeA, Enabled: nvmeE}
	c.Iscsi = &models.SvmInlineIscsi{Allowed: iscsiA, Enabled: iscsiE}
	c.Nfs = &models.SvmInlineNfs{Allowed: nfsA, Enabled: nfsE}
	c.MaxVolumes = new(cmp.Or(deref(svm.MaxVolumes), maxVolumesUnlimited))
	// The SVM keeps the policy's UUID; the name is the policy's current one.
	c.QosPolicy = nil
	if svm.QosPolicy != nil {
		if p, ok := s.st.QoSPolicies[deref(svm.QosPolicy.UUID)]; ok {
			c.QosPolicy = &models.SvmInlineQosPolicy{Name: p.Name, UUID: p.UUID}
		}
	}
	return &c
}

func (s *Server) listSVMs(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, svm := range s.st.sortedSVMs() {
		if rc.p.sees(deref(svm.UUID)) {
			items = append(items, listItem{rec: s.svmModel(svm), href: "/api/svm/svms/" + deref(svm.UUID), name: deref(svm.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) getSVM(rc *reqCtx) (int, any, *apiError) {
	svm, ok := s.st.SVMs[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(svm.UUID)) {
		return 0, nil, notFound("uuid")
	}
	return rc.single(s.svmModel(svm), "/api/svm/svms/"+deref(svm.UUID), "uuid", "name")
}

// resolveAggregates turns aggregate references of a body into stored ones.
func (s *Server) resolveAggregates(in []*models.SvmInlineAggregatesInlineArrayItem) ([]*models.SvmInlineAggregatesInlineArrayItem, *apiError) {
	var out []*models.SvmInlineAggregatesInlineArrayItem
	for _, a := range in {
		if a == nil {
			continue
		}
		rec := s.st.aggregateByRef(deref(a.Name), deref(a.UUID))
		if rec == nil {
			return nil, badRequest(CodeInvalidValue, "aggregates", "Aggregate %q not found.", deref(a.Name)+deref(a.UUID))
		}
		out = append(out, &models.SvmInlineAggregatesInlineArrayItem{Name: new(rec.Name), UUID: new(rec.UUID)})
	}
	return out, nil
}

func (s *Server) createSVM(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	var in models.Svm
	if err := rc.decode(&in); err != nil {
		return 0, nil, err
	}
	name := deref(in.Name)
	if name == "" {
		return 0, nil, badRequest(CodeMissingField, "name", `Missing value for required field "name".`)
	}
	if !svmNameRE.MatchString(name) {
		return 0, nil, badRequest(CodeInvalidValue, "name", "Invalid SVM name %q: use up to 47 letters, digits, '.', '-' or '_', starting with a letter or '_'.", name)
	}
	if s.st.svmByName(name) != nil {
		return 0, nil, conflict(CodeDuplicate, "name", "Duplicate SVM name %q.", name)
	}
	if in.Ipspace != nil && deref(in.Ipspace.Name) != "" && deref(in.Ipspace.Name) != "Default" {
		return 0, nil, badRequest(CodeInvalidValue, "ipspace.name", "IPspace %q not found.", deref(in.Ipspace.Name))
	}
	aggrs, aerr := s.resolveAggregates(in.SvmInlineAggregates)
	if aerr != nil {
		return 0, nil, aerr
	}
	language := deref(in.Language)
	if language == "" {
		language = "c.utf_8"
	}
	maxVolumes := cmp.Or(deref(in.MaxVolumes), maxVolumesUnlimited)
	if _, _, aerr := parseMaxVolumes(maxVolumes); aerr != nil {
		return 0, nil, aerr
	}
	if in.QosPolicy != nil {
		// A new SVM owns no policy yet.
		return 0, nil, badRequest(CodeInvalidValue, "qos_policy", "A QoS policy can be assigned once the SVM exists and owns it.")
	}
	uuid := newUUID()
	svm := &models.Svm{
		UUID:                new(uuid),
		Name:                new(name),
		State:               new("initializing"),
		Subtype:             new("default"),
		Language:            new(language),
		MaxVolumes:          new(maxVolumes),
		Ipspace:             &models.SvmInlineIpspace{Name: new("Default"), UUID: new(s.st.IPspaceUUID)},
		SvmInlineAggregates: aggrs,
	}
	if in.Comment != nil {
		svm.Comment = new(*in.Comment)
	}
	status, body, err := rc.startJobLocked("POST /api/svm/svms", svm, true, func() *apiError {
		svm.State = new("running")
		s.st.createDefaultExportPolicy(svm)
		return nil
	}, func() {
		delete(s.st.SVMs, uuid)
	})
	if err != nil {
		return 0, nil, err
	}
	// The SVM exists, still initializing, as soon as the job is accepted.
	s.st.SVMs[uuid] = svm
	return status, body, nil
}

func (s *Server) modifySVM(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	svm, ok := s.st.SVMs[rc.r.PathValue("uuid")]
	if !ok {
		return 0, nil, notFound("uuid")
	}
	if err := rc.onlyKeys("name", "comment", "aggregates", "language", "state", "max_volumes", "qos_policy"); err != nil {
		return 0, nil, err
	}
	var in models.Svm
	if err := rc.decode(&in); err != nil {
		return 0, nil, err
	}
	if in.Name != nil {
		if !svmNameRE.MatchString(*in.Name) {
			return 0, nil, badRequest(CodeInvalidValue, "name", "Invalid SVM name %q.", *in.Name)
		}
		if other := s.st.svmByName(*in.Name); other != nil && other != svm {
			return 0, nil, conflict(CodeDuplicate, "name", "Duplicate SVM name %q.", *in.Name)
		}
	}
	if in.State != nil && *in.State != "running" && *in.State != "stopped" {
		return 0, nil, badRequest(CodeInvalidValue, "state", "Invalid state %q.", *in.State)
	}
	var aggrs []*models.SvmInlineAggregatesInlineArrayItem
	if in.SvmInlineAggregates != nil {
		var aerr *apiError
		if aggrs, aerr = s.resolveAggregates(in.SvmInlineAggregates); aerr != nil {
			return 0, nil, aerr
		}
	}
	uuid := deref(svm.UUID)
	if in.MaxVolumes != nil {
		limit, unlimited, aerr := parseMaxVolumes(*in.MaxVolumes)
		if aerr != nil {
			return 0, nil, aerr
		}
		if vols, _, _ := s.st.storageOf(uuid); !unlimited && int64(len(vols)) > limit {
			return 0, nil, badRequest(CodeInvalidValue, "max_volumes", "SVM %q already holds %d volumes, more than max_volumes %d.", deref(svm.Name), len(vols), limit)
		}
	}
	var qos *models.QosPolicy
	if in.QosPolicy != nil {
		var aerr *apiError
		if qos, aerr = s.svmQoSPolicy(svm, in.QosPolicy); aerr != nil {
			return 0, nil, aerr
		}
	}
	return rc.startJobLocked("PATCH /api/svm/svms/"+uuid, svm, true, func() *apiError {
		if _, ok := s.st.SVMs[uuid]; !ok {
			return notFound("uuid")
		}
		if in.Name != nil {
			s.st.renameSVM(uuid, *in.Name)
		}
		if in.Comment != nil {
			svm.Comment = new(*in.Comment)
		}
		if in.SvmInlineAggregates != nil {
			svm.SvmInlineAggregates = aggrs
		}
		if in.Language != nil {
			svm.Language = new(*in.Language)
		}
		if in.State != nil {
			svm.State = new(*in.State)
		}
		if in.MaxVolumes != nil {
			svm.MaxVolumes = new(*in.MaxVolumes)
		}
		if in.QosPolicy != nil {
			svm.QosPolicy = nil
			if qos != nil {
				if _, ok := s.st.QoSPolicies[deref(qos.UUID)]; !ok {
					return badRequest(CodeInvalidValue, "qos_policy", "Policy group %q not found.", deref(qos.Name))
				}
				svm.QosPolicy = &models.SvmInlineQosPolicy{UUID: new(deref(qos.UUID))}
			}
		}
		return nil
	}, nil)
}

func (s *Server) deleteSVM(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	svm, ok := s.st.SVMs[rc.r.PathValue("uuid")]
	if !ok {
		return 0, nil, notFound("uuid")
	}
	uuid := deref(svm.UUID)
	return rc.startJobLocked("DELETE /api/svm/svms/"+uuid, svm, true, func() *apiError {
		if _, ok := s.st.SVMs[uuid]; !ok {
			return notFound("uuid")
		}
		vols, luns, nss := s.st.storageOf(uuid)
		if len(vols)+len(luns)+len(nss) > 0 {
			var parts []string
			if len(vols) > 0 {
				parts = append(parts, fmt.Sprintf("%d volume(s) (%s)", len(vols), strings.Join(vols, ", ")))
			}
			if len(luns) > 0 {
				parts = append(parts, fmt.Sprintf("%d LUN(s)", len(luns)))
			}
			if len(nss) > 0 {
				parts = append(parts, fmt.Sprintf("%d NVMe namespace(s)", len(nss)))
			}
			return &apiError{status: http.StatusConflict, code: CodeSVMNotEmpty,
				message: fmt.Sprintf("Cannot delete SVM %q because it still contains %s. Delete them first.", deref(svm.Name), strings.Join(parts, ", "))}
		}
		if policies := s.st.qosPoliciesOf(uuid); len(policies) > 0 {
			return &apiError{status: http.StatusConflict, code: CodeOwnsQoSPolicies,
				message: fmt.Sprintf("Cannot delete SVM %q because it owns QoS policy groups (%s). Delete them first.", deref(svm.Name), strings.Join(policies, ", "))}
		}
		s.st.deleteSVMObjects(uuid)
		return nil
	}, nil)
}
