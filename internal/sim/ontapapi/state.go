package ontapapi

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// state is everything the simulated cluster holds; it is what the state file
// stores. Objects of the API are kept as trident's wire models.
type state struct {
	Cluster        clusterRec                       `json:"cluster"`
	IPspaceUUID    string                           `json:"ipspaceUUID"`
	Nodes          []*nodeRec                       `json:"nodes"`
	Aggregates     []*aggregateRec                  `json:"aggregates"`
	SVMs           map[string]*models.Svm           `json:"svms"`
	Interfaces     map[string]*models.IPInterface   `json:"interfaces"`
	Routes         map[string]*models.NetworkRoute  `json:"routes"`
	Services       map[string]*serviceRec           `json:"services"`
	ExportPolicies map[string]*models.ExportPolicy  `json:"exportPolicies"`
	NextPolicyID   int64                            `json:"nextPolicyID"`
	Accounts       map[string]*accountRec           `json:"accounts"`
	Volumes        map[string]*models.Volume        `json:"volumes"`
	LUNs           map[string]*models.Lun           `json:"luns"`
	Namespaces     map[string]*models.NvmeNamespace `json:"namespaces"`
	QoSPolicies    map[string]*models.QosPolicy     `json:"qosPolicies"`
	NextPGID       int64                            `json:"nextPGID"`
}

type clusterRec struct {
	Name    string `json:"name"`
	UUID    string `json:"uuid"`
	Version string `json:"version"`
}

type nodeRec struct {
	Name   string `json:"name"`
	UUID   string `json:"uuid"`
	Serial string `json:"serial"`
}

type aggregateRec struct {
	Name string `json:"name"`
	UUID string `json:"uuid"`
	Node string `json:"node"`
	Size int64  `json:"size"`
	Used int64  `json:"used"`
}

// Protocols with a service endpoint.
const (
	protoNVMe  = "nvme"
	protoISCSI = "iscsi"
	protoNFS   = "nfs"
)

type serviceRec struct {
	Protocol string                           `json:"protocol"`
	SVMUUID  string                           `json:"svmUUID"`
	SVMName  string                           `json:"svmName"`
	Enabled  bool                             `json:"enabled"`
	NFS      *models.NfsServiceInlineProtocol `json:"nfs,omitempty"`
}

type accountRec struct {
	Name         string                       `json:"name"`
	OwnerUUID    string                       `json:"ownerUUID"`
	OwnerName    string                       `json:"ownerName"`
	Scope        string                       `json:"scope"`
	Role         string                       `json:"role"`
	Comment      string                       `json:"comment,omitempty"`
	Applications []*models.AccountApplication `json:"applications"`
	Password     string                       `json:"password"`
	Locked       bool                         `json:"locked"`
}

func (a *accountRec) key() string { return a.OwnerUUID + "/" + a.Name }

// canLogin reports whether the account may use the REST API with a password.
func (a *accountRec) canLogin() bool {
	for _, app := range a.Applications {
		if app.Application == nil || *app.Application != "http" {
			continue
		}
		for _, m := range app.AuthenticationMethods {
			if m != nil && *m == "password" {
				return true
			}
		}
	}
	return false
}

func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func newState(seed Seed) *state {
	version := seed.Version
	if version == "" {
		version = "9.14.1"
	}
	st := &state{
		Cluster:        clusterRec{Name: seed.ClusterName, UUID: newUUID(), Version: version},
		IPspaceUUID:    newUUID(),
		SVMs:           map[string]*models.Svm{},
		Interfaces:     map[string]*models.IPInterface{},
		Routes:         map[string]*models.NetworkRoute{},
		Services:       map[string]*serviceRec{},
		ExportPolicies: map[string]*models.ExportPolicy{},
		NextPolicyID:   1,
		Accounts:       map[string]*accountRec{},
		Volumes:        map[string]*models.Volume{},
		LUNs:           map[string]*models.Lun{},
		Namespaces:     map[string]*models.NvmeNamespace{},
		QoSPolicies:    map[string]*models.QosPolicy{},
		NextPGID:       firstUserPGID,
	}
	for i, n := range seed.Nodes {
		st.Nodes = append(st.Nodes, &nodeRec{Name: n.Name, UUID: newUUID(), Serial: fmt.Sprintf("4%011d", i+1)})
	}
	for _, a := range seed.Aggregates {
		st.Aggregates = append(st.Aggregates, &aggregateRec{Name: a.Name, UUID: newUUID(), Node: a.Node, Size: int64(a.Size), Used: int64(a.Used)})
	}
	return st
}

// afterLoad repairs what a state file cannot carry: jobs are not persisted, so
// SVMs caught mid-creation are finished.
func (st *state) afterLoad() {
	ensureMap(&st.SVMs)
	ensureMap(&st.Interfaces)
	ensureMap(&st.Routes)
	ensureMap(&st.Services)
	ensureMap(&st.ExportPolicies)
	ensureMap(&st.Accounts)
	ensureMap(&st.Volumes)
	ensureMap(&st.LUNs)
	ensureMap(&st.Namespaces)
	ensureMap(&st.QoSPolicies)
	for _, svm := range st.SVMs {
		if deref(svm.State) == "initializing" {
			svm.State = new("running")
		}
	}
	if st.NextPolicyID == 0 {
		st.NextPolicyID = 1
	}
	if st.NextPGID == 0 {
		st.NextPGID = firstUserPGID
	}
}

// ensureAdmin creates or updates the cluster administrator account.
func (st *state) ensureAdmin(user, password string) {
	key := st.Cluster.UUID + "/" + user
	a, ok := st.Accounts[key]
	if !ok {
		a = &accountRec{
			Name: user, OwnerUUID: st.Cluster.UUID, OwnerName: st.Cluster.Name, Scope: "cluster", Role: "admin",
			Applications: []*models.AccountApplication{
				{Application: new("http"), AuthenticationMethods: []*string{new("password")}},
				{Application: new("ontapi"), AuthenticationMethods: []*string{new("password")}},
				{Application: new("ssh"), AuthenticationMethods: []*string{new("password")}},
				{Application: new("console"), AuthenticationMethods: []*string{new("password")}},
			},
		}
		st.Accounts[key] = a
	}
	a.Password = password
	a.Locked = false
}

func ensureMap[V any](m *map[string]V) {
	if *m == nil {
		*m = map[string]V{}
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// sortedValues returns map values ordered by a key (computed once per value).
func sortedValues[V any](m map[string]V, key func(V) string) []V {
	type keyed struct {
		key string
		v   V
	}
	tmp := make([]keyed, 0, len(m))
	for _, v := range m {
		tmp = append(tmp, keyed{key(v), v})
	}
	slices.SortFunc(tmp, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	out := make([]V, len(tmp))
	for i, t := range tmp {
		out[i] = t.v
	}
	return out
}

func (st *state) sortedAccounts() []*accountRec {
	return sortedValues(st.Accounts, func(a *accountRec) string { return a.OwnerName + "/" + a.Name + "/" + a.OwnerUUID })
}

func (st *state) sortedSVMs() []*models.Svm {
	return sortedValues(st.SVMs, func(s *models.Svm) string { return deref(s.Name) + "/" + deref(s.UUID) })
}

func (st *state) svmByName(name string) *models.Svm {
	for _, s := range st.SVMs {
		if strings.EqualFold(deref(s.Name), name) {
			return s
		}
	}
	return nil
}

// svmByRef resolves an SVM reference of a request body.
func (st *state) svmByRef(name, uuid *string, target string) (*models.Svm, *apiError) {
	switch {
	case uuid != nil && *uuid != "":
		s, ok := st.SVMs[*uuid]
		if !ok || (name != nil && *name != "" && !strings.EqualFold(deref(s.Name), *name)) {
			return nil, badRequest(CodeInvalidValue, target+".uuid", "SVM %q not found", *uuid)
		}
		return s, nil
	case name != nil && *name != "":
		s := st.svmByName(*name)
		if s == nil {
			return nil, badRequest(CodeInvalidValue, target+".name", "SVM %q not found", *name)
		}
		return s, nil
	default:
		return nil, badRequest(CodeMissingField, target, "Missing value for required field %q.", target)
	}
}

func (st *state) nodeByRef(name, uuid string) *nodeRec {
	for _, n := range st.Nodes {
		if (uuid != "" && n.UUID == uuid) || (uuid == "" && name != "" && strings.EqualFold(n.Name, name)) {
			return n
		}
	}
	return nil
}

func (st *state) aggregateByRef(name, uuid string) *aggregateRec {
	for _, a := range st.Aggregates {
		if (uuid != "" && a.UUID == uuid) || (uuid == "" && name != "" && a.Name == name) {
			return a
		}
	}
	return nil
}

func (st *state) serviceKey(protocol, svmUUID string) string { return protocol + "/" + svmUUID }

// storageOf counts the storage objects that keep an SVM from being deleted.
func (st *state) storageOf(svmUUID string) (volumes, luns, namespaces []string) {
	for _, v := range st.Volumes {
		if v.Svm != nil && deref(v.Svm.UUID) == svmUUID {
			volumes = append(volumes, deref(v.Name))
		}
	}
	for _, l := range st.LUNs {
		if l.Svm != nil && deref(l.Svm.UUID) == svmUUID {
			luns = append(luns, deref(l.Name))
		}
	}
	for _, n := range st.Namespaces {
		if n.Svm != nil && deref(n.Svm.UUID) == svmUUID {
			namespaces = append(namespaces, deref(n.Name))
		}
	}
	slices.Sort(volumes)
	slices.Sort(luns)
	slices.Sort(namespaces)
	return volumes, luns, namespaces
}

// deleteSVMObjects removes what "vserver delete" takes along with the SVM:
// its LIFs, routes, protocol services, export policies and SVM-scoped
// accounts.
func (st *state) deleteSVMObjects(svmUUID string) {
	for k, i := range st.Interfaces {
		if i.Svm != nil && deref(i.Svm.UUID) == svmUUID {
			delete(st.Interfaces, k)
		}
	}
	for k, r := range st.Routes {
		if r.Svm != nil && deref(r.Svm.UUID) == svmUUID {
			delete(st.Routes, k)
		}
	}
	for k, s := range st.Services {
		if s.SVMUUID == svmUUID {
			delete(st.Services, k)
		}
	}
	for k, p := range st.ExportPolicies {
		if p.Svm != nil && deref(p.Svm.UUID) == svmUUID {
			delete(st.ExportPolicies, k)
		}
	}
	for k, a := range st.Accounts {
		if a.OwnerUUID == svmUUID {
			delete(st.Accounts, k)
		}
	}
	delete(st.SVMs, svmUUID)
}

// renameSVM updates the SVM name everywhere it is referenced.
func (st *state) renameSVM(svmUUID, name string) {
	if s, ok := st.SVMs[svmUUID]; ok {
		s.Name = new(name)
	}
	for _, i := range st.Interfaces {
		if i.Svm != nil && deref(i.Svm.UUID) == svmUUID {
			i.Svm.Name = new(name)
		}
	}
	for _, r := range st.Routes {
		if r.Svm != nil && deref(r.Svm.UUID) == svmUUID {
			r.Svm.Name = new(name)
		}
	}
	for _, s := range st.Services {
		if s.SVMUUID == svmUUID {
			s.SVMName = name
		}
	}
	for _, p := range st.ExportPolicies {
		if p.Svm != nil && deref(p.Svm.UUID) == svmUUID {
			p.Svm.Name = new(name)
		}
	}
	for _, a := range st.Accounts {
		if a.OwnerUUID == svmUUID {
			a.OwnerName = name
		}
	}
	for _, p := range st.QoSPolicies {
		if p.Svm != nil && deref(p.Svm.UUID) == svmUUID {
			p.Svm.Name = new(name)
		}
	}
	for _, v := range st.Volumes {
		if v.Svm != nil && deref(v.Svm.UUID) == svmUUID {
			v.Svm.Name = new(name)
		}
	}
	for _, l := range st.LUNs {
		if l.Svm != nil && deref(l.Svm.UUID) == svmUUID {
			l.Svm.Name = new(name)
		}
	}
	for _, n := range st.Namespaces {
		if n.Svm != nil && deref(n.Svm.UUID) == svmUUID {
			n.Svm.Name = new(name)
		}
	}
}

// createDefaultExportPolicy adds the "default" export policy every data SVM
// gets at creation.
func (st *state) createDefaultExportPolicy(svm *models.Svm) {
	id := st.NextPolicyID
	st.NextPolicyID++
	st.ExportPolicies[strconv.FormatInt(id, 10)] = &models.ExportPolicy{
		ID:   new(id),
		Name: new("default"),
		Svm:  &models.ExportPolicyInlineSvm{Name: new(deref(svm.Name)), UUID: new(deref(svm.UUID))},
	}
}
