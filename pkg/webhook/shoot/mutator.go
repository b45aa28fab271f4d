// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package shoot

import (
	"context"
	"errors"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/webhook/internal/shootnetwork"
)

// Mutator mutates vpn-shoot and calico-node in the shoot. The webhook handler injects the shoot's Cluster (found through the
// kube-apiserver pod that called); seed reads the shoot's Infrastructure in the seed.
type Mutator struct {
	seed client.Reader
}

var (
	_ extensionswebhook.Mutator            = (*Mutator)(nil)
	_ extensionswebhook.WantsClusterObject = (*Mutator)(nil)
)

// NewMutator returns the mutator; seed reads Infrastructures in the seed.
func NewMutator(seed client.Reader) *Mutator { return &Mutator{seed: seed} }

// WantsClusterObject makes the webhook handler inject the Cluster of the calling shoot.
func (m *Mutator) WantsClusterObject() bool { return true }

// Mutate gives every vpn-shoot container SHOOT_NODE_NETWORKS with every node prefix of the shoot, and, where the
// shoot's calico runs the eBPF dataplane, makes calico-node attach to metal-stack's data interfaces.
func (m *Mutator) Mutate(ctx context.Context, newObj, _ client.Object) error {
	if newObj.GetDeletionTimestamp() != nil {
		return nil
	}
	labels := newObj.GetLabels()
	switch {
	case labels[v1beta1constants.LabelApp] == AppVPNShoot:
		return m.mutateVPNShoot(ctx, newObj)
	case labels[labelK8sApp] == AppCalicoNode:
		return m.mutateCalicoNode(ctx, newObj)
	}
	return nil
}

func (m *Mutator) mutateVPNShoot(ctx context.Context, newObj client.Object) error {
	var ps *corev1.PodSpec
	switch obj := newObj.(type) {
	case *appsv1.Deployment:
		ps = &obj.Spec.Template.Spec
	case *appsv1.StatefulSet:
		ps = &obj.Spec.Template.Spec
	default:
		return nil
	}
	cluster, err := clusterOf(ctx)
	if err != nil {
		return err
	}
	prefixes, err := shootnetwork.NodePrefixes(ctx, m.seed, cluster)
	if err != nil {
		return err
	}
	for i := range ps.Containers {
		if err := ensureVPNShootContainer(&ps.Containers[i], prefixes); err != nil {
			return err
		}
	}
	return nil
}

func (m *Mutator) mutateCalicoNode(ctx context.Context, newObj client.Object) error {
	ds, ok := newObj.(*appsv1.DaemonSet)
	if !ok {
		return nil
	}
	cluster, err := clusterOf(ctx)
	if err != nil {
		return err
	}
	if cluster.Shoot == nil {
		return nil
	}
	ebpf, err := calicoEBPFEnabled(cluster.Shoot)
	if err != nil || !ebpf {
		return err
	}
	if c := extensionswebhook.ContainerWithName(ds.Spec.Template.Spec.Containers, AppCalicoNode); c != nil {
		return ensureCalicoNodeContainer(c)
	}
	return nil
}

func clusterOf(ctx context.Context) (*extensionscontroller.Cluster, error) {
	cluster, ok := ctx.Value(extensionswebhook.ClusterObjectContextKey{}).(*extensionscontroller.Cluster)
	if !ok || cluster == nil {
		return nil, errors.New("no Cluster of the calling shoot in the request context")
	}
	return cluster, nil
}

// ensureVPNShootContainer completes SHOOT_NODE_NETWORKS of a container that has it (the vpn-shoot containers,
// one per VPN server in a highly available VPN).
func ensureVPNShootContainer(c *corev1.Container, prefixes []string) error {
	for _, e := range c.Env {
		if e.Name == shootnetwork.EnvShootNodeNetworks {
			_, err := shootnetwork.EnsureNodeNetworksEnv(c, prefixes)
			return err
		}
	}
	return nil
}
