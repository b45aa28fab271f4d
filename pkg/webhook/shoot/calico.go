// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	corev1 "k8s.io/api/core/v1"
)

const (
	// AppCalicoNode is the k8s-app label of calico's node DaemonSet.
	AppCalicoNode = "calico-node"
	// EnvBPFDataIfacePattern is felix's setting of the interfaces its eBPF programs attach to.
	EnvBPFDataIfacePattern = "FELIX_BPFDATAIFACEPATTERN"
	// MetalDataIfacePattern matches the data interfaces of metal-stack machines (lan0, lan1, ...), which calico's
	// default pattern (en*, eth*, ...) misses: with the eBPF dataplane, traffic through them would bypass calico.
	MetalDataIfacePattern = `^lan[0-9]+$`
	// calicoDefaultBPFDataIfacePattern is felix's default, which the metal pattern extends.
	calicoDefaultBPFDataIfacePattern = `^((en|wl|ww|sl|ib)[Popsx].*|(eth|wlan|wwan).*|tunl0$|vxlan.calico$|vxlan-v6.calico$|wireguard.cali$|wg-v6.cali$|egress.calico$)`
)

// calicoNetworkConfig holds the fields of calico's NetworkConfig (shoot.spec.networking.providerConfig) that the
// webhook looks at.
type calicoNetworkConfig struct {
	EBPFDataplane *struct {
		Enabled bool `json:"enabled"`
	} `json:"ebpfDataplane,omitempty"`
}

// calicoEBPFEnabled reports whether the shoot's calico runs the eBPF dataplane.
func calicoEBPFEnabled(shoot *gardencorev1beta1.Shoot) (bool, error) {
	n := shoot.Spec.Networking
	if n == nil || n.Type == nil || *n.Type != "calico" || n.ProviderConfig == nil || len(n.ProviderConfig.Raw) == 0 {
		return false, nil
	}
	cfg := &calicoNetworkConfig{}
	if err := json.Unmarshal(n.ProviderConfig.Raw, cfg); err != nil {
		return false, fmt.Errorf("decoding the calico network config of shoot %s: %w", shoot.Name, err)
	}
	return cfg.EBPFDataplane != nil && cfg.EBPFDataplane.Enabled, nil
}

// ensureCalicoNodeContainer makes felix attach its eBPF programs to metal-stack's data interfaces too: a pattern
// that does not match lan0 yet (felix's default or one the calico extension set) is extended by MetalDataIfacePattern.
func ensureCalicoNodeContainer(c *corev1.Container) error {
	idx := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == EnvBPFDataIfacePattern })
	pattern := calicoDefaultBPFDataIfacePattern
	if idx >= 0 {
		pattern = c.Env[idx].Value
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("%s of %s: %w", EnvBPFDataIfacePattern, c.Name, err)
	}
	if re.MatchString("lan0") {
		return nil
	}
	env := corev1.EnvVar{Name: EnvBPFDataIfacePattern, Value: "(" + MetalDataIfacePattern + ")|(" + pattern + ")"}
	if idx >= 0 {
		c.Env[idx] = env
		return nil
	}
	c.Env = append(c.Env, env)
	return nil
}
