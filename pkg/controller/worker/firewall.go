// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/controllerutils"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// FirewallDeploymentName is the name of the shoot's FirewallDeployment in its namespace of the seed, where
// firewall-controller-manager (FCM) expects it.
const FirewallDeploymentName = "shoot-firewall"

// FirewallDeploymentLabel labels the template of the shoot's FirewallDeployment, with the deployment's name as
// value, and is its selector.
const FirewallDeploymentLabel = "metal.provider.extensions.gardener.cloud/firewall-deployment"

// firewallSpec is the part of a FirewallDeployment the Worker controller owns; FCM defaults the rest (user data,
// rule interval) and writes the status.
type firewallSpec struct {
	replicas   int
	autoUpdate fcmv2.FirewallAutoUpdate
	template   fcmv2.FirewallSpec
}

// firewallSpecFor computes the desired firewall of a shoot from its InfrastructureConfig, ControlPlaneConfig and
// the cloud profile: size, image, partition, project, the node network and the firewall's external networks,
// rate limits, egress rules, internal prefixes (all families of the node, pod and service networks), the
// firewall-controller release (auto resolves to the newest supported one) and the nftables exporter, the SSH key,
// and for the restricted and forbidden network access types the partition's DNS server and allowed networks.
// A hibernated shoot has no firewall.
func firewallSpecFor(s *shootConfig, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) (*firewallSpec, error) {
	fw := s.infra.Firewall
	release, err := metalhelper.ResolveFirewallControllerVersion(s.mcp, fw.ControllerVersion)
	if err != nil {
		return nil, configurationProblem(err)
	}
	if err := s.isolationError(); err != nil {
		return nil, err
	}

	out := &firewallSpec{
		replicas:   1,
		autoUpdate: fcmv2.FirewallAutoUpdate{MachineImage: fw.AutoUpdateMachineImage},
		template: fcmv2.FirewallSpec{
			Size:                   fw.Size,
			Image:                  fw.Image,
			Partition:              s.infra.PartitionID,
			Project:                s.infra.ProjectID,
			Networks:               appendUnique([]string{s.nodeNetworkID}, fw.Networks...),
			InternalPrefixes:       internalPrefixes(s, cluster),
			ControllerVersion:      release.Version,
			ControllerURL:          release.URL,
			LogAcceptedConnections: fw.LogAcceptedConnections,
		},
	}
	if extensionscontroller.IsHibernationEnabled(cluster) {
		out.replicas = 0
	}
	for _, rl := range fw.RateLimits {
		out.template.RateLimits = append(out.template.RateLimits, fcmv2.RateLimit{NetworkID: rl.NetworkID, Rate: rl.RateLimit})
	}
	for _, rule := range fw.EgressRules {
		out.template.EgressRules = append(out.template.EgressRules, fcmv2.EgressRuleSNAT{NetworkID: rule.NetworkID, IPs: slices.Clone(rule.IPs)})
	}
	if exporter := s.mcp.NftablesExporter; exporter != nil {
		out.template.NftablesExporterVersion, out.template.NftablesExporterURL = exporter.Version, exporter.URL
	}
	if key := strings.TrimSpace(string(w.Spec.SSHPublicKey)); key != "" {
		out.template.SSHPublicKeys = []string{key}
	}
	if isolation := s.isolation(); isolation != nil {
		if len(isolation.DNSServers) > 0 {
			out.template.DNSServerAddress = isolation.DNSServers[0]
		}
		out.template.AllowedNetworks = fcmv2.AllowedNetworks{
			Ingress: slices.Clone(isolation.AllowedNetworks.Ingress),
			Egress:  slices.Clone(isolation.AllowedNetworks.Egress),
		}
	}
	return out, nil
}

// internalPrefixes are the prefixes whose traffic the firewall counts as internal: the node network and the
// shoot's pod and service networks, in every IP family of the shoot.
func internalPrefixes(s *shootConfig, cluster *extensionscontroller.Cluster) []string {
	out := slices.Clone(s.nodePrefixes)
	shoot := cluster.Shoot
	if st := shoot.Status.Networking; st != nil && (len(st.Pods) > 0 || len(st.Services) > 0) {
		return appendUnique(out, append(slices.Clone(st.Pods), st.Services...)...)
	}
	if n := shoot.Spec.Networking; n != nil {
		for _, p := range []*string{n.Pods, n.Services} {
			if p != nil {
				out = appendUnique(out, *p)
			}
		}
	}
	return out
}

// appendUnique appends the values that are not in the slice yet.
func appendUnique(s []string, values ...string) []string {
	for _, v := range values {
		if v != "" && !slices.Contains(s, v) {
			s = append(s, v)
		}
	}
	return s
}

// ensureFirewallDeployment creates or updates the shoot's FirewallDeployment; an unchanged one is not written.
func ensureFirewallDeployment(ctx context.Context, c client.Client, namespace string, spec *firewallSpec) error {
	deploy := &fcmv2.FirewallDeployment{ObjectMeta: metav1.ObjectMeta{Name: FirewallDeploymentName, Namespace: namespace}}
	if _, err := controllerutils.GetAndCreateOrMergePatch(ctx, c, deploy, func() error {
		deploy.Spec.Replicas = spec.replicas
		// firewall-controller-manager refuses a FirewallDeployment without a selector that matches the template's
		// labels, and both are immutable once set.
		if deploy.Spec.Selector == nil {
			deploy.Spec.Selector = map[string]string{FirewallDeploymentLabel: FirewallDeploymentName}
			deploy.Spec.Template.Labels = map[string]string{FirewallDeploymentLabel: FirewallDeploymentName}
		}
		if deploy.Spec.Strategy == "" {
			deploy.Spec.Strategy = fcmv2.StrategyRollingUpdate
		}
		deploy.Spec.AutoUpdate = spec.autoUpdate
		t := &deploy.Spec.Template.Spec
		d := spec.template
		t.Size, t.Image, t.Partition, t.Project, t.Networks = d.Size, d.Image, d.Partition, d.Project, d.Networks
		t.RateLimits, t.EgressRules, t.InternalPrefixes = d.RateLimits, d.EgressRules, d.InternalPrefixes
		t.ControllerVersion, t.ControllerURL = d.ControllerVersion, d.ControllerURL
		t.NftablesExporterVersion, t.NftablesExporterURL = d.NftablesExporterVersion, d.NftablesExporterURL
		t.LogAcceptedConnections, t.SSHPublicKeys = d.LogAcceptedConnections, d.SSHPublicKeys
		t.DNSServerAddress, t.AllowedNetworks = d.DNSServerAddress, d.AllowedNetworks
		return nil
	}); err != nil {
		return fmt.Errorf("applying FirewallDeployment %s/%s: %w", namespace, FirewallDeploymentName, err)
	}
	return nil
}

// deleteFirewallDeployment deletes the shoot's FirewallDeployment and tells whether it is gone. FCM frees the
// firewalls and then removes its finalizer.
func deleteFirewallDeployment(ctx context.Context, c client.Client, namespace string) (bool, error) {
	deploy := &fcmv2.FirewallDeployment{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy); err != nil {
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, err
	}
	if deploy.DeletionTimestamp == nil {
		if err := c.Delete(ctx, deploy); client.IgnoreNotFound(err) != nil {
			return false, fmt.Errorf("deleting FirewallDeployment %s/%s: %w", namespace, FirewallDeploymentName, err)
		}
	}
	err := c.Get(ctx, client.ObjectKeyFromObject(deploy), deploy)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	return false, err
}
