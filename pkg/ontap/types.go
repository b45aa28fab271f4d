package ontap

import (
	"context"
	"net/netip"
)

// Cluster is what the ontap controller needs from one ONTAP cluster. *Client
// implements it; tests of the controller can fake it.
type Cluster interface {
	// Name is the configured name of the cluster.
	Name() string
	// Info reads the cluster's identity, version and nodes.
	Info(ctx context.Context) (ClusterInfo, error)
	// PickAggregates returns the n online aggregates with the most free
	// space, most first (all of them when n <= 0).
	PickAggregates(ctx context.Context, n int) ([]Aggregate, error)

	// EnsureSVM finds the SVM by name or creates it (waiting for the
	// creation job), and repairs comment and aggregates.
	EnsureSVM(ctx context.Context, spec SVMSpec) (SVM, error)
	// GetSVM returns the SVM; IsNotFound(err) when it does not exist.
	GetSVM(ctx context.Context, name string) (SVM, error)
	// DeleteSVM deletes the SVM and what belongs to it; it refuses with
	// ErrSVMNotEmpty while volumes, LUNs or namespaces exist. A missing SVM
	// is not an error.
	DeleteSVM(ctx context.Context, name string) error

	// EnsureQoSPolicy creates or repairs the SVM's QoS policy and applies it
	// to the SVM.
	EnsureQoSPolicy(ctx context.Context, svm string, spec QoSPolicySpec) (QoSPolicy, error)
	// DeleteQoSPolicy removes the policy from the SVM and deletes it; a
	// missing one is not an error.
	DeleteQoSPolicy(ctx context.Context, svm, name string) error

	// EnsureInterface creates the LIF or repairs address, home node, home
	// port and service policy.
	EnsureInterface(ctx context.Context, svm string, spec LIFSpec) (LIF, error)
	// ListInterfaces lists the LIFs of the SVM.
	ListInterfaces(ctx context.Context, svm string) ([]LIF, error)
	// DeleteInterface deletes a LIF; a missing one is not an error.
	DeleteInterface(ctx context.Context, svm, name string) error

	// EnsureProtocols creates and enables the protocol services.
	EnsureProtocols(ctx context.Context, svm string, protocols ...Protocol) error
	// EnsureExportPolicy creates or repairs an NFS export policy.
	EnsureExportPolicy(ctx context.Context, svm string, spec ExportPolicySpec) error

	// EnsureAccount creates an SVM-scoped account with AccountRole or sets
	// its password, role and applications.
	EnsureAccount(ctx context.Context, svm, user, password string) error
	// DeleteAccount deletes the account; a missing one is not an error.
	DeleteAccount(ctx context.Context, svm, user string) error

	// EnsureRoute creates the route, replacing one to the same destination
	// via another gateway.
	EnsureRoute(ctx context.Context, svm string, spec RouteSpec) (Route, error)
	// ListRoutes lists the routes of the SVM.
	ListRoutes(ctx context.Context, svm string) ([]Route, error)
	// DeleteRoute deletes the route; a missing one is not an error.
	DeleteRoute(ctx context.Context, svm string, spec RouteSpec) error
}

// ClusterInfo identifies a cluster.
type ClusterInfo struct {
	// ConfiguredName is the name this installation knows the cluster by.
	ConfiguredName string
	// Name is what the cluster reports, e.g. "X-mc" after a MetroCluster
	// switchover.
	Name    string
	UUID    string
	Version string
	Nodes   []string
}

// Aggregate is a local tier with its space in bytes.
type Aggregate struct {
	Name      string
	UUID      string
	Node      string
	Size      int64
	Used      int64
	Available int64
}

// SVMSpec is the desired SVM.
type SVMSpec struct {
	Name string
	// Comment tags the SVM with its owner (e.g. the shoot's identity); it is
	// kept as given.
	Comment string
	// Aggregates the SVM may use; empty leaves the assignment alone.
	Aggregates []string
	// Language of a new SVM; ONTAP's default (c.utf_8) when empty.
	Language string
	// MaxVolumes limits the number of volumes the SVM may hold; 0 means
	// unlimited. It is enforced either way: a limit set by hand is removed.
	MaxVolumes int
}

// SVM is an existing SVM.
type SVM struct {
	Name       string
	UUID       string
	State      string
	Comment    string
	Aggregates []string
	// MaxVolumes is the SVM's volume limit, 0 for unlimited.
	MaxVolumes int
	// QoSPolicy is the name of the QoS policy applied to the SVM, empty for
	// none.
	QoSPolicy string
}

// QoSPolicySpec is a desired fixed QoS policy of an SVM: a throughput
// ceiling that all storage objects of the SVM share.
type QoSPolicySpec struct {
	// Name of the policy; ONTAP wants it unique in the cluster.
	Name string
	// MaxIOPS is the ceiling in I/O operations per second, 0 for none.
	MaxIOPS int64
	// MaxThroughputMBps is the ceiling in megabytes per second, 0 for none.
	MaxThroughputMBps int64
}

// QoSPolicy is an existing QoS policy.
type QoSPolicy struct {
	Name              string
	UUID              string
	SVM               string
	MaxIOPS           int64
	MaxThroughputMBps int64
	// Shared: the ceiling holds for all objects together, not for each.
	Shared bool
}

// LIFSpec is a desired IP interface of an SVM.
type LIFSpec struct {
	Name string
	// Address with prefix length, IPv4 or IPv6 (e.g. 10.0.0.5/24).
	Address netip.Prefix
	// HomeNode is required.
	HomeNode string
	// HomePort and BroadcastDomain are optional placement hints.
	HomePort        string
	BroadcastDomain string
	// ServicePolicy, e.g. "default-data-nvme-tcp", "default-data-files",
	// "default-data-iscsi", "default-management".
	ServicePolicy string
}

// LIF is an existing IP interface.
type LIF struct {
	Name          string
	UUID          string
	SVM           string
	Address       netip.Prefix
	HomeNode      string
	HomePort      string
	ServicePolicy string
	Services      []string
	Enabled       bool
	State         string
}

// Protocol is a storage protocol served by an SVM.
type Protocol string

// Protocols with a service.
const (
	ProtocolNVMe  Protocol = "nvme"
	ProtocolISCSI Protocol = "iscsi"
	ProtocolNFS   Protocol = "nfs"
)

// ExportPolicySpec is a desired NFS export policy: one rule per client
// network, read-write with sys authentication.
type ExportPolicySpec struct {
	Name    string
	Clients []netip.Prefix
}

// RouteSpec is a desired SVM route.
type RouteSpec struct {
	Destination netip.Prefix
	Gateway     netip.Addr
}

// Route is an existing SVM route.
type Route struct {
	UUID        string
	Destination netip.Prefix
	Gateway     netip.Addr
}

// AccountRole is the role of accounts made by EnsureAccount.
const AccountRole = "vsadmin"
