// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

const unitNamespace = "shoot--proj--unit"

// delegateFor builds the delegate of a fixture against a fake seed holding the pools' user data.
func delegateFor(f *fixture, mutate ...func(*extensionsv1alpha1.Worker, *extensionscontroller.Cluster)) *workerDelegate {
	GinkgoHelper()
	scheme := runtime.NewScheme()
	Expect(extensionscontroller.AddToScheme(scheme)).To(Succeed())
	Expect(machinev1alpha1.AddToScheme(scheme)).To(Succeed())
	c := fake.NewClientBuilder().WithScheme(scheme).WithObjects(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "osc-pool-a", Namespace: unitNamespace}, Data: map[string][]byte{"cloud_config": []byte(poolUserData + "a")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "osc-pool-b", Namespace: unitNamespace}, Data: map[string][]byte{"cloud_config": []byte(poolUserData + "b")}},
	).Build()
	cluster, w := f.cluster(), f.worker(unitNamespace)
	for _, m := range mutate {
		m(w, cluster)
	}
	d, err := (&delegateFactory{client: c, machineImages: []configmetal.MachineImage{{Name: "ubuntu", Version: "22.04", Image: "ubuntu-22.04-legacy"}}}).WorkerDelegate(context.Background(), w, cluster)
	Expect(err).NotTo(HaveOccurred())
	return d.(*workerDelegate)
}

// classNames generates the machine configuration and returns the class names.
func classNames(d *workerDelegate) []string {
	GinkgoHelper()
	Expect(d.generate(context.Background())).To(Succeed())
	var names []string
	for _, c := range d.machineClasses {
		names = append(names, c.Name)
	}
	return names
}

var _ = Describe("machine configuration", func() {
	var f *fixture
	BeforeEach(func() { f = newFixture("proj", "unit", "http://metal-api.example.com") })

	It("makes a MachineClass with providerSpec, user data secret and credentials, and a MachineDeployment with all settings per pool", func(ctx context.Context) {
		d := delegateFor(f)
		Expect(d.generate(ctx)).To(Succeed())
		Expect(d.machineClasses).To(HaveLen(2))
		Expect(d.classSecrets).To(HaveLen(2))
		Expect(d.machineDeployments).To(HaveLen(2))
		clusterID := string(f.shoot.Status.UID)

		classA, secretA, mdA := d.machineClasses[0], d.classSecrets[0], d.machineDeployments[0]
		Expect(mdA.Name).To(Equal(unitNamespace + "-pool-a-z1"))
		Expect(classA.Name).To(HavePrefix(mdA.Name + "-"))
		Expect(classA.Provider).To(Equal("metal"))
		Expect(classA.SecretRef).To(Equal(&corev1.SecretReference{Name: classA.Name, Namespace: unitNamespace}))
		Expect(classA.CredentialsSecretRef).To(Equal(&corev1.SecretReference{Name: v1beta1constants.SecretNameCloudProvider, Namespace: unitNamespace}))
		Expect(secretA.Name).To(Equal(classA.Name))
		Expect(secretA.Labels).To(HaveKeyWithValue(v1beta1constants.GardenerPurpose, v1beta1constants.GardenPurposeMachineClass))
		Expect(secretA.Data).To(Equal(map[string][]byte{mcm.UserDataKey: []byte(poolUserData + "a")}))

		specA, err := mcm.DecodeProviderSpec(classA)
		Expect(err).NotTo(HaveOccurred())
		Expect(*specA).To(Equal(mcm.ProviderSpec{
			APIVersion: mcm.ProviderSpecAPIVersion, Kind: mcm.ProviderSpecKind,
			MetalAPIURL: "http://metal-api.example.com", ClusterID: clusterID,
			Partition: metalapi.DefaultPartitionID, Size: metalapi.MachineSizeID, Image: "ubuntu-24.04", Project: metalapi.DefaultProjectID,
			Networks: []string{"node-network"},
			SSHKeys:  []string{sshKey},
			Tags: []string{
				metal.ClusterTag(clusterID), metal.ClusterNameTag(unitNamespace), metal.ClusterProjectTag(metalapi.DefaultProjectID),
				"worker.gardener.cloud/pool=pool-a", "node.example.com/tier=large",
			},
		}))

		Expect(mdA.PoolName).To(Equal("pool-a"))
		Expect(mdA.ClassName).To(Equal(classA.Name))
		Expect(mdA.SecretName).To(Equal(classA.Name))
		Expect(mdA.Minimum).To(Equal(int32(2)))
		Expect(mdA.Maximum).To(Equal(int32(2)))
		Expect(mdA.Priority).To(Equal(new(int32(10))))
		Expect(mdA.Labels).To(Equal(map[string]string{"node.example.com/tier": "large"}))
		Expect(mdA.Annotations).To(Equal(map[string]string{"example.com/owner": "team-a"}))
		Expect(mdA.Taints).To(Equal([]corev1.Taint{{Key: "dedicated", Value: "large", Effect: corev1.TaintEffectNoSchedule}}))
		Expect(mdA.Strategy.Type).To(Equal(machinev1alpha1.RollingUpdateMachineDeploymentStrategyType))
		Expect(*mdA.Strategy.RollingUpdate.MaxSurge).To(Equal(intstr.FromInt32(1)))
		Expect(*mdA.Strategy.RollingUpdate.MaxUnavailable).To(Equal(intstr.FromInt32(0)))

		specB, err := mcm.DecodeProviderSpec(d.machineClasses[1])
		Expect(err).NotTo(HaveOccurred())
		Expect(specB.Size).To(Equal(metalapi.SmallMachineSizeID))
		Expect(specB.Networks).To(Equal([]string{"node-network", metalapi.StorageNetworkID}))
		Expect(specB.Tags).To(ContainElements("worker.gardener.cloud/pool=pool-b", "team=storage"))
		Expect(d.classSecrets[1].Data[mcm.UserDataKey]).To(Equal([]byte(poolUserData + "b")))

		Expect(d.usedImages).To(Equal([]apismetal.MachineImage{{Name: "ubuntu", Version: "24.04", Image: "ubuntu-24.04"}}))
	})

	It("gives isolated shoots the partition's DNS and NTP servers", func(ctx context.Context) {
		f.controlPlane = &metalv1alpha1.ControlPlaneConfig{NetworkAccessType: new(metalv1alpha1.NetworkAccessType("forbidden"))}
		d := delegateFor(f)
		Expect(d.generate(ctx)).To(Succeed())
		spec, err := mcm.DecodeProviderSpec(d.machineClasses[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(spec.DNSServers).To(Equal([]string{"100.64.0.53", "2001:db8:2::53"}))
		Expect(spec.NTPServers).To(Equal([]string{"100.64.0.123", "100.64.1.123", "100.64.2.123"}))
	})

	DescribeTable("keeps class names unless something that needs new machines changed",
		func(change func(*fixture, *extensionsv1alpha1.Worker, *extensionscontroller.Cluster), roll bool) {
			before := classNames(delegateFor(f))
			Expect(classNames(delegateFor(f))).To(Equal(before), "stable across reconciles")
			after := classNames(delegateFor(f, func(w *extensionsv1alpha1.Worker, c *extensionscontroller.Cluster) { change(f, w, c) }))
			if roll {
				Expect(after[0]).NotTo(Equal(before[0]))
			} else {
				Expect(after).To(Equal(before))
			}
		},
		Entry("a rotated SSH key", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.SSHPublicKey = []byte("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEi2y0uGV3S6Pxf4z9hD7mDo0J0sFQ2vG+1mW8jXn7m/ rotated")
		}, false),
		Entry("new pool labels (tags of new machines only)", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].Labels = map[string]string{"node.example.com/tier": "xl"}
		}, false),
		Entry("a scaled pool", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].Minimum, w.Spec.Pools[0].Maximum = 5, 5
		}, false),
		Entry("another machine type", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].MachineType = metalapi.SmallMachineSizeID
		}, true),
		Entry("another image version", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].MachineImage.Version = "22.04"
		}, true),
		Entry("another node network", func(f *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			f.nodeNetwork.ID = "other-node-network"
			w.Spec.InfrastructureProviderStatus = f.worker(unitNamespace).Spec.InfrastructureProviderStatus
		}, true),
		Entry("an additional network", func(_ *fixture, w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].ProviderConfig = raw(metalv1alpha1.WorkerConfig{
				TypeMeta:           metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "WorkerConfig"},
				AdditionalNetworks: []string{metalapi.StorageNetworkID},
			})
		}, true),
		Entry("isolation with other DNS and NTP servers", func(_ *fixture, _ *extensionsv1alpha1.Worker, c *extensionscontroller.Cluster) {
			c.Shoot.Spec.Provider.ControlPlaneConfig = raw(metalv1alpha1.ControlPlaneConfig{
				TypeMeta:          metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "ControlPlaneConfig"},
				NetworkAccessType: new(metalv1alpha1.NetworkAccessType("restricted")),
			})
		}, true),
	)

	Describe("machine images", func() {
		It("maps a version the cloud profile no longer offers through the component configuration, then the Worker's status", func(ctx context.Context) {
			d := delegateFor(f, func(w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
				w.Spec.Pools[0].MachineImage.Version = "22.04"
				w.Spec.Pools[1].MachineImage.Version = "20.04"
				w.Status.ProviderStatus = raw(metalv1alpha1.WorkerStatus{
					TypeMeta:      metav1.TypeMeta{APIVersion: metalv1alpha1.SchemeGroupVersion.String(), Kind: "WorkerStatus"},
					MachineImages: []metalv1alpha1.MachineImage{{Name: "ubuntu", Version: "20.04", Image: "ubuntu-20.04-kept"}},
				})
			})
			Expect(d.generate(ctx)).To(Succeed())
			Expect(d.usedImages).To(Equal([]apismetal.MachineImage{
				{Name: "ubuntu", Version: "22.04", Image: "ubuntu-22.04-legacy"},
				{Name: "ubuntu", Version: "20.04", Image: "ubuntu-20.04-kept"},
			}))
		})

		It("refuses an image version nobody maps", func(ctx context.Context) {
			d := delegateFor(f, func(w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
				w.Spec.Pools[0].MachineImage.Version = "18.04"
			})
			err := d.generate(ctx)
			Expect(err).To(MatchError(ContainSubstring("ubuntu/18.04")))
			Expect(v1beta1helper.ExtractErrorCodes(err)).To(ContainElement(gardencorev1beta1.ErrorConfigurationProblem))
		})
	})

	It("refuses a pool in a zone other than the shoot's partition", func(ctx context.Context) {
		d := delegateFor(f, func(w *extensionsv1alpha1.Worker, _ *extensionscontroller.Cluster) {
			w.Spec.Pools[0].Zones = []string{"other-partition"}
		})
		Expect(d.generate(ctx)).To(MatchError(ContainSubstring(`zone "other-partition"`)))
	})

	It("waits for the Infrastructure's node network", func() {
		f.nodeNetwork.ID = ""
		_, err := newShootConfig(f.worker(unitNamespace), f.cluster())
		Expect(err).To(MatchError(ContainSubstring("has not reported the shoot's node network")))
	})
})
