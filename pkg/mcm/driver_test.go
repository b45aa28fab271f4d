// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm_test

import (
	"context"
	"net/http"
	"net/netip"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/codes"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/machinecodes/status"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// codeOf returns the MCM code of a driver error.
func codeOf(err error) codes.Code {
	GinkgoHelper()
	st, ok := status.FromError(err)
	Expect(ok).To(BeTrue(), "driver error %v is no MCM status", err)
	return st.Code()
}

func machineObj(name string) *machinev1alpha1.Machine {
	return &machinev1alpha1.Machine{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shoot--test--driver"}}
}

var _ = Describe("Driver", func() {
	var (
		drv *mcm.Driver
		c   *cluster
		mc  *machinev1alpha1.MachineClass
	)

	BeforeEach(func(ctx context.Context) {
		drv = mcm.NewDriver(clients, GinkgoLogr)
		c = newCluster(ctx)
		mc = class("shoot--test--driver", "class-a", c.spec(metalapi.MachineSizeID))
		DeferCleanup(func(ctx context.Context) {
			// Whatever a spec leaves behind is freed, so specs do not use up the partition.
			for _, id := range leasedFor(metal.ClusterTag(c.ID)) {
				leases, err := metal.MachineLeasesOf(admin)
				Expect(err).NotTo(HaveOccurred())
				_, err = leases.FreeMachine(ctx, id)
				Expect(err).NotTo(HaveOccurred())
			}
		})
	})

	create := func(ctx context.Context, name string) (*driver.CreateMachineResponse, error) {
		return drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj(name), MachineClass: mc, Secret: secretData()})
	}

	It("leases a machine of the class with an IPv4 and an IPv6 address in the node network, the extra network and the tags", func(ctx context.Context) {
		resp, err := create(ctx, "pool-a-1")
		Expect(err).NotTo(HaveOccurred())

		state := sim.ProjectState(metalapi.DefaultProjectID)
		var leased []string
		for _, m := range state.Machines {
			if !containsString(m.Tags, metal.ClusterTag(c.ID)) {
				continue
			}
			leased = append(leased, *m.ID)
			Expect(*m.Size.ID).To(Equal(metalapi.MachineSizeID))
			Expect(*m.Allocation.Image.ID).To(Equal(metalapi.MachineImageID))
			Expect(*m.Allocation.Hostname).To(Equal("pool-a-1"))
			Expect(*m.Allocation.Name).To(Equal("pool-a-1"))
			Expect(m.Allocation.UserData).To(Equal(userData))
			Expect(m.Tags).To(ContainElements(metal.ClusterTag(c.ID), metal.ClusterNameTag(c.Name), metal.MachineNameTag("pool-a-1"), "worker.gardener.cloud/pool=pool-a"))
			Expect(m.Allocation.Networks).To(HaveLen(2))
			node := m.Allocation.Networks[0]
			Expect(*node.Networkid).To(Equal(c.nodeNetwork.ID))
			Expect(node.Ips).To(HaveLen(2))
			var families []bool
			for _, ip := range node.Ips {
				addr := netip.MustParseAddr(ip)
				families = append(families, addr.Is4())
				Expect(containsPrefix(c.nodeNetwork.Prefixes, addr)).To(BeTrue(), "%s is not in the node network %v", ip, c.nodeNetwork.Prefixes)
			}
			Expect(families).To(ConsistOf(true, false))
			Expect(*m.Allocation.Networks[1].Networkid).To(Equal(metalapi.StorageNetworkID))
			Expect(resp.ProviderID).To(Equal("metal://" + metalapi.DefaultPartitionID + "/" + *m.ID))
		}
		Expect(leased).To(HaveLen(1))
		Expect(resp.NodeName).To(Equal("pool-a-1"))
		Expect(resp.Addresses).To(ContainElement(corev1.NodeAddress{Type: corev1.NodeHostName, Address: "pool-a-1"}))
		Expect(resp.Addresses).To(HaveLen(3), "IPv4, IPv6 and host name")
	})

	It("finds the machine of a Machine again instead of leasing a second one", func(ctx context.Context) {
		first, err := create(ctx, "pool-a-1")
		Expect(err).NotTo(HaveOccurred())
		mark := sim.Mark()
		again, err := create(ctx, "pool-a-1")
		Expect(err).NotTo(HaveOccurred())
		Expect(again.ProviderID).To(Equal(first.ProviderID))
		Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
		Expect(leasedFor(metal.MachineNameTag("pool-a-1"))).To(HaveLen(1))
	})

	It("leases exactly one machine when the answer of the allocation is lost and the create is retried", func(ctx context.Context) {
		sim.DropNextResponses(http.MethodPost, "/v1/machine/allocate", 1)
		first, err := create(ctx, "pool-a-lost")
		// The driver looks once more after a transport error and finds the machine the lost call leased.
		Expect(err).NotTo(HaveOccurred())
		retried, err := create(ctx, "pool-a-lost")
		Expect(err).NotTo(HaveOccurred())
		Expect(retried.ProviderID).To(Equal(first.ProviderID))
		Expect(sim.AllCalls().Count(http.MethodPost, "/v1/machine/allocate")).To(BeNumerically(">=", 1))
		Expect(leasedFor(metal.MachineNameTag("pool-a-lost"))).To(HaveLen(1))
	})

	It("frees a second machine should two have been leased for one Machine", func(ctx context.Context) {
		leases, err := metal.MachineLeasesOf(admin)
		Expect(err).NotTo(HaveOccurred())
		for range 2 {
			_, err := leases.AllocateMachine(ctx, metal.MachineAllocation{
				Name: "pool-a-twice", Hostname: "pool-a-twice", PartitionID: metalapi.DefaultPartitionID, SizeID: metalapi.MachineSizeID,
				ImageID: metalapi.MachineImageID, ProjectID: metalapi.DefaultProjectID, Networks: []string{c.nodeNetwork.ID},
				Tags: []string{metal.ClusterTag(c.ID), metal.MachineNameTag("pool-a-twice")},
			})
			Expect(err).NotTo(HaveOccurred())
		}
		_, err = create(ctx, "pool-a-twice")
		Expect(err).NotTo(HaveOccurred())
		Expect(leasedFor(metal.MachineNameTag("pool-a-twice"))).To(HaveLen(1))
	})

	It("reports the machine by tags and by provider ID, and NotFound before it exists", func(ctx context.Context) {
		get := func(m *machinev1alpha1.Machine) (*driver.GetMachineStatusResponse, error) {
			return drv.GetMachineStatus(ctx, &driver.GetMachineStatusRequest{Machine: m, MachineClass: mc, Secret: secretData()})
		}
		_, err := get(machineObj("pool-a-2"))
		Expect(codeOf(err)).To(Equal(codes.NotFound))

		created, err := create(ctx, "pool-a-2")
		Expect(err).NotTo(HaveOccurred())
		byTags, err := get(machineObj("pool-a-2"))
		Expect(err).NotTo(HaveOccurred())
		Expect(byTags.ProviderID).To(Equal(created.ProviderID))
		Expect(byTags.NodeName).To(Equal("pool-a-2"))

		withID := machineObj("pool-a-2")
		withID.Spec.ProviderID = created.ProviderID
		byID, err := get(withID)
		Expect(err).NotTo(HaveOccurred())
		Expect(byID.Addresses).To(Equal(created.Addresses))
	})

	It("lists exactly the machines of the class's cluster", func(ctx context.Context) {
		a, err := create(ctx, "pool-a-3")
		Expect(err).NotTo(HaveOccurred())
		b, err := create(ctx, "pool-a-4")
		Expect(err).NotTo(HaveOccurred())

		other := newCluster(ctx)
		otherClass := class("shoot--test--other", "class-a", other.spec(metalapi.MachineSizeID))
		otherResp, err := drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj("pool-a-3"), MachineClass: otherClass, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx context.Context) {
			_, err := drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: machineObj("pool-a-3"), MachineClass: otherClass, Secret: secretData()})
			Expect(err).NotTo(HaveOccurred())
		})

		list, err := drv.ListMachines(ctx, &driver.ListMachinesRequest{MachineClass: mc, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		Expect(list.MachineList).To(Equal(map[string]string{a.ProviderID: "pool-a-3", b.ProviderID: "pool-a-4"}))
		Expect(list.MachineList).NotTo(HaveKey(otherResp.ProviderID))
	})

	It("frees the machine on delete, by provider ID or by tags, and treats a machine that is gone as deleted", func(ctx context.Context) {
		created, err := create(ctx, "pool-a-5")
		Expect(err).NotTo(HaveOccurred())
		free := metalapi.DefaultSeed().Partitions[0].FreeMachines[metalapi.MachineSizeID]
		Expect(sim.FreeMachines(metalapi.DefaultPartitionID, metalapi.MachineSizeID)).To(BeNumerically("<", free))

		withID := machineObj("pool-a-5")
		withID.Spec.ProviderID = created.ProviderID
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: withID, MachineClass: mc, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		Expect(leasedFor(metal.MachineNameTag("pool-a-5"))).To(BeEmpty())

		// Again, and for a Machine whose create never got an answer: nothing to free is success.
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: withID, MachineClass: mc, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: machineObj("never-created"), MachineClass: mc, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())

		_, err = create(ctx, "pool-a-6")
		Expect(err).NotTo(HaveOccurred())
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: machineObj("pool-a-6"), MachineClass: mc, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		Expect(leasedFor(metal.ClusterTag(c.ID))).To(BeEmpty())
	})

	It("never frees a machine that another cluster leased meanwhile under the same ID", func(ctx context.Context) {
		created, err := create(ctx, "pool-a-7")
		Expect(err).NotTo(HaveOccurred())
		other := newCluster(ctx)
		otherClass := class("shoot--test--other", "class-a", other.spec(metalapi.MachineSizeID))
		stale := machineObj("pool-a-7")
		stale.Spec.ProviderID = created.ProviderID
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: stale, MachineClass: otherClass, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		Expect(leasedFor(metal.MachineNameTag("pool-a-7"))).To(HaveLen(1))
	})

	DescribeTable("maps failures to MCM codes with messages an operator can act on and no secrets",
		func(ctx context.Context, prepare func() (*machinev1alpha1.MachineClass, *corev1.Secret), want codes.Code, hint string) {
			class, secret := prepare()
			_, err := drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj("failing"), MachineClass: class, Secret: secret})
			Expect(err).To(HaveOccurred())
			Expect(codeOf(err)).To(Equal(want))
			Expect(err.Error()).To(ContainSubstring(hint))
			for _, secretValue := range []string{metalapi.DefaultHMACKey, metalapi.DefaultToken, "wrong-secret-key", userData} {
				Expect(err.Error()).NotTo(ContainSubstring(secretValue))
			}
			Expect(leasedFor(metal.MachineNameTag("failing"))).To(BeEmpty())
		},
		Entry("a size the metal-api does not know", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			return class("ns", "class-huge", c.spec("c2-huge-x86")), secretData()
		}, codes.InvalidArgument, "check size, image"),
		Entry("an invalid providerSpec", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			broken := class("ns", "class-broken", c.spec(metalapi.MachineSizeID))
			broken.ProviderSpec = runtime.RawExtension{Raw: []byte(`{"apiVersion":"` + mcm.ProviderSpecAPIVersion + `","kind":"` + mcm.ProviderSpecKind + `","size":""}`)}
			return broken, secretData()
		}, codes.InvalidArgument, "invalid providerSpec"),
		Entry("no credentials", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			return mc, &corev1.Secret{Data: map[string][]byte{mcm.UserDataKey: []byte(userData)}}
		}, codes.InvalidArgument, metal.SecretKeyHMAC),
		Entry("credentials the metal-api rejects", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			return mc, &corev1.Secret{Data: map[string][]byte{mcm.UserDataKey: []byte(userData), metal.SecretKeyHMAC: []byte("wrong-secret-key")}}
		}, codes.Unauthenticated, "rotate or fix them"),
		Entry("the metal-api failing", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			sim.FailNext("", "", 1, http.StatusServiceUnavailable)
			return mc, secretData()
		}, codes.Unavailable, "unreachable or failing"),
		Entry("the metal-api unreachable", func() (*machinev1alpha1.MachineClass, *corev1.Secret) {
			spec := c.spec(metalapi.MachineSizeID)
			spec.MetalAPIURL = "http://127.0.0.1:1"
			return class("ns", "class-unreachable", spec), secretData()
		}, codes.Unavailable, "unreachable or failing"),
	)

	It("reports ResourceExhausted when the partition has no free machine of the size", func(ctx context.Context) {
		tiny := class("ns", "class-tiny", c.spec(tinySizeID))
		first, err := drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj("tiny-1"), MachineClass: tiny, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		_, err = drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj("tiny-2"), MachineClass: tiny, Secret: secretData()})
		Expect(codeOf(err)).To(Equal(codes.ResourceExhausted))
		Expect(err.Error()).To(And(ContainSubstring(tinySizeID), ContainSubstring("no free machine of this size")))

		withID := machineObj("tiny-1")
		withID.Spec.ProviderID = first.ProviderID
		_, err = drv.DeleteMachine(ctx, &driver.DeleteMachineRequest{Machine: withID, MachineClass: tiny, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
		_, err = drv.CreateMachine(ctx, &driver.CreateMachineRequest{Machine: machineObj("tiny-2"), MachineClass: tiny, Secret: secretData()})
		Expect(err).NotTo(HaveOccurred())
	})

	It("needs no initialization and reports no provider volumes", func(ctx context.Context) {
		_, err := drv.InitializeMachine(ctx, &driver.InitializeMachineRequest{Machine: machineObj("x"), MachineClass: mc, Secret: secretData()})
		Expect(codeOf(err)).To(Equal(codes.Unimplemented))
		vols, err := drv.GetVolumeIDs(ctx, &driver.GetVolumeIDsRequest{PVSpecs: []*corev1.PersistentVolumeSpec{{}}})
		Expect(err).NotTo(HaveOccurred())
		Expect(vols.VolumeIDs).To(BeEmpty())
	})
})

var _ = DescribeTable("MachineIDFromProviderID",
	func(providerID, want string, ok bool) {
		id, found := mcm.MachineIDFromProviderID(providerID)
		Expect(found).To(Equal(ok))
		Expect(id).To(Equal(want))
	},
	Entry("partition and ID", "metal://fra-equ01/7f1b", "7f1b", true),
	Entry("ID only", "metal:///7f1b", "7f1b", true),
	Entry("other provider", "aws:///eu-central-1/i-1", "", false),
	Entry("empty", "", "", false),
	Entry("no ID", "metal://fra-equ01/", "", false),
)

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func containsPrefix(prefixes []netip.Prefix, addr netip.Addr) bool {
	for _, p := range prefixes {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}
