// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// These tests are plain Go tests beside the Ginkgo suite so that they run in parallel with it (t.Parallel on both):
// a sandbox run mostly waits, most of it on machine-controller-manager's fixed 5 s retries while it deletes the
// machines, so two runs side by side take little longer than one.

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

func startInstallation(t *testing.T, seed func(*example, *metalapi.Seed)) *installation {
	t.Helper()
	g := NewWithT(t)
	root, err := testenv.ModuleDir("")
	g.Expect(err).NotTo(HaveOccurred())
	ex, err := loadExample(filepath.Join(root, "example"))
	g.Expect(err).NotTo(HaveOccurred())
	metalSeed, err := ex.metalSeed(1)
	g.Expect(err).NotTo(HaveOccurred())
	if seed != nil {
		seed(ex, &metalSeed)
	}
	metalConfig := metalapi.SandboxConfig()
	metalConfig.Seed = metalSeed
	metalConfig.HMAC = []metalapi.HMACCredential{{Key: externalHMAC}}
	simCtx, cancel := context.WithCancel(context.Background())
	inst := &installation{ex: ex}
	inst.metal, err = metalapi.Start(simCtx, metalConfig)
	g.Expect(err).NotTo(HaveOccurred())
	ontapSeed := ex.ontapSeed()
	inst.ontap, err = ontapapi.Start(simCtx, ontapapi.Config{Seed: &ontapSeed, AdminUser: externalONTAPUser, AdminPassword: externalONTAPPassword})
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() {
		cancel()
		g.Expect(inst.metal.Close()).To(Succeed())
		g.Expect(inst.ontap.Close()).To(Succeed())
	})
	return inst
}

func (inst *installation) options(t *testing.T) Options {
	return Options{
		Once:     true,
		Delete:   true,
		Dir:      t.TempDir(),
		Timeout:  90 * time.Second,
		Log:      t.Output(),
		MetalAPI: &MetalAPIEndpoint{URL: inst.metal.URL(), HMAC: externalHMAC},
		ONTAP: &ONTAPEndpoint{
			Address: inst.ontap.Address(), Username: externalONTAPUser, Password: externalONTAPPassword, CABundle: inst.ontap.CACert(),
		},
	}
}

func TestAgainstARealInstallation(t *testing.T) {
	t.Parallel()

	t.Run("runs the shoot against it without starting its simulators, and finds leftovers through the clients", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		inst := startInstallation(t, nil)
		project := inst.ex.infra.ProjectID
		var (
			out     testenv.LogBuffer
			running *Sandbox
			svm     string
		)
		opts := inst.options(t)
		opts.Out = io.MultiWriter(&out, t.Output())
		opts.OnReady = func(_ context.Context, sb *Sandbox, summary *Summary) error {
			running = sb
			t.Log("starting no simulator of its own")
			g.Expect(sb.MetalAPI).To(BeNil())
			g.Expect(sb.ONTAP).To(BeNil())

			t.Log("building the shoot in the external metal-api and ONTAP cluster")
			g.Expect(summary.Shoots).To(HaveLen(1))
			sh := summary.Shoots[0]
			held := inst.metal.LeftoversForCluster(metal.ClusterTag(sh.UID))
			g.Expect(held.Networks).To(Equal([]string{sh.NodeNetwork.ID}))
			g.Expect(held.Machines).NotTo(BeEmpty())
			svm = ontapcontroller.SVMName(sh.UID)
			g.Expect(sh.SVM.Name).To(Equal(svm))
			g.Expect(slices.ContainsFunc(inst.ontap.State().SVMs, func(s ontapapi.SVMState) bool { return s.Name == svm })).To(BeTrue())

			t.Log("seeing the live shoot's objects through the clients")
			live := sb.Leftovers()
			g.Expect(live).To(HaveLen(2))
			g.Expect(live[0]).To(HavePrefix("metal-api: cluster " + sh.UID))
			for _, id := range append(held.Networks, held.Machines...) {
				g.Expect(live[0]).To(ContainSubstring(id))
			}
			g.Expect(live[1]).To(Equal("ONTAP: svm " + svm + " of " + sb.Shoots[0].Namespace))
			return nil
		}
		g.Expect(Run(ctx, opts)).To(Succeed())
		g.Expect(out.String()).To(ContainSubstring("Using the metal-api " + inst.metal.URL() + " (HMAC) instead of the simulator"))
		g.Expect(out.String()).To(ContainSubstring("project " + project + "; partition " + inst.ex.infra.PartitionID + "; sizes "))
		g.Expect(out.String()).To(ContainSubstring("ONTAP cluster " + inst.ontap.Address() + " answers: " + inst.ex.ontapClusterName()))
		g.Expect(out.String()).To(ContainSubstring("nothing of them is left in the metal-api or on ONTAP"))
		g.Expect(out.String()).NotTo(Or(ContainSubstring(externalHMAC), ContainSubstring(externalONTAPPassword)))
		g.Expect(running).NotTo(BeNil())
		g.Expect(running.Leftovers()).To(BeEmpty())
		g.Expect(inst.metal.ProjectState(project).Machines).To(BeEmpty(), "the external metal-api agrees")
		g.Expect(inst.ontap.State().SVMs).To(BeEmpty(), "the external ONTAP cluster agrees")

		t.Log("reporting an IP and an SVM of the deleted shoot that somebody left behind")
		uid := running.Shoots[0].UID()
		mc, err := metal.NewClient(inst.metal.URL(), metal.HMAC(externalHMAC, ""), metal.DefaultClientConfig())
		g.Expect(err).NotTo(HaveOccurred())
		planted, err := mc.AllocateIP(ctx, metal.IPAllocation{
			NetworkID: metalapi.InternetNetworkID, ProjectID: project, Type: metal.IPTypeStatic, Tags: []string{metal.ClusterTag(uid)},
		})
		g.Expect(err).NotTo(HaveOccurred())
		oc, err := ontap.NewClient(ontap.ClientConfig{
			Name: "external", Address: inst.ontap.Address(), Username: externalONTAPUser, Password: externalONTAPPassword, CABundle: inst.ontap.CACert(),
		})
		g.Expect(err).NotTo(HaveOccurred())
		_, err = oc.EnsureSVM(ctx, ontap.SVMSpec{Name: svm})
		g.Expect(err).NotTo(HaveOccurred())
		left := running.Leftovers()
		g.Expect(left).To(Equal([]string{
			"metal-api: cluster " + uid + " (" + running.Shoots[0].Namespace + ") in project " + project + ": ips [" + planted.Address.String() + "]",
			"ONTAP: svm " + svm + " of " + running.Shoots[0].Namespace,
		}))

		t.Log("reporting nothing once they are gone")
		g.Expect(mc.FreeIP(ctx, planted.Address.String())).To(Succeed())
		g.Expect(oc.DeleteSVM(ctx, svm)).To(Succeed())
		g.Expect(running.Leftovers()).To(BeEmpty())
	})

	t.Run("fails early, naming what the metal-api lacks of the example", func(t *testing.T) {
		t.Parallel()
		g := NewWithT(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		inst := startInstallation(t, func(ex *example, seed *metalapi.Seed) {
			// The operator forgot the firewall's size and the ONTAP data network.
			seed.Sizes = slices.DeleteFunc(seed.Sizes, func(s metalapi.SizeSeed) bool { return s.ID == ex.infra.Firewall.Size })
			delete(seed.Partitions[0].FreeMachines, ex.infra.Firewall.Size)
			seed.Networks = slices.DeleteFunc(seed.Networks, func(n metalapi.NetworkSeed) bool { return n.ID == ex.ontapConfig.DataNetworkID })
		})
		var out testenv.LogBuffer
		opts := inst.options(t)
		opts.Out = &out
		err := Run(ctx, opts)
		g.Expect(err).To(MatchError(ContainSubstring("lacks what the example")))
		g.Expect(err.Error()).To(HaveSuffix(": size " + inst.ex.infra.Firewall.Size + ", network " + inst.ex.ontapConfig.DataNetworkID))
		g.Expect(out.String()).To(ContainSubstring("it must offer the example's project " + inst.ex.infra.ProjectID))
		g.Expect(filepath.Join(opts.Dir, "seed.kubeconfig")).NotTo(BeAnExistingFile(), "no API server was started")
		g.Expect(inst.metal.CallsSince(0).Writes()).To(BeEmpty(), "the metal-api was only read")
	})
}
