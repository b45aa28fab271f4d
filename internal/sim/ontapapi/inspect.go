package ontapapi

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Snapshot is a copy of what the simulated cluster holds, in plain types.
type Snapshot struct {
	ClusterName    string
	ClusterUUID    string
	Version        string
	Nodes          []NodeState
	Aggregates     []AggregateState
	SVMs           []SVMState
	Interfaces     []InterfaceState
	Routes         []RouteState
	Services       []ServiceState
	ExportPolicies []ExportPolicyState
	Accounts       []AccountState
	Volumes        []VolumeState
	LUNs           []StorageObjectState
	Namespaces     []StorageObjectState
	QoSPolicies    []QoSPolicyState
	Jobs           []JobState
}

// NodeState is a cluster node.
type NodeState struct{ Name, UUID string }

// AggregateState is an aggregate with its space in bytes.
type AggregateState struct {
	Name, UUID, Node string
	Size, Used       int64
}

// SVMState is an SVM.
type SVMState struct {
	Name, UUID, State, Comment, Language string
	Aggregates                           []string
	// MaxVolumes is "unlimited" or the number of volumes the SVM may hold.
	MaxVolumes string
	// QoSPolicy is the name of the QoS policy applied to the SVM, empty for none.
	QoSPolicy string
}

// QoSPolicyState is a QoS policy group with its fixed limits (0 means none).
type QoSPolicyState struct {
	// SVM owns the policy.
	SVM, Name, UUID                      string
	MaxThroughputIOPS, MaxThroughputMBps int64
	MinThroughputIOPS, MinThroughputMBps int64
	CapacityShared, Adaptive             bool
	// UsedBy are the SVMs the policy is applied to.
	UsedBy []string
}

// InterfaceState is an IP interface (LIF).
type InterfaceState struct {
	SVM, Name, UUID string
	// Address and PrefixLength of the interface, IPv4 or IPv6.
	Address       string
	PrefixLength  string
	HomeNode      string
	HomePort      string
	ServicePolicy string
	Services      []string
	Enabled       bool
}

// RouteState is an SVM route.
type RouteState struct{ SVM, UUID, Destination, Gateway string }

// ServiceState is a protocol service ("nvme", "iscsi", "nfs") of an SVM.
type ServiceState struct {
	SVM, Protocol string
	Enabled       bool
}

// ExportPolicyState is an NFS export policy with its rules' client matches.
type ExportPolicyState struct {
	SVM, Name string
	ID        int64
	Clients   [][]string
}

// AccountState is a user account (passwords are not exposed).
type AccountState struct {
	// Owner is the SVM name, or the cluster name for cluster accounts.
	Owner, Name, Scope, Role string
	Applications             []string
	Locked                   bool
}

// VolumeState is a volume.
type VolumeState struct {
	SVM, Name, UUID, Aggregate string
	Size                       int64
}

// StorageObjectState is a LUN or NVMe namespace.
type StorageObjectState struct {
	SVM, Path, UUID string
	Size            int64
}

// JobState is an asynchronous job.
type JobState struct {
	UUID, Description, State, Message, SVM string
}

// State returns a snapshot of the cluster's objects.
func (s *Server) State() Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	snap := Snapshot{ClusterName: st.Cluster.Name, ClusterUUID: st.Cluster.UUID, Version: st.Cluster.Version}
	for _, n := range st.Nodes {
		snap.Nodes = append(snap.Nodes, NodeState{Name: n.Name, UUID: n.UUID})
	}
	for _, a := range st.Aggregates {
		snap.Aggregates = append(snap.Aggregates, AggregateState{Name: a.Name, UUID: a.UUID, Node: a.Node, Size: a.Size, Used: a.Used})
	}
	for _, svm := range st.sortedSVMs() {
		m := s.svmModel(svm)
		ss := SVMState{Name: deref(svm.Name), UUID: deref(svm.UUID), State: deref(svm.State), Comment: deref(svm.Comment), Language: deref(svm.Language), MaxVolumes: deref(m.MaxVolumes)}
		for _, a := range svm.SvmInlineAggregates {
			ss.Aggregates = append(ss.Aggregates, deref(a.Name))
		}
		if m.QosPolicy != nil {
			ss.QoSPolicy = deref(m.QosPolicy.Name)
		}
		snap.SVMs = append(snap.SVMs, ss)
	}
	for _, i := range sortedValues(st.Interfaces, func(i *models.IPInterface) string { return deref(i.Svm.Name) + "/" + deref(i.Name) }) {
		is := InterfaceState{
			SVM: deref(i.Svm.Name), Name: deref(i.Name), UUID: deref(i.UUID),
			Address: string(deref(i.IP.Address)), PrefixLength: string(deref(i.IP.Netmask)),
			HomeNode: deref(i.Location.HomeNode.Name), HomePort: deref(i.Location.HomePort.Name),
			ServicePolicy: deref(i.ServicePolicy.Name), Enabled: deref(i.Enabled),
		}
		for _, svc := range i.IPInterfaceInlineServices {
			is.Services = append(is.Services, string(deref(svc)))
		}
		snap.Interfaces = append(snap.Interfaces, is)
	}
	for _, r := range sortedValues(st.Routes, func(r *models.NetworkRoute) string { return deref(r.Svm.Name) + "/" + deref(r.UUID) }) {
		snap.Routes = append(snap.Routes, RouteState{
			SVM: deref(r.Svm.Name), UUID: deref(r.UUID), Gateway: deref(r.Gateway),
			Destination: string(deref(r.Destination.Address)) + "/" + string(deref(r.Destination.Netmask)),
		})
	}
	for _, svc := range sortedValues(st.Services, func(v *serviceRec) string { return v.SVMName + "/" + v.Protocol }) {
		snap.Services = append(snap.Services, ServiceState{SVM: svc.SVMName, Protocol: svc.Protocol, Enabled: svc.Enabled})
	}
	for _, p := range sortedValues(st.ExportPolicies, func(p *models.ExportPolicy) string { return fmt.Sprintf("%s/%012d", deref(p.Svm.Name), deref(p.ID)) }) {
		ps := ExportPolicyState{SVM: deref(p.Svm.Name), Name: deref(p.Name), ID: deref(p.ID)}
		for _, r := range p.ExportPolicyInlineRules {
			var clients []string
			for _, c := range r.ExportRulesInlineClients {
				clients = append(clients, deref(c.Match))
			}
			ps.Clients = append(ps.Clients, clients)
		}
		snap.ExportPolicies = append(snap.ExportPolicies, ps)
	}
	for _, a := range st.sortedAccounts() {
		as := AccountState{Owner: a.OwnerName, Name: a.Name, Scope: a.Scope, Role: a.Role, Locked: a.Locked}
		for _, app := range a.Applications {
			as.Applications = append(as.Applications, deref(app.Application))
		}
		snap.Accounts = append(snap.Accounts, as)
	}
	for _, v := range sortedValues(st.Volumes, func(v *models.Volume) string { return deref(v.Svm.Name) + "/" + deref(v.Name) }) {
		vs := VolumeState{SVM: deref(v.Svm.Name), Name: deref(v.Name), UUID: deref(v.UUID), Size: deref(v.Size)}
		if len(v.VolumeInlineAggregates) > 0 {
			vs.Aggregate = deref(v.VolumeInlineAggregates[0].Name)
		}
		snap.Volumes = append(snap.Volumes, vs)
	}
	for _, l := range sortedValues(st.LUNs, func(l *models.Lun) string { return deref(l.Svm.Name) + deref(l.Name) }) {
		snap.LUNs = append(snap.LUNs, StorageObjectState{SVM: deref(l.Svm.Name), Path: deref(l.Name), UUID: deref(l.UUID), Size: deref(l.Space.Size)})
	}
	for _, n := range sortedValues(st.Namespaces, func(n *models.NvmeNamespace) string { return deref(n.Svm.Name) + deref(n.Name) }) {
		snap.Namespaces = append(snap.Namespaces, StorageObjectState{SVM: deref(n.Svm.Name), Path: deref(n.Name), UUID: deref(n.UUID), Size: deref(n.Space.Size)})
	}
	for _, p := range st.sortedQoSPolicies() {
		ps := QoSPolicyState{SVM: deref(p.Svm.Name), Name: deref(p.Name), UUID: deref(p.UUID), Adaptive: p.Adaptive != nil, UsedBy: st.svmsUsingQoSPolicy(deref(p.UUID))}
		if f := p.Fixed; f != nil {
			ps.MaxThroughputIOPS, ps.MaxThroughputMBps = deref(f.MaxThroughputIops), deref(f.MaxThroughputMbps)
			ps.MinThroughputIOPS, ps.MinThroughputMBps = deref(f.MinThroughputIops), deref(f.MinThroughputMbps)
			ps.CapacityShared = deref(f.CapacityShared)
		}
		snap.QoSPolicies = append(snap.QoSPolicies, ps)
	}
	for _, j := range sortedValues(s.jobs, func(j *jobRec) string { return j.start.Format(time.RFC3339Nano) + j.uuid }) {
		snap.Jobs = append(snap.Jobs, JobState{UUID: j.uuid, Description: j.description, State: j.state, Message: j.message, SVM: j.svmName})
	}
	return snap
}

// LeftoversForSVM lists everything the cluster still holds of the SVM (the
// SVM itself, LIFs, routes, services, export policies, QoS policies,
// accounts, volumes, LUNs, namespaces). Empty means nothing is left behind.
func (s *Server) LeftoversForSVM(name string) []string {
	return s.leftovers(func(svm string) bool { return strings.EqualFold(svm, name) })
}

// LeftoversWithPrefix is LeftoversForSVM for every SVM whose name starts with
// prefix, plus cluster-scoped accounts with such a name.
func (s *Server) LeftoversWithPrefix(prefix string) []string {
	out := s.leftovers(func(svm string) bool { return strings.HasPrefix(svm, prefix) })
	for _, a := range s.State().Accounts {
		if a.Scope == "cluster" && strings.HasPrefix(a.Name, prefix) {
			out = append(out, fmt.Sprintf("cluster account %s", a.Name))
		}
	}
	return out
}

func (s *Server) leftovers(match func(svm string) bool) []string {
	snap := s.State()
	var out []string
	for _, v := range snap.SVMs {
		if match(v.Name) {
			out = append(out, fmt.Sprintf("svm %s (%s, %s)", v.Name, v.UUID, v.State))
		}
	}
	for _, i := range snap.Interfaces {
		if match(i.SVM) {
			out = append(out, fmt.Sprintf("interface %s/%s (%s/%s)", i.SVM, i.Name, i.Address, i.PrefixLength))
		}
	}
	for _, r := range snap.Routes {
		if match(r.SVM) {
			out = append(out, fmt.Sprintf("route %s %s via %s", r.SVM, r.Destination, r.Gateway))
		}
	}
	for _, svc := range snap.Services {
		if match(svc.SVM) {
			out = append(out, fmt.Sprintf("%s service of %s", svc.Protocol, svc.SVM))
		}
	}
	for _, p := range snap.ExportPolicies {
		if match(p.SVM) {
			out = append(out, fmt.Sprintf("export policy %s/%s", p.SVM, p.Name))
		}
	}
	for _, p := range snap.QoSPolicies {
		if match(p.SVM) {
			out = append(out, fmt.Sprintf("qos policy %s/%s", p.SVM, p.Name))
		}
	}
	for _, a := range snap.Accounts {
		if a.Scope == "svm" && match(a.Owner) {
			out = append(out, fmt.Sprintf("account %s/%s", a.Owner, a.Name))
		}
	}
	for _, v := range snap.Volumes {
		if match(v.SVM) {
			out = append(out, fmt.Sprintf("volume %s/%s", v.SVM, v.Name))
		}
	}
	for _, l := range snap.LUNs {
		if match(l.SVM) {
			out = append(out, fmt.Sprintf("lun %s%s", l.SVM, l.Path))
		}
	}
	for _, n := range snap.Namespaces {
		if match(n.SVM) {
			out = append(out, fmt.Sprintf("namespace %s%s", n.SVM, n.Path))
		}
	}
	slices.Sort(out)
	return out
}

// CreateVolume adds a volume to an SVM out of band (as Trident in a shoot
// would), taking its size from the SVM's roomiest aggregate.
func (s *Server) CreateVolume(svmName, volName string, size int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svm := s.st.svmByName(svmName)
	if svm == nil {
		return fmt.Errorf("svm %q not found", svmName)
	}
	if aerr := s.st.checkVolumeLimit(svm); aerr != nil {
		return aerr
	}
	rc := &reqCtx{s: s, p: principal{user: s.cfg.AdminUser}}
	aggr, aerr := s.placeVolume(rc, svm, nil)
	if aerr != nil {
		return aerr
	}
	if aggr.Size-aggr.Used < size {
		return fmt.Errorf("aggregate %s has no room for %d bytes", aggr.Name, size)
	}
	aggr.Used += size
	uuid := newUUID()
	s.st.Volumes[uuid] = &models.Volume{
		UUID: new(uuid), Name: new(volName), Size: new(size), State: new("online"), Type: new("rw"), Style: new("flexvol"),
		Svm:                    &models.VolumeInlineSvm{Name: new(deref(svm.Name)), UUID: new(deref(svm.UUID))},
		VolumeInlineAggregates: []*models.VolumeInlineAggregatesInlineArrayItem{{Name: new(aggr.Name), UUID: new(aggr.UUID)}},
		Space:                  &models.VolumeInlineSpace{Size: new(size), Used: new(int64(0)), Available: new(size)},
	}
	s.persistLocked()
	return nil
}

// DeleteVolume removes a volume (and its LUNs and namespaces) out of band.
func (s *Server) DeleteVolume(svmName, volName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for uuid, v := range s.st.Volumes {
		if strings.EqualFold(deref(v.Svm.Name), svmName) && deref(v.Name) == volName {
			for k, l := range s.st.LUNs {
				if deref(l.Location.Volume.UUID) == uuid {
					delete(s.st.LUNs, k)
				}
			}
			for k, n := range s.st.Namespaces {
				if deref(n.Location.Volume.UUID) == uuid {
					delete(s.st.Namespaces, k)
				}
			}
			if aggr := s.volumeAggregate(v); aggr != nil {
				aggr.Used -= deref(v.Size)
			}
			delete(s.st.Volumes, uuid)
			s.persistLocked()
			return nil
		}
	}
	return fmt.Errorf("volume %s/%s not found", svmName, volName)
}

// InterfaceDrift changes a LIF out of band, the way an operator editing the
// cluster by hand would; empty fields stay as they are.
type InterfaceDrift struct {
	Address string
	// PrefixLength 0 keeps the current one.
	PrefixLength  int
	HomeNode      string
	ServicePolicy string
}

// DriftInterface applies an InterfaceDrift to the LIF of an SVM.
func (s *Server) DriftInterface(svmName, lifName string, d InterfaceDrift) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range s.st.Interfaces {
		if !strings.EqualFold(deref(i.Svm.Name), svmName) || deref(i.Name) != lifName {
			continue
		}
		if d.Address != "" {
			mask := string(deref(i.IP.Netmask))
			if d.PrefixLength > 0 {
				mask = fmt.Sprint(d.PrefixLength)
			}
			addr, bits, aerr := parseIPInfo(d.Address, mask, "ip")
			if aerr != nil {
				return aerr
			}
			i.IP = ipInfo(addr, bits)
		}
		if d.HomeNode != "" {
			node := s.st.nodeByRef(d.HomeNode, "")
			if node == nil {
				return fmt.Errorf("node %q not found", d.HomeNode)
			}
			s.setHome(i, node, deref(i.Location.HomePort.Name))
		}
		if d.ServicePolicy != "" {
			if aerr := s.setServicePolicy(i, deref(i.Svm.UUID), d.ServicePolicy); aerr != nil {
				return aerr
			}
		}
		s.persistLocked()
		return nil
	}
	return fmt.Errorf("interface %s/%s not found", svmName, lifName)
}

// SetServiceEnabled enables or disables a protocol service ("nvme", "iscsi",
// "nfs") of an SVM out of band.
func (s *Server) SetServiceEnabled(svmName, protocol string, enabled bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svm := s.st.svmByName(svmName)
	if svm == nil {
		return fmt.Errorf("svm %q not found", svmName)
	}
	svc, ok := s.st.Services[s.st.serviceKey(protocol, deref(svm.UUID))]
	if !ok {
		return fmt.Errorf("no %s service in svm %q", protocol, svmName)
	}
	svc.Enabled = enabled
	s.persistLocked()
	return nil
}

// SetSVMMaxVolumes changes the max_volumes of an SVM out of band ("unlimited"
// or a number), the way an operator editing the cluster by hand would.
func (s *Server) SetSVMMaxVolumes(svmName, maxVolumes string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svm := s.st.svmByName(svmName)
	if svm == nil {
		return fmt.Errorf("svm %q not found", svmName)
	}
	if _, _, aerr := parseMaxVolumes(maxVolumes); aerr != nil {
		return aerr
	}
	svm.MaxVolumes = new(maxVolumes)
	s.persistLocked()
	return nil
}

// SetSVMQoSPolicy applies a QoS policy the SVM owns to it out of band, or
// removes the SVM's policy with an empty name.
func (s *Server) SetSVMQoSPolicy(svmName, policy string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	svm := s.st.svmByName(svmName)
	if svm == nil {
		return fmt.Errorf("svm %q not found", svmName)
	}
	if policy == "" {
		svm.QosPolicy = nil
		s.persistLocked()
		return nil
	}
	p, aerr := s.svmQoSPolicy(svm, &models.SvmInlineQosPolicy{Name: new(policy)})
	if aerr != nil {
		return aerr
	}
	svm.QosPolicy = &models.SvmInlineQosPolicy{UUID: p.UUID}
	s.persistLocked()
	return nil
}

// SetQoSPolicyLimits changes the fixed ceilings of a QoS policy out of band.
func (s *Server) SetQoSPolicyLimits(policy string, maxIOPS, maxMBps int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.qosPolicyByRef(policy, "")
	if p == nil || p.Fixed == nil {
		return fmt.Errorf("fixed qos policy %q not found", policy)
	}
	p.Fixed.MaxThroughputIops, p.Fixed.MaxThroughputMbps = new(maxIOPS), new(maxMBps)
	s.persistLocked()
	return nil
}
