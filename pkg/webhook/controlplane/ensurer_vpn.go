// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"context"
	"fmt"
	"slices"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/metalgarden/metalgarden/pkg/webhook/internal/shootnetwork"
)

// EnsureVPNSeedServerDeployment gives the vpn-seed-server every node network of the shoot.
func (e *Ensurer) EnsureVPNSeedServerDeployment(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *appsv1.Deployment) error {
	return e.ensureVPNNodeNetworks(ctx, gctx, &newObj.Spec.Template.Spec, true)
}

// EnsureVPNSeedServerStatefulSet gives the vpn-seed-servers of a highly available VPN every node network of the
// shoot.
func (e *Ensurer) EnsureVPNSeedServerStatefulSet(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *appsv1.StatefulSet) error {
	return e.ensureVPNNodeNetworks(ctx, gctx, &newObj.Spec.Template.Spec, true)
}

// ensureVPNNodeNetworks completes SHOOT_NODE_NETWORKS of every container that has it (and of the vpn-seed-server
// container when vpnServer is set) with the node prefixes of the Cluster and the Infrastructure. gardenlet knows a
// node network allocated by the Infrastructure controller only after it updated the shoot's status; until then the
// VPN would not route to the nodes of one of the shoot's families.
func (e *Ensurer) ensureVPNNodeNetworks(ctx context.Context, gctx extensionscontextwebhook.GardenContext, ps *corev1.PodSpec, vpnServer bool) error {
	containers := containersWithEnv(ps, shootnetwork.EnvShootNodeNetworks)
	if vpnServer {
		if c := extensionswebhook.ContainerWithName(ps.Containers, v1beta1constants.DeploymentNameVPNSeedServer); c != nil && !slices.Contains(containers, c) {
			containers = append(containers, c)
		}
	}
	if len(containers) == 0 {
		return nil
	}
	cluster, err := gctx.GetCluster(ctx)
	if err != nil {
		return fmt.Errorf("reading the Cluster: %w", err)
	}
	prefixes, err := shootnetwork.NodePrefixes(ctx, e.client, cluster)
	if err != nil {
		return err
	}
	for _, c := range containers {
		if _, err := shootnetwork.EnsureNodeNetworksEnv(c, prefixes); err != nil {
			return err
		}
	}
	return nil
}
