// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure

import (
	"context"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	reconcilerutils "github.com/gardener/gardener/pkg/controllerutils/reconciler"
	"github.com/go-logr/logr"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

// Delete frees what the shoot holds in the metal-api, found by its cluster tags only: its ephemeral
// (load-balancer) IPs, its egress tags (the static IPs stay), and the node network the extension allocated once
// no machine or firewall uses it; until then it requeues with the users named. A node network the shoot owner
// chose (spec.networking.nodes) carries no cluster label and is never freed. Objects of other clusters are
// never changed.
func (a *actuator) Delete(ctx context.Context, log logr.Logger, infra *extensionsv1alpha1.Infrastructure, cluster *extensionscontroller.Cluster) error {
	s, err := a.prepare(ctx, infra, cluster, false)
	if err != nil {
		return err
	}
	log = log.WithValues("clusterID", s.cluster.ID, "project", s.cluster.ProjectID, "partition", s.cluster.PartitionID)

	released, err := s.client.ReleaseCluster(ctx, s.cluster)
	log.Info("Released metal-api objects of the shoot",
		"freedIPs", released.FreedIPs, "untaggedIPs", released.UntaggedIPs, "freedNetworks", released.FreedNetworks)
	if err == nil {
		return nil
	}
	err = classify(err, "releasing the metal-api objects of %s", s.cluster.Name)
	if metal.IsInUse(err) && !metal.IsConfiguration(err) {
		log.Info("Waiting for the node network to be unused", "reason", err.Error(), "requeueAfter", a.inUseRequeue)
		return &reconcilerutils.RequeueAfterError{Cause: err, RequeueAfter: a.inUseRequeue}
	}
	return err
}
