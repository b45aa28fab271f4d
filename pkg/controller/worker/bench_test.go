// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"syscall"
	"testing"
	"time"

	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/klog/v2"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const (
	// benchShoots is the number of shoots, each with one Worker of two pools (the fixture's sizes).
	benchShoots = 10
	// benchMachinesPerPool makes 10 machines per shoot, 100 in all: 50 of either size, which is exactly what
	// the simulator's sandbox seed has free.
	benchMachinesPerPool = 5
	benchMachines        = benchShoots * 2 * benchMachinesPerPool
)

// BenchmarkMachines100 creates 10 Workers at once, 100 machines in all, in one envtest with the Worker controller
// (5 workers), and per shoot machine-controller-manager's controllers with the metal driver in-process, as
// gardenlet's MCM and its provider sidecar run them, against the metal-api simulator. It reports the seconds until
// all 100 Machines are Running, the metal-api calls and writes per machine until all Workers are reconciled, the
// seconds until deleting the Workers freed every machine and the calls per machine for that, and the peak RSS of
// the test process. Only the creation is timed (ns/op); with -v it logs the calls per endpoint.
func BenchmarkMachines100(b *testing.B) {
	logf.SetLogger(logr.Discard())
	// MCM logs through klog; errors (e.g. update conflicts) would go to stderr as well.
	klogFlags := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(klogFlags)
	for name, value := range map[string]string{"logtostderr": "false", "stderrthreshold": "FATAL"} {
		if err := klogFlags.Set(name, value); err != nil {
			b.Fatal(err)
		}
	}
	klog.SetOutput(io.Discard)
	// The package's helpers assert with Gomega's global Expect, as in the Ginkgo suite.
	RegisterFailHandler(func(message string, _ ...int) { b.Fatal(message) })

	b.StopTimer()
	startEnvironment(metalapi.SandboxConfig(), b.Cleanup)
	for i := range b.N {
		runMachinesBenchmark(b, fmt.Sprintf("b%d", i))
	}
}

func runMachinesBenchmark(b *testing.B, run string) {
	ctx := context.Background()
	c := env.Client

	// What gardenlet and the Infrastructure controller do before the Workers, and MCM per shoot (not measured).
	fixtures := make([]*fixture, benchShoots)
	namespaces := make([]string, benchShoots)
	identities := make([]metal.Cluster, benchShoots)
	for i := range benchShoots {
		f := newFixture("bench", fmt.Sprintf("%s-%d", run, i), sim.URL())
		for p := range f.pools {
			f.pools[p].Minimum, f.pools[p].Maximum = benchMachinesPerPool, benchMachinesPerPool
		}
		namespace, identity, stopMCM := prepareShoot(ctx, c, f, logr.Discard())
		defer stopMCM()
		fixtures[i], namespaces[i], identities[i] = f, namespace, identity
	}
	inRun := func(namespace string) bool { return strings.HasPrefix(namespace, "shoot--bench--"+run+"-") }

	mark := sim.Mark()
	start := time.Now()
	b.StartTimer()
	for i, f := range fixtures {
		Expect(c.Create(ctx, f.worker(namespaces[i]))).To(Succeed())
	}
	Eventually(func(g Gomega) int {
		list := &machinev1alpha1.MachineList{}
		g.Expect(c.List(ctx, list)).To(Succeed())
		running := 0
		for _, m := range list.Items {
			if inRun(m.Namespace) && m.Status.CurrentStatus.Phase == machinev1alpha1.MachineRunning {
				running++
			}
		}
		return running
	}).WithTimeout(10 * time.Minute).WithPolling(100 * time.Millisecond).Should(Equal(benchMachines))
	b.StopTimer()
	runningSeconds := time.Since(start).Seconds()
	for i, f := range fixtures {
		reconciled(ctx, c, namespaces[i], f.name, "", 5*time.Minute)
	}
	calls := sim.CallsSince(mark)

	if testing.Verbose() {
		b.Logf("metal-api calls until all Workers were reconciled:\n%s", calls)
	}

	// Exactly one leased machine per Machine, each with the Machine's name tag.
	for i, identity := range identities {
		leasedNames := map[string]int{}
		for _, m := range leased(sim, metalapi.DefaultProjectID, metal.ClusterTag(identity.ID)) {
			leasedNames[m.hostname]++
		}
		Expect(leasedNames).To(HaveLen(2*benchMachinesPerPool), "shoot %s", namespaces[i])
		for _, m := range machines(ctx, c, namespaces[i]) {
			Expect(leasedNames).To(HaveKeyWithValue(m.Name, 1), "Machine %s/%s", m.Namespace, m.Name)
		}
	}

	// Clean up: deleting the Workers frees every machine; the Infrastructure would free the node networks.
	mark = sim.Mark()
	start = time.Now()
	for i, f := range fixtures {
		Expect(c.Delete(ctx, getWorker(ctx, c, namespaces[i], f.name))).To(Succeed())
	}
	Eventually(func(g Gomega) int {
		list := &extensionsv1alpha1.WorkerList{}
		g.Expect(c.List(ctx, list)).To(Succeed())
		return len(list.Items)
	}).WithTimeout(10 * time.Minute).WithPolling(100 * time.Millisecond).Should(BeZero())
	freedSeconds := time.Since(start).Seconds()
	freeCalls := sim.CallsSince(mark)
	if testing.Verbose() {
		b.Logf("metal-api calls until the Workers were gone:\n%s", freeCalls)
	}
	for _, identity := range identities {
		Expect(sim.LeftoversForCluster(metal.ClusterTag(identity.ID)).Machines).To(BeEmpty())
		_, err := admin.ReleaseCluster(ctx, identity)
		Expect(err).NotTo(HaveOccurred())
		left := sim.LeftoversForCluster(metal.ClusterTag(identity.ID))
		Expect(left.Empty()).To(BeTrue(), left.String())
	}
	for _, size := range []string{metalapi.MachineSizeID, metalapi.SmallMachineSizeID} {
		Expect(sim.FreeMachines(metalapi.DefaultPartitionID, size)).To(Equal(metalapi.SandboxSeed().Partitions[0].FreeMachines[size]))
	}

	b.ReportMetric(runningSeconds, "s-to-all-running")
	b.ReportMetric(float64(len(calls))/benchMachines, "calls/machine")
	b.ReportMetric(float64(len(calls.Writes()))/benchMachines, "writes/machine")
	b.ReportMetric(freedSeconds, "s-to-all-freed")
	b.ReportMetric(float64(len(freeCalls))/benchMachines, "free-calls/machine")
	var usage syscall.Rusage
	Expect(syscall.Getrusage(syscall.RUSAGE_SELF, &usage)).To(Succeed())
	b.ReportMetric(float64(usage.Maxrss)/1024, "peak-RSS-MiB") // Maxrss is in KiB on Linux
}
