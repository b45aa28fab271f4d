package ontapapi

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// Seed is the initial content of a simulated cluster.
type Seed struct {
	// ClusterName is what GET /api/cluster reports.
	ClusterName string `json:"clusterName"`
	// Version is the ONTAP release, "9.14.1" when empty.
	Version string `json:"version,omitempty"`
	// Nodes of the cluster.
	Nodes []SeedNode `json:"nodes"`
	// Aggregates (local tiers) with their sizes.
	Aggregates []SeedAggregate `json:"aggregates"`
}

// SeedNode is a cluster node.
type SeedNode struct {
	Name string `json:"name"`
}

// SeedAggregate is an aggregate on a node, with its capacity and the space
// already used when the simulator starts.
type SeedAggregate struct {
	Name string `json:"name"`
	Node string `json:"node"`
	Size Size   `json:"size"`
	Used Size   `json:"used,omitempty"`
}

// Size is a byte count. In YAML or JSON it is a number of bytes or a string
// with a binary (Ki, Mi, Gi, Ti, Pi; a trailing "B" is allowed) or decimal
// (K, M, G, T, P) suffix, e.g. "10Ti".
type Size int64

// UnmarshalJSON accepts a number or a string with a unit suffix.
func (s *Size) UnmarshalJSON(data []byte) error {
	var n int64
	if err := json.Unmarshal(data, &n); err == nil {
		*s = Size(n)
		return nil
	}
	var str string
	if err := json.Unmarshal(data, &str); err != nil {
		return fmt.Errorf("size must be a number or a string: %w", err)
	}
	v, err := ParseSize(str)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSize parses "10Ti", "500GiB", "2T" or a plain number of bytes.
func ParseSize(str string) (Size, error) {
	str = strings.TrimSpace(str)
	units := []struct {
		suffix string
		factor int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"PiB", 1 << 50},
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40}, {"Pi", 1 << 50},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"PB", 1e15},
		{"K", 1e3}, {"M", 1e6}, {"G", 1e9}, {"T", 1e12}, {"P", 1e15},
		{"B", 1},
	}
	factor := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(str, u.suffix); ok {
			str, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	f, err := strconv.ParseFloat(str, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid size %q", str)
	}
	return Size(f * float64(factor)), nil
}

// DefaultSeed is a two-node cluster with two aggregates per node of
// different free space, so "most room" placement has one answer.
func DefaultSeed() Seed {
	const ti = 1 << 40
	return Seed{
		ClusterName: "sim-cluster",
		Version:     "9.14.1",
		Nodes:       []SeedNode{{Name: "sim-cluster-01"}, {Name: "sim-cluster-02"}},
		Aggregates: []SeedAggregate{
			{Name: "sim_01_aggr1", Node: "sim-cluster-01", Size: 20 * ti, Used: 4 * ti},
			{Name: "sim_01_aggr2", Node: "sim-cluster-01", Size: 10 * ti, Used: 1 * ti},
			{Name: "sim_02_aggr1", Node: "sim-cluster-02", Size: 20 * ti, Used: 2 * ti},
			{Name: "sim_02_aggr2", Node: "sim-cluster-02", Size: 10 * ti, Used: 3 * ti},
		},
	}
}

// LoadSeedYAML reads a Seed from YAML (or JSON) and validates it.
func LoadSeedYAML(data []byte) (Seed, error) {
	var s Seed
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return Seed{}, fmt.Errorf("parsing seed: %w", err)
	}
	return s, s.Validate()
}

// Validate checks names and references of the seed.
func (s Seed) Validate() error {
	if s.ClusterName == "" {
		return fmt.Errorf("seed: clusterName is required")
	}
	if len(s.Nodes) == 0 {
		return fmt.Errorf("seed: at least one node is required")
	}
	nodes := map[string]bool{}
	for _, n := range s.Nodes {
		if n.Name == "" || nodes[n.Name] {
			return fmt.Errorf("seed: node names must be unique and non-empty (%q)", n.Name)
		}
		nodes[n.Name] = true
	}
	aggrs := map[string]bool{}
	for _, a := range s.Aggregates {
		if a.Name == "" || aggrs[a.Name] {
			return fmt.Errorf("seed: aggregate names must be unique and non-empty (%q)", a.Name)
		}
		aggrs[a.Name] = true
		if !nodes[a.Node] {
			return fmt.Errorf("seed: aggregate %s is on unknown node %q", a.Name, a.Node)
		}
		if a.Size <= 0 || a.Used < 0 || a.Used > a.Size {
			return fmt.Errorf("seed: aggregate %s needs size > 0 and 0 <= used <= size", a.Name)
		}
	}
	if s.Version != "" {
		if _, _, _, err := parseVersion(s.Version); err != nil {
			return fmt.Errorf("seed: %w", err)
		}
	}
	return nil
}

func parseVersion(v string) (gen, major, minor int64, err error) {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return 0, 0, 0, fmt.Errorf("version %q is not of the form 9.14.1", v)
	}
	nums := make([]int64, 3)
	for i, p := range parts {
		if nums[i], err = strconv.ParseInt(p, 10, 64); err != nil {
			return 0, 0, 0, fmt.Errorf("version %q is not of the form 9.14.1", v)
		}
	}
	return nums[0], nums[1], nums[2], nil
}
