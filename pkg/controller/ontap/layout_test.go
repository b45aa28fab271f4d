// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
)

var _ = Describe("SVM and LIF layout", func() {
	Describe("SVMName", func() {
		It("is deterministic, collision-free and valid for ONTAP", func() {
			a, b := SVMName("6a3c2f55-8f0e-11ef-9c1b-005056bb1234"), SVMName("6a3c2f55-8f0e-11ef-9c1b-005056bb1235")
			Expect(a).To(Equal(SVMName("6a3c2f55-8f0e-11ef-9c1b-005056bb1234")))
			Expect(a).NotTo(Equal(b))
			Expect(a).To(MatchRegexp(`^shoot_[0-9a-f]{32}$`))
			Expect(len(a)).To(BeNumerically("<=", 47))
		})
	})

	nodes := []string{"node-02", "node-01"}
	names := func(lifs []lif) []string {
		var out []string
		for _, l := range lifs {
			out = append(out, fmt.Sprintf("%s@%s:%s=%s", l.name, l.homeNode, l.servicePolicy(), l.address))
		}
		return out
	}

	DescribeTable("desiredLIFs",
		func(svm *apisontap.SVMConfig, protocols []apisontap.Protocol, want []string) {
			lifs, err := desiredLIFs(svm, protocols, nodes)
			Expect(err).NotTo(HaveOccurred())
			Expect(names(lifs)).To(Equal(want))
		},
		Entry("one NVMe/TCP LIF per node and the management LIF on the first node", nil, []apisontap.Protocol{apisontap.ProtocolNVMeTCP}, []string{
			"mgmt@node-01:default-management=invalid IP",
			"nvme_1_1@node-01:default-data-nvme-tcp=invalid IP",
			"nvme_2_1@node-02:default-data-nvme-tcp=invalid IP",
		}),
		Entry("two LIFs per node and protocol", &apisontap.SVMConfig{LIFsPerNode: new(int32(2))}, []apisontap.Protocol{apisontap.ProtocolISCSI, apisontap.ProtocolNFS}, []string{
			"iscsi_1_1@node-01:default-data-iscsi=invalid IP",
			"iscsi_1_2@node-01:default-data-iscsi=invalid IP",
			"iscsi_2_1@node-02:default-data-iscsi=invalid IP",
			"iscsi_2_2@node-02:default-data-iscsi=invalid IP",
			"mgmt@node-01:default-management=invalid IP",
			"nfs_1_1@node-01:default-data-files=invalid IP",
			"nfs_1_2@node-01:default-data-files=invalid IP",
			"nfs_2_1@node-02:default-data-files=invalid IP",
			"nfs_2_2@node-02:default-data-files=invalid IP",
		}),
		Entry("explicit addresses dealt to the protocols and nodes in turn", &apisontap.SVMConfig{
			DataLIFAddresses:     []string{"10.1.0.1", "10.1.0.2", "10.1.0.3", "2001:db8::4"},
			ManagementLIFAddress: new("10.1.0.9"),
		}, []apisontap.Protocol{apisontap.ProtocolNVMeTCP, apisontap.ProtocolNFS}, []string{
			"mgmt@node-01:default-management=10.1.0.9",
			"nfs_1_1@node-01:default-data-files=10.1.0.2",
			"nfs_2_1@node-02:default-data-files=2001:db8::4",
			"nvme_1_1@node-01:default-data-nvme-tcp=10.1.0.1",
			"nvme_2_1@node-02:default-data-nvme-tcp=10.1.0.3",
		}),
	)

	It("needs nodes to home LIFs on", func() {
		_, err := desiredLIFs(nil, []apisontap.Protocol{apisontap.ProtocolNVMeTCP}, nil)
		Expect(err).To(MatchError(ContainSubstring("no nodes")))
	})
})

var _ = Describe("credentials", func() {
	It("generates strong passwords of letters and digits", func() {
		seen := map[string]bool{}
		for range 50 {
			pw, err := generatePassword()
			Expect(err).NotTo(HaveOccurred())
			Expect(pw).To(MatchRegexp(`^[A-Za-z0-9]{32}$`))
			Expect(pw).To(MatchRegexp(`[a-z]`))
			Expect(pw).To(MatchRegexp(`[A-Z]`))
			Expect(pw).To(MatchRegexp(`[0-9]`))
			Expect(seen).NotTo(HaveKey(pw))
			seen[pw] = true
		}
	})

	It("never prints the password", func() {
		c := credentials{username: "trident", password: "Very-secret-1", cluster: "a", svm: "s"}
		for _, s := range []string{c.String(), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c)} {
			Expect(s).NotTo(ContainSubstring("Very-secret-1"))
		}
	})
})

var _ = Describe("shoot resources", func() {
	cfg := func(protocols ...apisontap.Protocol) shootConfig {
		return shootConfig{
			svm:      "shoot_x",
			config:   &apisontap.OntapConfig{Protocols: protocols, StorageClasses: []apisontap.StorageClass{{Name: "sc", Protocol: protocols[0], Default: true}}},
			dataLIFs: []storageLIF{{name: "nvme_1_1", protocol: apisontap.ProtocolNVMeTCP, address: netip.MustParseAddr("10.0.0.1")}},
			mgmtLIF:  netip.MustParseAddr("10.0.0.9"),
			username: "trident",
			password: "Pw-1",
			images:   images{operator: "op:1", trident: "t:1", autosupport: "a:1", nodePrep: "b:1", pause: "p:1", sidecarRegistry: "r"},
		}
	}

	It("renders the same ManagedResource data for the same configuration", func() {
		first, err := tridentResources(cfg(apisontap.ProtocolNVMeTCP))
		Expect(err).NotTo(HaveOccurred())
		second, err := tridentResources(cfg(apisontap.ProtocolNVMeTCP))
		Expect(err).NotTo(HaveOccurred())
		Expect(second).To(Equal(first))

		storage1, err := storageResources(cfg(apisontap.ProtocolNVMeTCP))
		Expect(err).NotTo(HaveOccurred())
		storage2, err := storageResources(cfg(apisontap.ProtocolNVMeTCP))
		Expect(err).NotTo(HaveOccurred())
		Expect(storage2).To(Equal(storage1))
	})

	DescribeTable("node preparation",
		func(protocols []apisontap.Protocol, want, notWant []string) {
			script := nodePrepScript(protocols)
			Expect(strings.Split(script, "\n")[0]).To(Equal("set -eu"))
			for _, w := range want {
				Expect(script).To(ContainSubstring(w))
			}
			for _, n := range notWant {
				Expect(script).NotTo(ContainSubstring(n))
			}
		},
		Entry("NVMe/TCP", []apisontap.Protocol{apisontap.ProtocolNVMeTCP}, []string{"modprobe nvme-tcp"}, []string{"iscsi", "nfs"}),
		Entry("iSCSI", []apisontap.Protocol{apisontap.ProtocolISCSI}, []string{"modprobe iscsi_tcp", "systemctl enable --now iscsid.service"}, []string{"nvme", "nfs"}),
		Entry("NFS", []apisontap.Protocol{apisontap.ProtocolNFS}, []string{"modprobe nfs"}, []string{"nvme", "iscsi"}),
	)

	It("finds the images in the embedded image vector, with the Trident version override", func() {
		vector, err := ImageVector()
		Expect(err).NotTo(HaveOccurred())
		imgs, err := findImages(vector, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(imgs.trident).To(Equal("docker.io/netapp/trident:24.06.0"))
		Expect(imgs.sidecarRegistry).To(Equal("registry.k8s.io/sig-storage"))
		imgs, err = findImages(vector, "24.10.0")
		Expect(err).NotTo(HaveOccurred())
		Expect(imgs.operator).To(Equal("docker.io/netapp/trident-operator:24.10.0"))
		Expect(imgs.pause).To(Equal("registry.k8s.io/pause:3.10"))
	})

	It("honours IMAGEVECTOR_OVERWRITE", func() {
		path := filepath.Join(GinkgoT().TempDir(), "images.yaml")
		Expect(os.WriteFile(path, []byte("images:\n- name: trident\n  repository: mirror.example.com/netapp/trident\n  tag: \"24.06.1\"\n"), 0o600)).To(Succeed())
		GinkgoT().Setenv("IMAGEVECTOR_OVERWRITE", path)
		vector, err := ImageVector()
		Expect(err).NotTo(HaveOccurred())
		imgs, err := findImages(vector, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(imgs.trident).To(Equal("mirror.example.com/netapp/trident:24.06.1"))
		Expect(imgs.operator).To(Equal("docker.io/netapp/trident-operator:24.06.0"))
	})
})
