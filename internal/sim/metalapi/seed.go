// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/yaml"
)

// Seed is the initial state of a simulator. It is plain data so that it can come from Go code or from a
// YAML file (see ParseSeed); the YAML keys are the json tags.
type Seed struct {
	Partitions []PartitionSeed `json:"partitions"`
	Sizes      []SizeSeed      `json:"sizes"`
	Images     []ImageSeed     `json:"images"`
	Projects   []ProjectSeed   `json:"projects"`
	Networks   []NetworkSeed   `json:"networks"`
	// Machines adds individual machines on top of the partitions' FreeMachines pools.
	Machines []MachineSeed `json:"machines,omitempty"`
}

// PartitionSeed describes a partition and its pool of free machines.
type PartitionSeed struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name,omitempty"`
	Description        string            `json:"description,omitempty"`
	Labels             map[string]string `json:"labels,omitempty"`
	MgmtServiceAddress string            `json:"mgmtServiceAddress,omitempty"`
	// DNSServers and NTPServers are the partition defaults that machine allocations inherit when the
	// request names none.
	DNSServers []string `json:"dnsServers,omitempty"`
	NTPServers []string `json:"ntpServers,omitempty"`
	// FreeMachines is the number of waiting machines per size ID.
	FreeMachines map[string]int `json:"freeMachines,omitempty"`
	// Racks spreads the pool over this many racks (rack IDs "<partition>-rack-<n>"); default 2.
	Racks int `json:"racks,omitempty"`
}

// SizeSeed describes a machine size; the hardware of its machines follows from it.
type SizeSeed struct {
	ID          string            `json:"id"`
	Name        string            `json:"name,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	CPUCores    int32             `json:"cpuCores"`
	MemoryGiB   int64             `json:"memoryGiB"`
	StorageGiB  int64             `json:"storageGiB"`
}

// ImageSeed describes an OS image. Features are "machine" and/or "firewall".
type ImageSeed struct {
	ID             string     `json:"id"`
	Name           string     `json:"name,omitempty"`
	Description    string     `json:"description,omitempty"`
	URL            string     `json:"url,omitempty"`
	Features       []string   `json:"features"`
	Classification string     `json:"classification,omitempty"`
	ExpirationDate *time.Time `json:"expirationDate,omitempty"`
}

// ProjectSeed describes a project (metal-api proxies projects from masterdata-api).
type ProjectSeed struct {
	ID          string `json:"id"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	TenantID    string `json:"tenantID,omitempty"`
}

// NetworkSeed describes a network created by an administrator: a private super network (PrivateSuper
// with DefaultChildPrefixLength per family, keys IPv4/IPv6), an underlay, an external network such as
// the internet, or any other network.
type NetworkSeed struct {
	ID                         string            `json:"id"`
	Name                       string            `json:"name,omitempty"`
	Description                string            `json:"description,omitempty"`
	PartitionID                string            `json:"partitionID,omitempty"`
	ProjectID                  string            `json:"projectID,omitempty"`
	Prefixes                   []string          `json:"prefixes"`
	DestinationPrefixes        []string          `json:"destinationPrefixes,omitempty"`
	DefaultChildPrefixLength   map[string]int64  `json:"defaultChildPrefixLength,omitempty"`
	PrivateSuper               bool              `json:"privateSuper,omitempty"`
	Underlay                   bool              `json:"underlay,omitempty"`
	Nat                        bool              `json:"nat,omitempty"`
	Shared                     bool              `json:"shared,omitempty"`
	Vrf                        int64             `json:"vrf,omitempty"`
	Labels                     map[string]string `json:"labels,omitempty"`
	AdditionalAnnouncableCIDRs []string          `json:"additionalAnnouncableCIDRs,omitempty"`
}

// MachineSeed describes one machine.
type MachineSeed struct {
	ID          string `json:"id"`
	PartitionID string `json:"partitionID"`
	SizeID      string `json:"sizeID"`
	RackID      string `json:"rackID,omitempty"`
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
}

// ParseSeed reads a seed from YAML (or JSON); unknown keys are errors.
func ParseSeed(data []byte) (Seed, error) {
	var s Seed
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		return Seed{}, fmt.Errorf("parsing seed: %w", err)
	}
	return s, nil
}

// LoadSeedFile reads a seed from a YAML file.
func LoadSeedFile(path string) (Seed, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, fmt.Errorf("reading seed file: %w", err)
	}
	return ParseSeed(data)
}

// YAML renders the seed as YAML, the format ParseSeed reads.
func (s Seed) YAML() ([]byte, error) {
	return yaml.Marshal(s)
}
