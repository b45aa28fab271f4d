package ontapapi

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// QoS policy groups (/api/storage/qos/policies). As on ONTAP, names are unique
// in the cluster, every policy belongs to an SVM (scope "svm"), creating,
// changing and deleting one is an asynchronous job and only cluster
// administrators may do it. A policy that an SVM uses (svm.qos_policy) cannot
// be deleted, and the simulator refuses to delete an SVM that still owns
// policies, so a client that would leave them behind is caught.

// firstUserPGID is the first policy group ID of user-defined policies; ONTAP
// keeps the low IDs for its own.
const firstUserPGID = 1000

// qosPolicyNameRE is ONTAP's rule for policy group names: up to 127
// characters, letters, digits, "_" and "-", starting with a letter or digit.
var qosPolicyNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,126}$`)

// qosNone is the policy name that removes an SVM's policy, as
// "vserver modify -qos-policy-group none" does.
const qosNone = "none"

func qosPolicyHref(uuid string) string { return "/api/storage/qos/policies/" + uuid }

// svmsUsingQoSPolicy lists the SVMs whose qos_policy is the policy.
func (st *state) svmsUsingQoSPolicy(policyUUID string) []string {
	var names []string
	for _, svm := range st.SVMs {
		if svm.QosPolicy != nil && deref(svm.QosPolicy.UUID) == policyUUID {
			names = append(names, deref(svm.Name))
		}
	}
	slices.Sort(names)
	return names
}

// qosPoliciesOf lists the names of the policies the SVM owns.
func (st *state) qosPoliciesOf(svmUUID string) []string {
	var names []string
	for _, p := range st.QoSPolicies {
		if p.Svm != nil && deref(p.Svm.UUID) == svmUUID {
			names = append(names, deref(p.Name))
		}
	}
	slices.Sort(names)
	return names
}

func (st *state) qosPolicyByRef(name, uuid string) *models.QosPolicy {
	if uuid != "" {
		return st.QoSPolicies[uuid]
	}
	for _, p := range st.QoSPolicies {
		if strings.EqualFold(deref(p.Name), name) {
			return p
		}
	}
	return nil
}

func (st *state) sortedQoSPolicies() []*models.QosPolicy {
	return sortedValues(st.QoSPolicies, func(p *models.QosPolicy) string { return deref(p.Name) })
}

// qosPolicyModel renders a policy with its object count.
func (s *Server) qosPolicyModel(p *models.QosPolicy) *models.QosPolicy {
	c := *p
	c.ObjectCount = new(int64(len(s.st.svmsUsingQoSPolicy(deref(p.UUID)))))
	return &c
}

func (s *Server) listQoSPolicies(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, p := range s.st.sortedQoSPolicies() {
		if rc.p.sees(deref(p.Svm.UUID)) {
			items = append(items, listItem{rec: s.qosPolicyModel(p), href: qosPolicyHref(deref(p.UUID)), svmUUID: deref(p.Svm.UUID), name: deref(p.Name)})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) qosPolicyFor(rc *reqCtx) (*models.QosPolicy, *apiError) {
	p, ok := s.st.QoSPolicies[rc.r.PathValue("uuid")]
	if !ok || !rc.p.sees(deref(p.Svm.UUID)) {
		return nil, notFound("uuid")
	}
	return p, nil
}

func (s *Server) getQoSPolicy(rc *reqCtx) (int, any, *apiError) {
	p, aerr := s.qosPolicyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(s.qosPolicyModel(p), qosPolicyHref(deref(p.UUID)), "uuid", "name")
}

// validateFixed checks the limits of a fixed policy: none negative, and a
// floor not above its ceiling.
func validateFixed(f *models.QosPolicyInlineFixed) *apiError {
	for target, v := range map[string]*int64{
		"fixed.max_throughput_iops": f.MaxThroughputIops, "fixed.max_throughput_mbps": f.MaxThroughputMbps,
		"fixed.min_throughput_iops": f.MinThroughputIops, "fixed.min_throughput_mbps": f.MinThroughputMbps,
	} {
		if deref(v) < 0 {
			return badRequest(CodeInvalidValue, target, "Invalid value %d for %q: must not be negative.", deref(v), target)
		}
	}
	if maxIOPS, minIOPS := deref(f.MaxThroughputIops), deref(f.MinThroughputIops); maxIOPS > 0 && minIOPS > maxIOPS {
		return badRequest(CodeInvalidValue, "fixed.min_throughput_iops", "The minimum throughput %d IOPS exceeds the maximum %d IOPS.", minIOPS, maxIOPS)
	}
	if maxMBps, minMBps := deref(f.MaxThroughputMbps), deref(f.MinThroughputMbps); maxMBps > 0 && minMBps > maxMBps {
		return badRequest(CodeInvalidValue, "fixed.min_throughput_mbps", "The minimum throughput %d MB/s exceeds the maximum %d MB/s.", minMBps, maxMBps)
	}
	return nil
}

func (s *Server) createQoSPolicy(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	var in models.QosPolicy
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	name := deref(in.Name)
	switch {
	case name == "":
		return 0, nil, badRequest(CodeMissingField, "name", `Missing value for required field "name".`)
	case !qosPolicyNameRE.MatchString(name) || strings.EqualFold(name, qosNone):
		return 0, nil, badRequest(CodeInvalidValue, "name", "Invalid policy group name %q: use up to 127 letters, digits, '_' or '-', starting with a letter or digit.", name)
	case s.st.qosPolicyByRef(name, "") != nil:
		return 0, nil, conflict(CodeDuplicate, "name", "Duplicate policy group name %q.", name)
	case in.Svm == nil:
		return 0, nil, badRequest(CodeMissingField, "svm", `Missing value for required field "svm".`)
	case (in.Fixed == nil) == (in.Adaptive == nil):
		return 0, nil, badRequest(CodeInvalidValue, "fixed", "Exactly one of \"fixed\" and \"adaptive\" must be given.")
	case in.Scope != nil && *in.Scope != "svm":
		return 0, nil, badRequest(CodeInvalidValue, "scope", "Only SVM-scoped policy groups are supported.")
	}
	svm, aerr := s.st.svmByRef(in.Svm.Name, in.Svm.UUID, "svm")
	if aerr != nil {
		return 0, nil, aerr
	}
	p := &models.QosPolicy{
		UUID:        new(newUUID()),
		Name:        new(name),
		Pgid:        new(s.st.NextPGID),
		PolicyClass: new("user_defined"),
		Scope:       new("svm"),
		Svm:         &models.QosPolicyInlineSvm{Name: new(deref(svm.Name)), UUID: new(deref(svm.UUID))},
	}
	if in.Fixed != nil {
		if aerr := validateFixed(in.Fixed); aerr != nil {
			return 0, nil, aerr
		}
		f := *in.Fixed
		if f.CapacityShared == nil {
			f.CapacityShared = new(false)
		}
		for _, v := range []**int64{&f.MaxThroughputIops, &f.MaxThroughputMbps, &f.MinThroughputIops, &f.MinThroughputMbps} {
			if *v == nil {
				*v = new(int64(0))
			}
		}
		p.Fixed = &f
	} else {
		a := *in.Adaptive
		p.Adaptive = &a
	}
	uuid := deref(p.UUID)
	status, body, aerr := rc.startJobLocked("POST /api/storage/qos/policies", svm, false, func() *apiError { return nil }, func() {
		delete(s.st.QoSPolicies, uuid)
	})
	if aerr != nil {
		return 0, nil, aerr
	}
	// Like an SVM, the policy is there as soon as the job is accepted.
	s.st.NextPGID++
	s.st.QoSPolicies[uuid] = p
	return status, body, nil
}

func (s *Server) modifyQoSPolicy(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	p, aerr := s.qosPolicyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := rc.onlyKeys("name", "fixed", "adaptive"); aerr != nil {
		return 0, nil, aerr
	}
	var in models.QosPolicy
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	if in.Name != nil {
		if !qosPolicyNameRE.MatchString(*in.Name) || strings.EqualFold(*in.Name, qosNone) {
			return 0, nil, badRequest(CodeInvalidValue, "name", "Invalid policy group name %q.", *in.Name)
		}
		if other := s.st.qosPolicyByRef(*in.Name, ""); other != nil && other != p {
			return 0, nil, conflict(CodeDuplicate, "name", "Duplicate policy group name %q.", *in.Name)
		}
	}
	var fixed models.QosPolicyInlineFixed
	switch {
	case in.Fixed != nil && p.Fixed == nil, in.Adaptive != nil && p.Adaptive == nil:
		return 0, nil, badRequest(CodeInvalidValue, "fixed", "A policy group cannot change between fixed and adaptive.")
	case in.Fixed != nil:
		if in.Fixed.CapacityShared != nil && *in.Fixed.CapacityShared != deref(p.Fixed.CapacityShared) {
			return 0, nil, badRequest(CodeInvalidValue, "fixed.capacity_shared", "The capacity_shared property of a policy group cannot be modified.")
		}
		// Limits not given keep their values.
		fixed = *p.Fixed
		for dst, src := range map[**int64]*int64{
			&fixed.MaxThroughputIops: in.Fixed.MaxThroughputIops, &fixed.MaxThroughputMbps: in.Fixed.MaxThroughputMbps,
			&fixed.MinThroughputIops: in.Fixed.MinThroughputIops, &fixed.MinThroughputMbps: in.Fixed.MinThroughputMbps,
		} {
			if src != nil {
				*dst = new(*src)
			}
		}
		if aerr := validateFixed(&fixed); aerr != nil {
			return 0, nil, aerr
		}
	}
	uuid := deref(p.UUID)
	return rc.startJobLocked("PATCH "+qosPolicyHref(uuid), s.st.SVMs[deref(p.Svm.UUID)], false, func() *apiError {
		if _, ok := s.st.QoSPolicies[uuid]; !ok {
			return notFound("uuid")
		}
		if in.Name != nil {
			p.Name = new(*in.Name)
		}
		if in.Fixed != nil {
			p.Fixed = &fixed
		}
		if in.Adaptive != nil {
			a := *in.Adaptive
			p.Adaptive = &a
		}
		return nil
	}, nil)
}

func (s *Server) deleteQoSPolicy(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	p, aerr := s.qosPolicyFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	inUse := func() *apiError {
		if users := s.st.svmsUsingQoSPolicy(deref(p.UUID)); len(users) > 0 {
			return conflict(CodeInUse, "uuid", "Policy group %q cannot be deleted because it is in use by SVM %s.", deref(p.Name), strings.Join(users, ", "))
		}
		return nil
	}
	if aerr := inUse(); aerr != nil {
		return 0, nil, aerr
	}
	uuid := deref(p.UUID)
	return rc.startJobLocked("DELETE "+qosPolicyHref(uuid), s.st.SVMs[deref(p.Svm.UUID)], false, func() *apiError {
		if _, ok := s.st.QoSPolicies[uuid]; !ok {
			return notFound("uuid")
		}
		if aerr := inUse(); aerr != nil {
			return aerr
		}
		delete(s.st.QoSPolicies, uuid)
		return nil
	}, nil)
}

// svmQoSPolicy resolves the qos_policy of an SVM PATCH: a policy the SVM owns,
// by name or UUID, or "none" (returned as nil) to remove the SVM's policy.
// Inline limits, which make ONTAP create a policy of its own, are not
// simulated.
func (s *Server) svmQoSPolicy(svm *models.Svm, in *models.SvmInlineQosPolicy) (*models.QosPolicy, *apiError) {
	if in.MaxThroughputIops != nil || in.MaxThroughputMbps != nil || in.MinThroughputIops != nil || in.MinThroughputMbps != nil {
		return nil, badRequest(CodeInvalidValue, "qos_policy", "The simulator supports qos_policy.name and qos_policy.uuid only.")
	}
	name, uuid := deref(in.Name), deref(in.UUID)
	switch {
	case name != "" && uuid != "":
		return nil, badRequest(CodeInvalidValue, "qos_policy", "qos_policy.name and qos_policy.uuid are mutually exclusive.")
	case name == "" && uuid == "":
		return nil, badRequest(CodeMissingField, "qos_policy.name", `Missing value for required field "qos_policy.name".`)
	case strings.EqualFold(name, qosNone):
		return nil, nil
	}
	p := s.st.qosPolicyByRef(name, uuid)
	if p == nil {
		return nil, badRequest(CodeInvalidValue, "qos_policy", "Policy group %q not found.", name+uuid)
	}
	if deref(p.Svm.UUID) != deref(svm.UUID) {
		return nil, badRequest(CodeInvalidValue, "qos_policy", "Policy group %q belongs to SVM %q, not to SVM %q.", deref(p.Name), deref(p.Svm.Name), deref(svm.Name))
	}
	return p, nil
}

// maxVolumesUnlimited is ONTAP's max_volumes of an SVM without limit.
const maxVolumesUnlimited = "unlimited"

// parseMaxVolumes checks a max_volumes value: "unlimited" or a count.
func parseMaxVolumes(v string) (limit int64, unlimited bool, aerr *apiError) {
	if v == maxVolumesUnlimited {
		return 0, true, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, badRequest(CodeInvalidValue, "max_volumes", "Invalid value %q for max_volumes: use \"unlimited\" or a number.", v)
	}
	return n, false, nil
}

// checkVolumeLimit refuses another volume in an SVM at its max_volumes.
func (st *state) checkVolumeLimit(svm *models.Svm) *apiError {
	// max_volumes is checked when it is set; a value that does not parse counts as unlimited.
	limit, unlimited, parseErr := parseMaxVolumes(cmp.Or(deref(svm.MaxVolumes), maxVolumesUnlimited))
	if vols, _, _ := st.storageOf(deref(svm.UUID)); parseErr == nil && !unlimited && int64(len(vols)) >= limit {
		return &apiError{status: http.StatusBadRequest, code: CodeVolumeLimit,
			message: fmt.Sprintf("Cannot create volume: SVM %q has reached its limit of %d volumes (max_volumes).", deref(svm.Name), limit)}
	}
	return nil
}
