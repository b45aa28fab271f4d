// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm_test

import (
	"context"
	"net/http"
	"time"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/mcm/mcmtest"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("MCM's machine controller with the metal driver", Ordered, func() {
	const namespace = "shoot--test--mcm"
	var c *cluster

	BeforeAll(func(ctx context.Context) {
		c = newCluster(ctx)
		Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}})).To(Succeed())
		Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "cloudprovider", Namespace: namespace}, Data: credentials})).To(Succeed())
		for name, size := range map[string]string{"class-large": metalapi.MachineSizeID, "class-tiny": tinySizeID} {
			Expect(env.Client.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace}, Data: map[string][]byte{mcm.UserDataKey: []byte(userData)}})).To(Succeed())
			Expect(env.Client.Create(ctx, class(namespace, name, c.spec(size)))).To(Succeed())
		}

		mcmCtx, stop := context.WithCancel(context.Background())
		DeferCleanup(stop)
		Expect(mcmtest.Start(mcmCtx, mcmtest.Options{
			Namespace: namespace,
			Driver:    mcm.NewDriver(clients, GinkgoLogr),
			Config:    env.Config,
			// A MachineClass resync looks at the class's Machines again; MCM retries a machine that waits for
			// capacity after 10 minutes otherwise.
			ResyncPeriod: 3 * time.Second,
		})).To(Succeed())
	})

	newMachine := func(ctx context.Context, name, className string) {
		GinkgoHelper()
		Expect(env.Client.Create(ctx, &machinev1alpha1.Machine{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
			Spec:       machinev1alpha1.MachineSpec{Class: machinev1alpha1.ClassSpec{Kind: "MachineClass", Name: className}},
		})).To(Succeed())
	}
	machine := func(ctx context.Context, name string) func() *machinev1alpha1.Machine {
		return func() *machinev1alpha1.Machine {
			m := &machinev1alpha1.Machine{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, m)).To(Succeed())
			return m
		}
	}
	running := HaveField("Status.CurrentStatus.Phase", machinev1alpha1.MachineRunning)

	It("brings Machines to Running, each with its own leased machine", func(ctx context.Context) {
		newMachine(ctx, "large-1", "class-large")
		newMachine(ctx, "large-2", "class-large")
		for _, name := range []string{"large-1", "large-2"} {
			Eventually(machine(ctx, name)).WithTimeout(time.Minute).Should(running)
			m := machine(ctx, name)()
			ids := leasedFor(metal.MachineNameTag(name))
			Expect(ids).To(HaveLen(1))
			Expect(m.Spec.ProviderID).To(Equal("metal://" + metalapi.DefaultPartitionID + "/" + ids[0]))
			Expect(m.Labels).To(HaveKeyWithValue(machinev1alpha1.NodeLabelKey, name))
		}
	})

	It("leases exactly one machine for a Machine whose allocation answer got lost", func(ctx context.Context) {
		mark := sim.Mark()
		sim.DropNextResponses(http.MethodPost, "/v1/machine/allocate", 1)
		newMachine(ctx, "large-lost", "class-large")
		Eventually(machine(ctx, "large-lost")).WithTimeout(time.Minute).Should(running)
		Expect(sim.CallsSince(mark).Count(http.MethodPost, "/v1/machine/allocate")).To(Equal(1))
		Expect(leasedFor(metal.MachineNameTag("large-lost"))).To(HaveLen(1))
	})

	It("reports on the Machine that no machine of the size is free and proceeds when one becomes free", func(ctx context.Context) {
		// Somebody else holds the partition's only tiny machine.
		other := newCluster(ctx)
		leases, err := metal.MachineLeasesOf(admin)
		Expect(err).NotTo(HaveOccurred())
		blocker, err := leases.AllocateMachine(ctx, metal.MachineAllocation{
			Name: "blocker", PartitionID: metalapi.DefaultPartitionID, SizeID: tinySizeID, ImageID: metalapi.MachineImageID,
			ProjectID: metalapi.DefaultProjectID, Networks: []string{other.nodeNetwork.ID}, Tags: []string{metal.ClusterTag(other.ID)},
		})
		Expect(err).NotTo(HaveOccurred())

		newMachine(ctx, "tiny-1", "class-tiny")
		Eventually(machine(ctx, "tiny-1")).WithTimeout(time.Minute).Should(And(
			HaveField("Status.LastOperation.ErrorCode", codes.ResourceExhausted.String()),
			HaveField("Status.LastOperation.Description", And(ContainSubstring(tinySizeID), ContainSubstring("no free machine of this size"))),
			HaveField("Status.CurrentStatus.Phase", machinev1alpha1.MachineCrashLoopBackOff),
		))
		Expect(leasedFor(metal.MachineNameTag("tiny-1"))).To(BeEmpty())

		freed, err := leases.FreeMachine(ctx, blocker.ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(freed).To(BeTrue())
		Eventually(machine(ctx, "tiny-1")).WithTimeout(time.Minute).Should(running)
		Expect(leasedFor(metal.MachineNameTag("tiny-1"))).To(HaveLen(1))
	})

	It("frees every machine when the Machines are deleted", func(ctx context.Context) {
		Expect(env.Client.DeleteAllOf(ctx, &machinev1alpha1.Machine{}, client.InNamespace(namespace))).To(Succeed())
		Eventually(func(g Gomega) {
			list := &machinev1alpha1.MachineList{}
			g.Expect(env.Client.List(ctx, list, client.InNamespace(namespace))).To(Succeed())
			g.Expect(list.Items).To(BeEmpty())
		}).WithTimeout(2 * time.Minute).Should(Succeed())
		Expect(sim.LeftoversForCluster(metal.ClusterTag(c.ID)).Machines).To(BeEmpty())
	})
})
