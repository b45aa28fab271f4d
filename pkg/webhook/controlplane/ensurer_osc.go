// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

const (
	// PathResolvedConfig is the systemd-resolved drop-in with the DNS servers of an isolated shoot.
	PathResolvedConfig = "/etc/systemd/resolved.conf.d/metal-network-isolation.conf"
	// PathTimesyncdConfig is the systemd-timesyncd drop-in with the NTP servers of an isolated shoot.
	PathTimesyncdConfig = "/etc/systemd/timesyncd.conf.d/metal-network-isolation.conf"

	dockerHubUpstream = "docker.io"
	dockerHubServer   = "https://registry-1.docker.io"
)

// EnsureAdditionalFiles writes the DNS and NTP servers of the partition's network isolation onto the nodes of a
// restricted or forbidden shoot: its firewall drops traffic to any other resolver or time server.
func (e *Ensurer) EnsureAdditionalFiles(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *[]extensionsv1alpha1.File) error {
	return e.ensureIsolationFiles(ctx, gctx, newObj)
}

// EnsureAdditionalProvisionFiles writes the same DNS and NTP servers already when a machine is provisioned, so that
// it can resolve and reach what it downloads before gardener-node-agent applies the reconcile configuration.
func (e *Ensurer) EnsureAdditionalProvisionFiles(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *[]extensionsv1alpha1.File) error {
	return e.ensureIsolationFiles(ctx, gctx, newObj)
}

// EnsureCRIConfig makes containerd pull every image of a restricted or forbidden shoot through the registry
// mirrors of the partition's network isolation, the only registries its firewall lets it reach.
func (e *Ensurer) EnsureCRIConfig(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *extensionsv1alpha1.CRIConfig) error {
	isolation, err := networkIsolationOf(ctx, gctx)
	if err != nil || isolation == nil || len(isolation.RegistryMirrors) == 0 {
		return err
	}
	if newObj == nil || newObj.Containerd == nil {
		// Only reconcile configurations of containerd nodes carry registries.
		return nil
	}
	for _, r := range RegistryConfigs(isolation.RegistryMirrors) {
		idx := slices.IndexFunc(newObj.Containerd.Registries, func(c extensionsv1alpha1.RegistryConfig) bool { return c.Upstream == r.Upstream })
		if idx >= 0 {
			newObj.Containerd.Registries[idx] = r
			continue
		}
		newObj.Containerd.Registries = append(newObj.Containerd.Registries, r)
	}
	return nil
}

func (e *Ensurer) ensureIsolationFiles(ctx context.Context, gctx extensionscontextwebhook.GardenContext, files *[]extensionsv1alpha1.File) error {
	isolation, err := networkIsolationOf(ctx, gctx)
	if err != nil || isolation == nil {
		return err
	}
	for _, f := range IsolationFiles(isolation) {
		*files = extensionswebhook.EnsureFileWithPath(*files, f)
	}
	return nil
}

// IsolationFiles returns the systemd-resolved and systemd-timesyncd drop-ins for the DNS and NTP servers of the
// network isolation (none for an empty list).
func IsolationFiles(isolation *metal.NetworkIsolation) []extensionsv1alpha1.File {
	var files []extensionsv1alpha1.File
	if len(isolation.DNSServers) > 0 {
		// Domain=~. routes every lookup to these servers, also for links that bring resolvers of their own.
		files = append(files, plainFile(PathResolvedConfig, "# Written by gardener-extension-provider-metal: DNS servers of the partition's network isolation.\n[Resolve]\nDNS="+strings.Join(isolation.DNSServers, " ")+"\nDomain=~.\n"))
	}
	if len(isolation.NTPServers) > 0 {
		files = append(files, plainFile(PathTimesyncdConfig, "# Written by gardener-extension-provider-metal: NTP servers of the partition's network isolation.\n[Time]\nNTP="+strings.Join(isolation.NTPServers, " ")+"\n"))
	}
	return files
}

// RegistryConfigs returns containerd's registry configuration for the mirrors: one entry per mirrored registry,
// with the mirror as its only host.
func RegistryConfigs(mirrors []metal.RegistryMirror) []extensionsv1alpha1.RegistryConfig {
	var out []extensionsv1alpha1.RegistryConfig
	for _, m := range mirrors {
		for _, upstream := range m.MirrorOf {
			server := "https://" + upstream
			if upstream == dockerHubUpstream {
				server = dockerHubServer
			}
			host := extensionsv1alpha1.RegistryHost{
				URL:          m.Endpoint,
				Capabilities: []extensionsv1alpha1.RegistryCapability{extensionsv1alpha1.PullCapability, extensionsv1alpha1.ResolveCapability},
			}
			if u, err := url.Parse(m.Endpoint); err == nil && u.Path != "" && u.Path != "/" {
				host.OverridePath = new(true)
			}
			out = append(out, extensionsv1alpha1.RegistryConfig{Upstream: upstream, Server: &server, Hosts: []extensionsv1alpha1.RegistryHost{host}})
		}
	}
	return out
}

// networkIsolationOf returns the network isolation of the shoot's partition when the shoot's network access type is
// restricted or forbidden, nil for baseline shoots.
func networkIsolationOf(ctx context.Context, gctx extensionscontextwebhook.GardenContext) (*metal.NetworkIsolation, error) {
	cluster, err := gctx.GetCluster(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the Cluster: %w", err)
	}
	return NetworkIsolation(cluster)
}

// NetworkIsolation returns the network isolation of the cluster's partition when the shoot's network access type is
// restricted or forbidden, nil for baseline shoots. A restricted or forbidden shoot in a partition without network
// isolation is a configuration problem (admission refuses it): its nodes could not resolve names.
func NetworkIsolation(cluster *extensionscontroller.Cluster) (*metal.NetworkIsolation, error) {
	if cluster.Shoot == nil {
		return nil, nil
	}
	cpConfig, err := helper.ControlPlaneConfigFromRawExtension(cluster.Shoot.Spec.Provider.ControlPlaneConfig)
	if err != nil {
		return nil, fmt.Errorf("decoding the ControlPlaneConfig of shoot %s: %w", cluster.ObjectMeta.Name, err)
	}
	if cpConfig.NetworkAccessType == nil || *cpConfig.NetworkAccessType == metal.NetworkAccessBaseline {
		return nil, nil
	}
	infraConfig, err := helper.InfrastructureConfigFromRawExtension(cluster.Shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, fmt.Errorf("decoding the InfrastructureConfig of shoot %s: %w", cluster.ObjectMeta.Name, err)
	}
	if cluster.CloudProfile == nil {
		return nil, fmt.Errorf("the Cluster %s has no CloudProfile", cluster.ObjectMeta.Name)
	}
	cpc, err := helper.CloudProfileConfigFromRawExtension(cluster.CloudProfile.Spec.ProviderConfig)
	if err != nil {
		return nil, fmt.Errorf("decoding the CloudProfileConfig of shoot %s: %w", cluster.ObjectMeta.Name, err)
	}
	_, mcp, partition, err := helper.FindMetalControlPlane(cpc, infraConfig.PartitionID)
	if err != nil {
		return nil, err
	}
	isolation := helper.NetworkIsolation(mcp, partition)
	if isolation == nil {
		return nil, fmt.Errorf("shoot %s has network access type %s, but partition %q has no network isolation", cluster.ObjectMeta.Name, *cpConfig.NetworkAccessType, infraConfig.PartitionID)
	}
	return isolation, nil
}

func plainFile(path, content string) extensionsv1alpha1.File {
	return extensionsv1alpha1.File{
		Path:        path,
		Permissions: new(uint32(0o644)),
		Content:     extensionsv1alpha1.FileContent{Inline: &extensionsv1alpha1.FileContentInline{Data: content}},
	}
}
