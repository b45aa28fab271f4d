package testenv_test

import (
	"context"
	"os"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/testenv"
)

// crdOf reads the CRD manifest behind a CRD reference.
func crdOf(ref testenv.CRD) *apiextensionsv1.CustomResourceDefinition {
	paths, err := testenv.Paths([]testenv.CRD{ref})
	Expect(err).NotTo(HaveOccurred())
	data, err := os.ReadFile(paths[0])
	Expect(err).NotTo(HaveOccurred())
	crd := &apiextensionsv1.CustomResourceDefinition{}
	Expect(yaml.Unmarshal(data, crd)).To(Succeed())
	Expect(crd.Spec.Names.Kind).NotTo(BeEmpty(), "manifest %s is not a CRD", ref.Path)
	return crd
}

var _ = Describe("control plane", func() {
	all := append(testenv.SeedCRDs(), append(testenv.ShootCRDs, testenv.OperatorCRDs...)...)

	It("serves every installed CRD in each of its served versions", func(ctx context.Context) {
		Expect(all).To(HaveLen(18))
		for _, ref := range all {
			crd := crdOf(ref)
			for _, version := range crd.Spec.Versions {
				if !version.Served {
					continue
				}
				list := &unstructured.UnstructuredList{}
				list.SetGroupVersionKind(schema.GroupVersionKind{Group: crd.Spec.Group, Version: version.Name, Kind: crd.Spec.Names.ListKind})
				Expect(env.Client.List(ctx, list)).To(Succeed(), "listing %s %s", crd.Name, version.Name)
			}
			stored := &apiextensionsv1.CustomResourceDefinition{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Name: crd.Name}, stored)).To(Succeed())
			Expect(stored.Status.Conditions).To(ContainElement(And(
				HaveField("Type", apiextensionsv1.Established),
				HaveField("Status", apiextensionsv1.ConditionTrue),
			)), "CRD %s is not established", crd.Name)
		}
	})

	It("reports the version the binaries were built with", func() {
		dc, err := newDiscovery()
		Expect(err).NotTo(HaveOccurred())
		info, err := dc.ServerVersion()
		Expect(err).NotTo(HaveOccurred())
		Expect(info.GitVersion).To(Equal("v1.35.5"))
	})
})

var _ = Describe("shoot fixtures", func() {
	It("writes a namespace and Cluster that Gardener's extension library reads back", func(ctx context.Context) {
		shoot := testenv.NewShoot(testenv.ShootSpec{
			Project:    "dev",
			Name:       "fixture",
			IPFamilies: []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6},
			Extensions: []gardencorev1beta1.Extension{{Type: "ontap"}},
		})
		cloudProfile := testenv.NewCloudProfile([]byte(`{"apiVersion":"v1","kind":"Anything"}`), gardencorev1beta1.CloudProfileSpec{Regions: []gardencorev1beta1.Region{{Name: "local"}}})
		seed := testenv.NewSeed("seed")

		namespace, err := testenv.CreateShoot(ctx, env.Client, shoot, cloudProfile, seed)
		Expect(err).NotTo(HaveOccurred())
		Expect(namespace).To(Equal("shoot--dev--fixture"))

		ns := &corev1.Namespace{}
		Expect(env.Client.Get(ctx, client.ObjectKey{Name: namespace}, ns)).To(Succeed())
		Expect(ns.Labels).To(And(
			HaveKeyWithValue(v1beta1constants.GardenRole, v1beta1constants.GardenRoleShoot),
			HaveKeyWithValue(v1beta1constants.LabelShootProvider, "metal"),
			HaveKeyWithValue(v1beta1constants.LabelNetworkingProvider, "calico"),
			HaveKeyWithValue("extensions.gardener.cloud/ontap", "true"),
		))

		cluster, err := extensionscontroller.GetCluster(ctx, env.Client, namespace)
		Expect(err).NotTo(HaveOccurred())
		Expect(cluster.Shoot.Status.UID).To(Equal(shoot.UID))
		Expect(cluster.Shoot.Spec.Networking.IPFamilies).To(ConsistOf(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6))
		Expect(cluster.CloudProfile.Spec.Type).To(Equal("metal"))
		Expect(cluster.Seed.Spec.Provider.Type).To(Equal("metal"))

		shoot.Spec.Hibernation = &gardencorev1beta1.Hibernation{Enabled: new(true)}
		Expect(testenv.UpdateClusterShoot(ctx, env.Client, shoot)).To(Succeed())
		cluster, err = extensionscontroller.GetCluster(ctx, env.Client, namespace)
		Expect(err).NotTo(HaveOccurred())
		Expect(extensionscontroller.IsHibernationEnabled(cluster)).To(BeTrue())
	})
})
