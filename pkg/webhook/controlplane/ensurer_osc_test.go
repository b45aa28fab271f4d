// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"

	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

var _ = Describe("OperatingSystemConfig network isolation", func() {
	var ensurer *controlplane.Ensurer
	BeforeEach(func() { ensurer = controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{}) })

	existingFile := extensionsv1alpha1.File{Path: "/etc/existing", Content: extensionsv1alpha1.FileContent{Inline: &extensionsv1alpha1.FileContentInline{Data: "x"}}}

	DescribeTable("DNS and NTP servers of the partition for restricted and forbidden shoots, in every OSC",
		func(ctx context.Context, s stack, accessType string) {
			gctx := extensionscontextwebhook.NewInternalGardenContext(newCluster(s, "isolated", accessType))
			for _, ensure := range []func(context.Context, extensionscontextwebhook.GardenContext, *[]extensionsv1alpha1.File, *[]extensionsv1alpha1.File) error{
				ensurer.EnsureAdditionalFiles, ensurer.EnsureAdditionalProvisionFiles,
			} {
				files := []extensionsv1alpha1.File{existingFile}
				Expect(ensure(ctx, gctx, &files, nil)).To(Succeed())
				Expect(ensure(ctx, gctx, &files, nil)).To(Succeed(), "idempotent")
				Expect(files).To(HaveLen(3))
				Expect(files[0]).To(Equal(existingFile))
				Expect(files[1].Path).To(Equal(controlplane.PathResolvedConfig))
				Expect(files[1].Content.Inline.Data).To(ContainSubstring("[Resolve]\nDNS=10.9.0.53 2001:db8:9::53\nDomain=~.\n"))
				Expect(files[2].Path).To(Equal(controlplane.PathTimesyncdConfig))
				Expect(files[2].Content.Inline.Data).To(ContainSubstring("[Time]\nNTP=10.9.0.123 2001:db8:9::123\n"))
				Expect(*files[2].Permissions).To(Equal(uint32(0o644)))
			}
		},
		Entry("dual-stack, restricted", dualStack, "restricted"),
		Entry("dual-stack, forbidden", dualStack, "forbidden"),
		Entry("IPv4-only, restricted", ipv4Only, "restricted"),
		Entry("IPv4-only, forbidden", ipv4Only, "forbidden"),
		Entry("IPv6-only, restricted", ipv6Only, "restricted"),
		Entry("IPv6-only, forbidden", ipv6Only, "forbidden"),
	)

	DescribeTable("containerd pulls through the partition's registry mirrors",
		func(ctx context.Context, s stack, accessType string) {
			gctx := extensionscontextwebhook.NewInternalGardenContext(newCluster(s, "isolated", accessType))
			cri := &extensionsv1alpha1.CRIConfig{Name: extensionsv1alpha1.CRINameContainerD, Containerd: &extensionsv1alpha1.ContainerdConfig{
				SandboxImage: "pause",
				Registries:   []extensionsv1alpha1.RegistryConfig{{Upstream: "docker.io", Hosts: []extensionsv1alpha1.RegistryHost{{URL: "https://elsewhere"}}}, {Upstream: "quay.io"}},
			}}
			Expect(ensurer.EnsureCRIConfig(ctx, gctx, cri, nil)).To(Succeed())
			Expect(ensurer.EnsureCRIConfig(ctx, gctx, cri, nil)).To(Succeed())
			host := extensionsv1alpha1.RegistryHost{URL: "https://registry.example.com", Capabilities: []extensionsv1alpha1.RegistryCapability{"pull", "resolve"}}
			Expect(cri.Containerd.Registries).To(Equal([]extensionsv1alpha1.RegistryConfig{
				{Upstream: "docker.io", Server: new("https://registry-1.docker.io"), Hosts: []extensionsv1alpha1.RegistryHost{host}},
				{Upstream: "quay.io"},
				{Upstream: "ghcr.io", Server: new("https://ghcr.io"), Hosts: []extensionsv1alpha1.RegistryHost{host}},
			}))
		},
		Entry("dual-stack, restricted", dualStack, "restricted"),
		Entry("IPv4-only, forbidden", ipv4Only, "forbidden"),
		Entry("IPv6-only, forbidden", ipv6Only, "forbidden"),
	)

	DescribeTable("baseline shoots keep their OSCs as they are",
		func(ctx context.Context, s stack, accessType string) {
			gctx := extensionscontextwebhook.NewInternalGardenContext(newCluster(s, "isolated", accessType))
			files := []extensionsv1alpha1.File{existingFile}
			Expect(ensurer.EnsureAdditionalFiles(ctx, gctx, &files, nil)).To(Succeed())
			Expect(files).To(Equal([]extensionsv1alpha1.File{existingFile}))
			cri := &extensionsv1alpha1.CRIConfig{Name: extensionsv1alpha1.CRINameContainerD, Containerd: &extensionsv1alpha1.ContainerdConfig{}}
			Expect(ensurer.EnsureCRIConfig(ctx, gctx, cri, nil)).To(Succeed())
			Expect(cri.Containerd.Registries).To(BeEmpty())
		},
		Entry("dual-stack, no ControlPlaneConfig", dualStack, ""),
		Entry("IPv4-only, baseline", ipv4Only, "baseline"),
		Entry("IPv6-only, baseline", ipv6Only, "baseline"),
	)

	It("refuses a restricted shoot in a partition without network isolation", func(ctx context.Context) {
		gctx := extensionscontextwebhook.NewInternalGardenContext(newCluster(dualStack, "open", "restricted"))
		var files []extensionsv1alpha1.File
		Expect(ensurer.EnsureAdditionalFiles(ctx, gctx, &files, nil)).To(MatchError(ContainSubstring(`partition "open" has no network isolation`)))
	})
})
