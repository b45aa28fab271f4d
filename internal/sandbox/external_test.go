// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// Credentials of the stand-ins for a real installation; the sandbox must use these, the simulators' defaults
// would be refused.
const (
	externalHMAC          = "external-installation-hmac"
	externalONTAPUser     = "cluster-admin"
	externalONTAPPassword = "external-installation-password"
)

// installation stands in for a real metal-api and ONTAP cluster: simulators the test starts itself, seeded as an
// operator would have prepared the installation for the example.
type installation struct {
	ex    *example
	metal *metalapi.Server
	ontap *ontapapi.Server
}

func startInstallation(ctx context.Context, seed func(*example, *metalapi.Seed)) *installation {
	GinkgoHelper()
	root, err := testenv.ModuleDir("")
	Expect(err).NotTo(HaveOccurred())
	ex, err := loadExample(filepath.Join(root, "example"))
	Expect(err).NotTo(HaveOccurred())
	metalSeed, err := ex.metalSeed(1)
	Expect(err).NotTo(HaveOccurred())
	if seed != nil {
		seed(ex, &metalSeed)
	}
	metalConfig := metalapi.SandboxConfig()
	metalConfig.Seed = metalSeed
	metalConfig.HMAC = []metalapi.HMACCredential{{Key: externalHMAC}}
	simCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	inst := &installation{ex: ex}
	inst.metal, err = metalapi.Start(simCtx, metalConfig)
	Expect(err).NotTo(HaveOccurred())
	ontapSeed := ex.ontapSeed()
	inst.ontap, err = ontapapi.Start(simCtx, ontapapi.Config{Seed: &ontapSeed, AdminUser: externalONTAPUser, AdminPassword: externalONTAPPassword})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() {
		cancel()
		Expect(inst.metal.Close()).To(Succeed())
		Expect(inst.ontap.Close()).To(Succeed())
	})
	return inst
}

func (inst *installation) options() Options {
	return Options{
		Once:     true,
		Delete:   true,
		Dir:      GinkgoT().TempDir(),
		Timeout:  90 * time.Second,
		Log:      GinkgoWriter,
		MetalAPI: &MetalAPIEndpoint{URL: inst.metal.URL(), HMAC: externalHMAC},
		ONTAP: &ONTAPEndpoint{
			Address: inst.ontap.Address(), Username: externalONTAPUser, Password: externalONTAPPassword, CABundle: inst.ontap.CACert(),
		},
	}
}

var _ = Describe("Sandbox against a real metal-api and ONTAP cluster", func() {
	It("runs the shoot against them without starting its simulators, and finds leftovers through the clients", func(ctx SpecContext) {
		inst := startInstallation(ctx, nil)
		project := inst.ex.infra.ProjectID
		var (
			out     testenv.LogBuffer
			running *Sandbox
			svm     string
		)
		opts := inst.options()
		opts.Out = io.MultiWriter(&out, GinkgoWriter)
		opts.OnReady = func(_ context.Context, sb *Sandbox, summary *Summary) error {
			running = sb
			By("starting no simulator of its own")
			Expect(sb.MetalAPI).To(BeNil())
			Expect(sb.ONTAP).To(BeNil())

			By("building the shoot in the external metal-api and ONTAP cluster")
			Expect(summary.Shoots).To(HaveLen(1))
			sh := summary.Shoots[0]
			held := inst.metal.LeftoversForCluster(metal.ClusterTag(sh.UID))
			Expect(held.Networks).To(Equal([]string{sh.NodeNetwork.ID}))
			Expect(held.Machines).NotTo(BeEmpty())
			svm = ontapcontroller.SVMName(sh.UID)
			Expect(sh.SVM.Name).To(Equal(svm))
			Expect(slices.ContainsFunc(inst.ontap.State().SVMs, func(s ontapapi.SVMState) bool { return s.Name == svm })).To(BeTrue())

			By("seeing the live shoot's objects through the clients")
			live := sb.Leftovers()
			Expect(live).To(HaveLen(2))
			Expect(live[0]).To(HavePrefix("metal-api: cluster " + sh.UID))
			for _, id := range append(held.Networks, held.Machines...) {
				Expect(live[0]).To(ContainSubstring(id))
			}
			Expect(live[1]).To(Equal("ONTAP: svm " + svm + " of " + sb.Shoots[0].Namespace))
			return nil
		}
		Expect(Run(ctx, opts)).To(Succeed())
		Expect(out.String()).To(ContainSubstring("Using the metal-api " + inst.metal.URL() + " (HMAC) instead of the simulator"))
		Expect(out.String()).To(ContainSubstring("project " + project + "; partition " + inst.ex.infra.PartitionID + "; sizes "))
		Expect(out.String()).To(ContainSubstring("ONTAP cluster " + inst.ontap.Address() + " answers: " + inst.ex.ontapClusterName()))
		Expect(out.String()).To(ContainSubstring("nothing of them is left in the metal-api or on ONTAP"))
		Expect(out.String()).NotTo(Or(ContainSubstring(externalHMAC), ContainSubstring(externalONTAPPassword)))
		Expect(running).NotTo(BeNil())
		Expect(running.Leftovers()).To(BeEmpty())
		Expect(inst.metal.ProjectState(project).Machines).To(BeEmpty(), "the external metal-api agrees")
		Expect(inst.ontap.State().SVMs).To(BeEmpty(), "the external ONTAP cluster agrees")

		By("reporting an IP and an SVM of the deleted shoot that somebody left behind")
		uid := running.Shoots[0].UID()
		mc, err := metal.NewClient(inst.metal.URL(), metal.HMAC(externalHMAC, ""), metal.DefaultClientConfig())
		Expect(err).NotTo(HaveOccurred())
		planted, err := mc.AllocateIP(ctx, metal.IPAllocation{
			NetworkID: metalapi.InternetNetworkID, ProjectID: project, Type: metal.IPTypeStatic, Tags: []string{metal.ClusterTag(uid)},
		})
		Expect(err).NotTo(HaveOccurred())
		oc, err := ontap.NewClient(ontap.ClientConfig{
			Name: "external", Address: inst.ontap.Address(), Username: externalONTAPUser, Password: externalONTAPPassword, CABundle: inst.ontap.CACert(),
		})
		Expect(err).NotTo(HaveOccurred())
		_, err = oc.EnsureSVM(ctx, ontap.SVMSpec{Name: svm})
		Expect(err).NotTo(HaveOccurred())
		left := running.Leftovers()
		Expect(left).To(Equal([]string{
			"metal-api: cluster " + uid + " (" + running.Shoots[0].Namespace + ") in project " + project + ": ips [" + planted.Address.String() + "]",
			"ONTAP: svm " + svm + " of " + running.Shoots[0].Namespace,
		}))

		By("reporting nothing once they are gone")
		Expect(mc.FreeIP(ctx, planted.Address.String())).To(Succeed())
		Expect(oc.DeleteSVM(ctx, svm)).To(Succeed())
		Expect(running.Leftovers()).To(BeEmpty())
	}, NodeTimeout(3*time.Minute))

	It("fails early, naming what the metal-api lacks of the example", func(ctx SpecContext) {
		inst := startInstallation(ctx, func(ex *example, seed *metalapi.Seed) {
			// The operator forgot the firewall's size and the ONTAP data network.
			seed.Sizes = slices.DeleteFunc(seed.Sizes, func(s metalapi.SizeSeed) bool { return s.ID == ex.infra.Firewall.Size })
			delete(seed.Partitions[0].FreeMachines, ex.infra.Firewall.Size)
			seed.Networks = slices.DeleteFunc(seed.Networks, func(n metalapi.NetworkSeed) bool { return n.ID == ex.ontapConfig.DataNetworkID })
		})
		var out testenv.LogBuffer
		opts := inst.options()
		opts.Out = &out
		err := Run(ctx, opts)
		Expect(err).To(MatchError(ContainSubstring("lacks what the example")))
		Expect(err.Error()).To(HaveSuffix(": size " + inst.ex.infra.Firewall.Size + ", network " + inst.ex.ontapConfig.DataNetworkID))
		Expect(out.String()).To(ContainSubstring("it must offer the example's project " + inst.ex.infra.ProjectID))
		Expect(filepath.Join(opts.Dir, "seed.kubeconfig")).NotTo(BeAnExistingFile(), "no API server was started")
		Expect(inst.metal.CallsSince(0).Writes()).To(BeEmpty(), "the metal-api was only read")
	}, NodeTimeout(time.Minute))
})
