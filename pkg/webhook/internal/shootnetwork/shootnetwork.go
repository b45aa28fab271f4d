// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package shootnetwork gathers what the webhooks of provider-metal need to know about a shoot's networks: every
// prefix of its node network, wherever gardenlet or the Infrastructure controller recorded it.
package shootnetwork

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// EnvShootNodeNetworks is the environment variable through which Gardener's VPN components (vpn-seed-server, the
// kube-apiserver's vpn-client sidecars and vpn-shoot) learn the shoot's node networks, comma separated.
const EnvShootNodeNetworks = "SHOOT_NODE_NETWORKS"

// NodePrefixes returns every prefix of the shoot's node network, without duplicates, in the order first found:
// the shoot's spec and status (what gardenlet knows), then the Infrastructure's status and providerStatus (what
// the Infrastructure controller allocated, which reaches the shoot's status only on a later reconcile). A missing
// Infrastructure is not an error: the shoot then has only the node network it names itself.
func NodePrefixes(ctx context.Context, c client.Reader, cluster *extensionscontroller.Cluster) ([]string, error) {
	var found []string
	if shoot := cluster.Shoot; shoot != nil {
		if n := shoot.Spec.Networking; n != nil && n.Nodes != nil {
			found = append(found, *n.Nodes)
		}
		if n := shoot.Status.Networking; n != nil {
			found = append(found, n.Nodes...)
		}
	}

	if cluster.Shoot != nil && c != nil {
		infra := &extensionsv1alpha1.Infrastructure{}
		key := client.ObjectKey{Namespace: cluster.ObjectMeta.Name, Name: cluster.Shoot.Name}
		switch err := c.Get(ctx, key, infra); {
		case apierrors.IsNotFound(err):
		case err != nil:
			return nil, fmt.Errorf("reading Infrastructure %s: %w", key, err)
		default:
			if infra.Status.Networking != nil {
				found = append(found, infra.Status.Networking.Nodes...)
			}
			if infra.Status.NodesCIDR != nil {
				found = append(found, *infra.Status.NodesCIDR)
			}
			if infra.Status.ProviderStatus != nil {
				status, err := helper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
				if err != nil {
					return nil, fmt.Errorf("decoding the providerStatus of Infrastructure %s: %w", key, err)
				}
				if status.NodeNetwork != nil {
					found = append(found, status.NodeNetwork.Prefixes...)
				}
			}
		}
	}
	return Union(nil, found)
}

// Union returns the prefixes of existing followed by those of add that are not among them yet, each in canonical
// form. Existing values keep their place, so that a value a component already has does not change its order (which
// would roll its pods).
func Union(existing, add []string) ([]string, error) {
	var (
		out  []string
		seen = map[netip.Prefix]bool{}
	)
	for _, s := range slices.Concat(existing, add) {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, fmt.Errorf("parsing node network %q: %w", s, err)
		}
		p = p.Masked()
		if seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p.String())
	}
	return out, nil
}

// EnsureNodeNetworksEnv makes the container's SHOOT_NODE_NETWORKS hold every one of prefixes, keeping the
// networks it already names. It reports whether the container had the variable before.
func EnsureNodeNetworksEnv(c *corev1.Container, prefixes []string) (bool, error) {
	idx := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == EnvShootNodeNetworks })
	var existing []string
	if idx >= 0 && c.Env[idx].Value != "" {
		existing = strings.Split(c.Env[idx].Value, ",")
	}
	merged, err := Union(existing, prefixes)
	if err != nil {
		return idx >= 0, fmt.Errorf("container %s: %w", c.Name, err)
	}
	env := corev1.EnvVar{Name: EnvShootNodeNetworks, Value: strings.Join(merged, ",")}
	if idx >= 0 {
		c.Env[idx] = env
		return true, nil
	}
	c.Env = append(c.Env, env)
	return false, nil
}
