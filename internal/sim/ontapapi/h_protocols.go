package ontapapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

var protocolLabels = map[string]string{protoNVMe: "NVMe", protoISCSI: "iSCSI", protoNFS: "NFS"}

func serviceBase(proto string) string {
	switch proto {
	case protoNVMe:
		return "/api/protocols/nvme/services/"
	case protoISCSI:
		return "/api/protocols/san/iscsi/services/"
	default:
		return "/api/protocols/nfs/services/"
	}
}

// serviceModel renders a protocol service in the wire model of its protocol.
func (s *Server) serviceModel(svc *serviceRec) any {
	svm := func() (*string, *string) { return new(svc.SVMName), new(svc.SVMUUID) }
	switch svc.Protocol {
	case protoNVMe:
		name, uuid := svm()
		return &models.NvmeService{Enabled: new(svc.Enabled), Svm: &models.NvmeServiceInlineSvm{Name: name, UUID: uuid}}
	case protoISCSI:
		name, uuid := svm()
		target := fmt.Sprintf("iqn.1992-08.com.netapp:sn.%s:vs", strings.ReplaceAll(svc.SVMUUID, "-", ""))
		return &models.IscsiService{
			Enabled: new(svc.Enabled),
			Svm:     &models.IscsiServiceInlineSvm{Name: name, UUID: uuid},
			Target:  &models.IscsiServiceInlineTarget{Name: &target, Alias: new(svc.SVMName)},
		}
	default:
		name, uuid := svm()
		proto := svc.NFS
		if proto == nil {
			proto = &models.NfsServiceInlineProtocol{V3Enabled: new(true), V40Enabled: new(true), V41Enabled: new(true)}
		}
		return &models.NfsService{
			Enabled:  new(svc.Enabled),
			State:    new(map[bool]string{true: "online", false: "offline"}[svc.Enabled]),
			Svm:      &models.NfsServiceInlineSvm{Name: name, UUID: uuid},
			Protocol: proto,
		}
	}
}

// serviceInput decodes a service body: the SVM reference, enabled, and for
// NFS the protocol versions.
func (rc *reqCtx) serviceInput(proto string) (svmName, svmUUID *string, enabled *bool, nfs *models.NfsServiceInlineProtocol, aerr *apiError) {
	switch proto {
	case protoNVMe:
		var in models.NvmeService
		if aerr = rc.decode(&in); aerr == nil && in.Svm != nil {
			svmName, svmUUID = in.Svm.Name, in.Svm.UUID
		}
		enabled = in.Enabled
	case protoISCSI:
		var in models.IscsiService
		if aerr = rc.decode(&in); aerr == nil && in.Svm != nil {
			svmName, svmUUID = in.Svm.Name, in.Svm.UUID
		}
		enabled = in.Enabled
	default:
		var in models.NfsService
		if aerr = rc.decode(&in); aerr == nil && in.Svm != nil {
			svmName, svmUUID = in.Svm.Name, in.Svm.UUID
		}
		enabled, nfs = in.Enabled, in.Protocol
	}
	return svmName, svmUUID, enabled, nfs, aerr
}

func (s *Server) listServices(proto string) handlerFunc {
	return func(rc *reqCtx) (int, any, *apiError) {
		var items []listItem
		for _, svc := range sortedValues(s.st.Services, func(v *serviceRec) string { return v.SVMName + "/" + v.SVMUUID }) {
			if svc.Protocol == proto && rc.p.sees(svc.SVMUUID) {
				items = append(items, listItem{rec: s.serviceModel(svc), href: serviceBase(proto) + svc.SVMUUID, svmUUID: svc.SVMUUID})
			}
		}
		return rc.list(items, "svm")
	}
}

func (s *Server) serviceFor(rc *reqCtx, proto string) (*serviceRec, *apiError) {
	svmUUID := rc.r.PathValue("svm_uuid")
	svc, ok := s.st.Services[s.st.serviceKey(proto, svmUUID)]
	if !ok || !rc.p.sees(svmUUID) {
		return nil, notFound("svm.uuid")
	}
	return svc, nil
}

func (s *Server) getService(proto string) handlerFunc {
	return func(rc *reqCtx) (int, any, *apiError) {
		svc, aerr := s.serviceFor(rc, proto)
		if aerr != nil {
			return 0, nil, aerr
		}
		return rc.single(s.serviceModel(svc), serviceBase(proto)+svc.SVMUUID, "svm")
	}
}

func (s *Server) createService(proto string) handlerFunc {
	return func(rc *reqCtx) (int, any, *apiError) {
		svmName, svmUUID, enabled, nfs, aerr := rc.serviceInput(proto)
		if aerr != nil {
			return 0, nil, aerr
		}
		svm, aerr := s.st.svmByRef(svmName, svmUUID, "svm")
		if aerr != nil {
			return 0, nil, aerr
		}
		uuid := deref(svm.UUID)
		if !rc.p.sees(uuid) {
			return 0, nil, forbidden()
		}
		key := s.st.serviceKey(proto, uuid)
		if _, exists := s.st.Services[key]; exists {
			return 0, nil, conflict(CodeDuplicate, "svm", "An %s service already exists for SVM %q.", protocolLabels[proto], deref(svm.Name))
		}
		svc := &serviceRec{Protocol: proto, SVMUUID: uuid, SVMName: deref(svm.Name), Enabled: enabled == nil || *enabled, NFS: nfs}
		s.st.Services[key] = svc
		return rc.created(s.serviceModel(svc), serviceBase(proto)+uuid)
	}
}

func (s *Server) modifyService(proto string) handlerFunc {
	return func(rc *reqCtx) (int, any, *apiError) {
		svc, aerr := s.serviceFor(rc, proto)
		if aerr != nil {
			return 0, nil, aerr
		}
		allowed := []string{"enabled"}
		if proto == protoNFS {
			allowed = append(allowed, "protocol")
		}
		if aerr := rc.onlyKeys(allowed...); aerr != nil {
			return 0, nil, aerr
		}
		_, _, enabled, nfs, aerr := rc.serviceInput(proto)
		if aerr != nil {
			return 0, nil, aerr
		}
		if enabled != nil {
			svc.Enabled = *enabled
		}
		if nfs != nil {
			svc.NFS = nfs
		}
		return okEmpty()
	}
}

func (s *Server) deleteService(proto string) handlerFunc {
	return func(rc *reqCtx) (int, any, *apiError) {
		svc, aerr := s.serviceFor(rc, proto)
		if aerr != nil {
			return 0, nil, aerr
		}
		// ONTAP refuses to delete an iSCSI or NVMe service that is still
		// enabled.
		if svc.Enabled && proto != protoNFS {
			return 0, nil, conflict(CodeServiceEnabled, "enabled", "The %s service must be disabled before it can be deleted.", protocolLabels[proto])
		}
		delete(s.st.Services, s.st.serviceKey(proto, svc.SVMUUID))
		return okEmpty()
	}
}

// Export policies.

func exportPolicyHref(id int64) string {
	return "/api/protocols/nfs/export-policies/" + strconv.FormatInt(id, 10)
}

func (s *Server) listExportPolicies(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, p := range sortedValues(s.st.ExportPolicies, func(p *models.ExportPolicy) string {
		return fmt.Sprintf("%s/%012d", deref(p.Svm.Name), deref(p.ID))
	}) {
		if rc.p.sees(deref(p.Svm.UUID)) {
			items = append(items, listItem{rec: p, href: exportPolicyHref(deref(p.ID)), svmUUID: deref(p.Svm.UUID), name: deref(p.Name)})
		}
	}
	return rc.list(items, "id", "name")
}

func (s *Server) policyFor(rc *reqCtx) (*models.ExportPolicy, *apiError) {
	p, ok := s.st.ExportPolicies[rc.r.PathValue("id")]
	if !ok || !rc.p.sees(deref(p.Svm.UUID)) {
		return nil, notFound("id")
	}
	return p, nil
}

func (s *Server) getExportPolicy(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(p, exportPolicyHref(deref(p.ID)), "id", "name")
}

// ruleFromBody converts the body of the rules endpoint (export_rule) into the
// inline rule of a policy (export_rules).
func ruleFromBody(b *models.ExportRule) *models.ExportRules {
	return &models.ExportRules{
		AllowDeviceCreation:        b.AllowDeviceCreation,
		AllowSuid:                  b.AllowSuid,
		AnonymousUser:              b.AnonymousUser,
		ChownMode:                  b.ChownMode,
		ExportRulesInlineClients:   b.ExportRuleInlineClients,
		ExportRulesInlineRoRule:    b.ExportRuleInlineRoRule,
		ExportRulesInlineRwRule:    b.ExportRuleInlineRwRule,
		ExportRulesInlineSuperuser: b.ExportRuleInlineSuperuser,
		NtfsUnixSecurity:           b.NtfsUnixSecurity,
		Protocols:                  b.Protocols,
	}
}

// normalizeRules validates rules and numbers them from first.
func normalizeRules(in []*models.ExportRules, first int64) ([]*models.ExportRules, *apiError) {
	var out []*models.ExportRules
	for i, r := range in {
		if r == nil {
			continue
		}
		if len(r.ExportRulesInlineClients) == 0 {
			return nil, badRequest(CodeMissingField, "rules.clients", `Missing value for required field "clients".`)
		}
		if len(r.ExportRulesInlineRoRule) == 0 {
			r.ExportRulesInlineRoRule = []*models.ExportAuthenticationFlavor{new(models.ExportAuthenticationFlavor("any"))}
		}
		if len(r.ExportRulesInlineRwRule) == 0 {
			r.ExportRulesInlineRwRule = []*models.ExportAuthenticationFlavor{new(models.ExportAuthenticationFlavor("any"))}
		}
		if len(r.ExportRulesInlineSuperuser) == 0 {
			r.ExportRulesInlineSuperuser = []*models.ExportAuthenticationFlavor{new(models.ExportAuthenticationFlavor("any"))}
		}
		if len(r.Protocols) == 0 {
			r.Protocols = []*string{new("any")}
		}
		r.Index = new(first + int64(i))
		out = append(out, r)
	}
	return out, nil
}

func (s *Server) createExportPolicy(rc *reqCtx) (int, any, *apiError) {
	var in models.ExportPolicy
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
	for _, p := range s.st.ExportPolicies {
		if deref(p.Svm.UUID) == svmUUID && deref(p.Name) == name {
			return 0, nil, conflict(CodeDuplicate, "name", "Export policy %q already exists in SVM %q.", name, deref(svm.Name))
		}
	}
	rules, aerr := normalizeRules(in.ExportPolicyInlineRules, 1)
	if aerr != nil {
		return 0, nil, aerr
	}
	id := s.st.NextPolicyID
	s.st.NextPolicyID++
	p := &models.ExportPolicy{
		ID: new(id), Name: new(name), ExportPolicyInlineRules: rules,
		Svm: &models.ExportPolicyInlineSvm{Name: new(deref(svm.Name)), UUID: new(svmUUID)},
	}
	s.st.ExportPolicies[strconv.FormatInt(id, 10)] = p
	return rc.created(p, exportPolicyHref(id))
}

func (s *Server) modifyExportPolicy(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := rc.onlyKeys("name", "rules"); aerr != nil {
		return 0, nil, aerr
	}
	var in models.ExportPolicy
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	if in.Name != nil {
		if deref(p.Name) == "default" {
			return 0, nil, conflict(CodeDefaultPolicy, "name", "The default export policy cannot be renamed.")
		}
		p.Name = new(*in.Name)
	}
	if slices.Contains(rc.bodyKeys(), "rules") {
		// PATCH with rules replaces the whole rule set.
		rules, aerr := normalizeRules(in.ExportPolicyInlineRules, 1)
		if aerr != nil {
			return 0, nil, aerr
		}
		p.ExportPolicyInlineRules = rules
	}
	return okEmpty()
}

func (s *Server) deleteExportPolicy(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if deref(p.Name) == "default" {
		return 0, nil, conflict(CodeDefaultPolicy, "id", "The default export policy cannot be deleted.")
	}
	delete(s.st.ExportPolicies, strconv.FormatInt(deref(p.ID), 10))
	return okEmpty()
}

func (s *Server) ruleFor(rc *reqCtx) (*models.ExportPolicy, int, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return nil, 0, aerr
	}
	idx, err := strconv.ParseInt(rc.r.PathValue("index"), 10, 64)
	if err != nil {
		return nil, 0, notFound("index")
	}
	for i, r := range p.ExportPolicyInlineRules {
		if deref(r.Index) == idx {
			return p, i, nil
		}
	}
	return nil, 0, notFound("index")
}

func (s *Server) listExportRules(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	var items []listItem
	for _, r := range p.ExportPolicyInlineRules {
		items = append(items, listItem{rec: r, href: fmt.Sprintf("%s/rules/%d", exportPolicyHref(deref(p.ID)), deref(r.Index))})
	}
	return rc.list(items, "index")
}

func (s *Server) getExportRule(rc *reqCtx) (int, any, *apiError) {
	p, i, aerr := s.ruleFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	r := p.ExportPolicyInlineRules[i]
	return rc.single(r, fmt.Sprintf("%s/rules/%d", exportPolicyHref(deref(p.ID)), deref(r.Index)), "index")
}

func (s *Server) createExportRule(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.policyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	var body models.ExportRule
	if aerr := rc.decode(&body); aerr != nil {
		return 0, nil, aerr
	}
	in := ruleFromBody(&body)
	next := int64(1)
	for _, r := range p.ExportPolicyInlineRules {
		next = max(next, deref(r.Index)+1)
	}
	rules, aerr := normalizeRules([]*models.ExportRules{in}, next)
	if aerr != nil {
		return 0, nil, aerr
	}
	p.ExportPolicyInlineRules = append(p.ExportPolicyInlineRules, rules...)
	return rc.created(rules[0], fmt.Sprintf("%s/rules/%d", exportPolicyHref(deref(p.ID)), next))
}

func (s *Server) modifyExportRule(rc *reqCtx) (int, any, *apiError) {
	p, i, aerr := s.ruleFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := rc.onlyKeys("clients", "ro_rule", "rw_rule", "superuser", "protocols", "anonymous_user"); aerr != nil {
		return 0, nil, aerr
	}
	var body models.ExportRule
	if aerr := rc.decode(&body); aerr != nil {
		return 0, nil, aerr
	}
	in := ruleFromBody(&body)
	r := p.ExportPolicyInlineRules[i]
	if in.ExportRulesInlineClients != nil {
		r.ExportRulesInlineClients = in.ExportRulesInlineClients
	}
	if in.ExportRulesInlineRoRule != nil {
		r.ExportRulesInlineRoRule = in.ExportRulesInlineRoRule
	}
	if in.ExportRulesInlineRwRule != nil {
		r.ExportRulesInlineRwRule = in.ExportRulesInlineRwRule
	}
	if in.ExportRulesInlineSuperuser != nil {
		r.ExportRulesInlineSuperuser = in.ExportRulesInlineSuperuser
	}
	if in.Protocols != nil {
		r.Protocols = in.Protocols
	}
	if in.AnonymousUser != nil {
		r.AnonymousUser = in.AnonymousUser
	}
	return okEmpty()
}

func (s *Server) deleteExportRule(rc *reqCtx) (int, any, *apiError) {
	p, i, aerr := s.ruleFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	p.ExportPolicyInlineRules = slices.Delete(p.ExportPolicyInlineRules, i, i+1)
	return http.StatusOK, map[string]any{}, nil
}
