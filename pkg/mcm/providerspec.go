// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	// ProviderName is the provider of the machine classes this driver serves (MachineClass.provider).
	ProviderName = metal.ProviderType
	// ProviderSpecAPIVersion is the apiVersion of the ProviderSpec documents this driver reads.
	ProviderSpecAPIVersion = "mcm.metal.provider.extensions.gardener.cloud/v1alpha1"
	// ProviderSpecKind is the kind of the ProviderSpec documents this driver reads.
	ProviderSpecKind = "MachineProviderSpec"
	// UserDataKey is the key of the user data in the machine class secret (machine-controller-manager's
	// convention).
	UserDataKey = "userData"
)

// ProviderSpec is the providerSpec of a MachineClass of provider metal: everything a machine allocation needs
// besides the user data and the metal-api credentials, which come from the class's secrets.
type ProviderSpec struct {
	// APIVersion and Kind name the document: ProviderSpecAPIVersion and ProviderSpecKind.
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	// MetalAPIURL is the endpoint of the metal-api that serves the partition.
	MetalAPIURL string `json:"metalAPIURL"`
	// ClusterID is the shoot's cluster ID: the machines of the class carry its cluster tag and are found by it.
	ClusterID string `json:"clusterID"`
	// Partition, Size, Image and Project of the machines.
	Partition string `json:"partition"`
	Size      string `json:"size"`
	Image     string `json:"image"`
	Project   string `json:"project"`
	// Networks are the networks of the machines: the shoot's node network first, then the pool's additional
	// networks.
	Networks []string `json:"networks"`
	// SSHKeys are authorized public SSH keys.
	SSHKeys []string `json:"sshKeys,omitempty"`
	// DNSServers and NTPServers override the partition's defaults (isolated clusters).
	DNSServers []string `json:"dnsServers,omitempty"`
	NTPServers []string `json:"ntpServers,omitempty"`
	// Tags are put on every machine of the class ("key=value"); they include the cluster tag. The driver adds
	// the tag with the MCM machine name itself.
	Tags []string `json:"tags"`
}

// ClusterTag is the cluster tag of the spec's cluster.
func (s *ProviderSpec) ClusterTag() string { return metal.ClusterTag(s.ClusterID) }

// Encode serializes the spec for a MachineClass, setting apiVersion and kind.
func (s ProviderSpec) Encode() ([]byte, error) {
	s.APIVersion, s.Kind = ProviderSpecAPIVersion, ProviderSpecKind
	return json.Marshal(s)
}

// DecodeProviderSpec reads and validates the providerSpec of a machine class. Unknown fields are errors: a class
// written for a newer driver must not be half understood. The error describes what is wrong with the class.
func DecodeProviderSpec(class *machinev1alpha1.MachineClass) (*ProviderSpec, error) {
	if class == nil {
		return nil, errors.New("no machine class given")
	}
	if class.Provider != "" && class.Provider != ProviderName {
		return nil, fmt.Errorf("machine class %s is for provider %q, this driver serves %q", class.Name, class.Provider, ProviderName)
	}
	if len(class.ProviderSpec.Raw) == 0 {
		return nil, fmt.Errorf("machine class %s has no providerSpec", class.Name)
	}
	dec := json.NewDecoder(bytes.NewReader(class.ProviderSpec.Raw))
	dec.DisallowUnknownFields()
	spec := &ProviderSpec{}
	if err := dec.Decode(spec); err != nil {
		return nil, fmt.Errorf("machine class %s has an unreadable providerSpec: %w", class.Name, err)
	}
	if err := spec.Validate(); err != nil {
		return nil, fmt.Errorf("machine class %s has an invalid providerSpec: %w", class.Name, err)
	}
	return spec, nil
}

// Validate checks a spec; the error lists every problem.
func (s *ProviderSpec) Validate() error {
	var errs []error
	if s.APIVersion != ProviderSpecAPIVersion || s.Kind != ProviderSpecKind {
		errs = append(errs, fmt.Errorf("apiVersion/kind is %q/%q, want %q/%q", s.APIVersion, s.Kind, ProviderSpecAPIVersion, ProviderSpecKind))
	}
	if u, err := url.Parse(s.MetalAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("metalAPIURL %q is no http(s) URL", s.MetalAPIURL))
	}
	for _, f := range []struct{ name, value string }{
		{"clusterID", s.ClusterID}, {"partition", s.Partition}, {"size", s.Size}, {"image", s.Image}, {"project", s.Project},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("%s is empty", f.name))
		}
	}
	if len(s.Networks) == 0 {
		errs = append(errs, errors.New("networks is empty; the node network must come first"))
	}
	seen := map[string]bool{}
	for _, n := range s.Networks {
		if n == "" || seen[n] {
			errs = append(errs, fmt.Errorf("networks holds an empty or repeated network %q", n))
		}
		seen[n] = true
	}
	// The metal-api's own limits, so that a class it would reject fails here with a clear message.
	if len(s.DNSServers) > 3 {
		errs = append(errs, fmt.Errorf("dnsServers holds %d servers, the metal-api accepts at most 3", len(s.DNSServers)))
	}
	if n := len(s.NTPServers); n > 0 && (n < 3 || n > 5) {
		errs = append(errs, fmt.Errorf("ntpServers holds %d servers, the metal-api accepts none (the partition's defaults) or 3 to 5", n))
	}
	for _, ip := range s.DNSServers {
		if _, err := netip.ParseAddr(ip); err != nil {
			errs = append(errs, fmt.Errorf("dnsServers holds %q, which is no IP address", ip))
		}
	}
	for _, t := range s.Tags {
		if t == "" {
			errs = append(errs, errors.New("tags holds an empty tag"))
		}
	}
	return errors.Join(errs...)
}
