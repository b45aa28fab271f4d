// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
	webhookcontrolplane "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

var _ = Describe("ControlPlane", func() {
	// purposes are the firewall policies of a baseline shoot, per family.
	purposes := []string{"allow-to-dns", "allow-to-ntp", "allow-to-apiserver", "allow-to-vpn", "allow-to-http"}

	DescribeTable("deploys the seed components and the shoot's system components for the shoot's IP families",
		func(ctx context.Context, name string, families []gardencorev1beta1.IPFamily) {
			f := newFixture(name, families)
			start := time.Now()
			mark := sim.Mark()
			namespace, _ := f.create(ctx)
			reconciled(ctx, namespace, start)

			By("the metal-api was asked for the firewall's networks only, and nothing was written")
			calls := sim.CallsSince(mark)
			Expect(calls.Writes()).To(BeEmpty(), calls.String())
			// Every lookup reads one of the networks the shoot names (a reconcile that is retried reads them again);
			// nothing lists or searches networks.
			Expect(calls).NotTo(BeEmpty())
			for _, call := range calls {
				Expect(call.Method+" "+call.Path).To(BeElementOf("GET /v1/network/"+metalapi.InternetNetworkID, "GET /v1/network/"+metalapi.StorageNetworkID), calls.String())
			}

			By("the seed objects are valid and carry the shoot's metal-stack settings")
			seed := applySeedObjects(ctx, namespace)
			ccm := &appsv1.Deployment{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: controlplane.CloudControllerManagerName}, ccm)).To(Succeed())
			Expect(ccm.Spec.Replicas).To(HaveValue(BeEquivalentTo(1)))
			Expect(ccm.Spec.Template.Spec.Containers[0].Image).To(HavePrefix("ghcr.io/metal-stack/metal-ccm:"))
			ccmEnv := containerEnv(ccm.Spec.Template.Spec.Containers[0])
			shootUID := ccmEnv["METAL_CLUSTER_ID"]
			Expect(shootUID).NotTo(BeEmpty())
			Expect(ccmEnv).To(Equal(map[string]string{
				"METAL_API_URL":                     sim.URL(),
				"METAL_PROJECT_ID":                  metalapi.DefaultProjectID,
				"METAL_PARTITION_ID":                metalapi.DefaultPartitionID,
				"METAL_CLUSTER_ID":                  shootUID,
				"METAL_ADDITIONAL_NETWORKS":         "node-network-" + name + "," + metalapi.InternetNetworkID + "," + metalapi.StorageNetworkID,
				"METAL_DEFAULT_EXTERNAL_NETWORK_ID": metalapi.InternetNetworkID,
				"METAL_AUTH_HMAC":                   "secret:cloudprovider/" + metal.SecretKeyHMAC,
				"LOADBALANCER":                      "metallb",
			}))
			Expect(seed).To(HaveKey("Deployment/" + worker.FirewallControllerManagerDeploymentName))
			fcm := &appsv1.Deployment{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: worker.FirewallControllerManagerDeploymentName}, fcm)).To(Succeed())
			Expect(fcm.Spec.Replicas).To(HaveValue(BeEquivalentTo(1)))
			Expect(fcm.Spec.Template.Spec.Containers[0].Args).To(ContainElements(
				"-cluster-id="+shootUID, "-metal-api-url="+sim.URL(), "-namespace="+namespace,
				"-shoot-token-secret-name=shoot-access-"+worker.FirewallControllerManagerDeploymentName,
			))
			Expect(containerEnv(fcm.Spec.Template.Spec.Containers[0])).To(Equal(map[string]string{"METAL_AUTH_HMAC": "secret:cloudprovider/" + metal.SecretKeyHMAC}))
			for _, name := range []string{"shoot-access-cloud-controller-manager", "shoot-access-firewall-controller-manager"} {
				Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &corev1.Secret{})).To(Succeed(), name)
			}

			By("the shoot gets firewall policies for each of its families and its node networks")
			shoot := managedObjects(ctx, namespace, genericactuator.ControlPlaneShootChartResourceName, false)
			validateShootObjects(ctx, shoot)
			policies := policyCIDRs(shoot)
			Expect(policies).To(HaveLen(len(purposes) * len(families)))
			for _, purpose := range purposes {
				for _, fam := range families {
					want := map[gardencorev1beta1.IPFamily]string{gardencorev1beta1.IPFamilyIPv4: "0.0.0.0/0", gardencorev1beta1.IPFamilyIPv6: "::/0"}[fam]
					Expect(policies).To(HaveKeyWithValue(purpose+"-"+strings.ToLower(string(fam)), []string{want}))
				}
			}
			nodeCIDR := shoot["ConfigMap/shoot-info-node-cidr"].(*corev1.ConfigMap)
			Expect(nodeCIDR.Namespace).To(Equal(metav1.NamespaceSystem))
			Expect(nodeCIDR.Data).To(HaveKeyWithValue("nodeCIDR", strings.Join(f.nodePrefixes, ",")))
			for i, fam := range families {
				Expect(nodeCIDR.Data).To(HaveKeyWithValue("nodeCIDR"+string(fam), f.nodePrefixes[i]))
			}
			Expect(shoot).To(HaveKey("ClusterRoleBinding/system:controller:cloud-node-controller"))

			By("the shoot gets csi-lvm as default storage class")
			classes := managedObjects(ctx, namespace, genericactuator.StorageClassesChartResourceName, false)
			validateShootObjects(ctx, classes)
			Expect(classes["StorageClass/csi-lvm"].GetAnnotations()).To(HaveKeyWithValue("storageclass.kubernetes.io/is-default-class", "true"))
			Expect(classes["StorageClass/csi-driver-lvm-mirror"].GetAnnotations()).NotTo(HaveKey("storageclass.kubernetes.io/is-default-class"))
			Expect(classes["StorageClass/csi-lvm"].(*storagev1.StorageClass).Provisioner).To(Equal("lvm.csi.metal-stack.io"))

			By("a second reconcile changes nothing in the seed and writes nothing to the metal-api")
			before := resourceVersions(ctx, namespace)
			mark = sim.Mark()
			cp := reconciled(ctx, namespace, time.Time{})
			patch := client.MergeFrom(cp.DeepCopy())
			metav1.SetMetaDataAnnotation(&cp.ObjectMeta, v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
			Expect(env.Client.Patch(ctx, cp, patch)).To(Succeed())
			again := time.Now()
			reconciled(ctx, namespace, again)
			Expect(resourceVersions(ctx, namespace)).To(Equal(before))
			Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
		},
		Entry("dual-stack", "dual", familiesDual),
		Entry("IPv4 only", "ipv4", familiesV4),
		Entry("IPv6 only", "ipv6", familiesV6),
	)

	It("refuses a secret with a bearer token, which firewall-controller-manager cannot use, naming the key to set", func(ctx context.Context) {
		f := newFixture("token", familiesDual)
		f.credentials = tokenCredentials
		namespace, cp := f.create(ctx)
		message := failed(ctx, namespace)
		Expect(message).To(And(ContainSubstring("HMAC key only"), ContainSubstring("set "+metal.SecretKeyHMAC)))
		Expect(message).NotTo(ContainSubstring(metalapi.DefaultToken), "the token itself is never shown")
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(cp), cp)).To(Succeed())
		Expect(cp.Status.LastError.Codes).To(ContainElement(gardencorev1beta1.ErrorConfigurationProblem))
		for _, name := range []string{controlplane.CloudControllerManagerName, worker.FirewallControllerManagerDeploymentName} {
			Expect(apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &appsv1.Deployment{}))).To(BeTrue(), name)
		}
	})

	It("reports a credentials secret with both a token and an HMAC key as a configuration problem", func(ctx context.Context) {
		f := newFixture("both", familiesV4)
		f.credentials = map[string][]byte{metal.SecretKeyAPIKey: []byte("t"), metal.SecretKeyHMAC: []byte("h")}
		namespace, _ := f.create(ctx)
		Expect(failed(ctx, namespace)).To(And(ContainSubstring(metal.SecretKeyAPIKey), ContainSubstring(metal.SecretKeyHMAC)))
	})

	It("scales the components to zero when the hibernated shoot's control plane is scaled down", func(ctx context.Context) {
		f := newFixture("hibernated", familiesV4)
		f.hibernated = true
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		seed := applySeedObjects(ctx, namespace)
		for _, name := range []string{controlplane.CloudControllerManagerName, worker.FirewallControllerManagerDeploymentName} {
			Expect(seed["Deployment/"+name].(*appsv1.Deployment).Spec.Replicas).To(HaveValue(BeEquivalentTo(0)), name)
		}
	})

	It("limits a restricted shoot to the partition's servers and networks, per family", func(ctx context.Context) {
		f := newFixture("restricted", familiesDual)
		f.controlPlane.NetworkAccessType = new(metalv1alpha1.NetworkAccessRestricted)
		f.controlPlane.CloudControllerManager = &metalv1alpha1.CloudControllerManagerConfig{
			DefaultExternalNetwork: new(metalapi.StorageNetworkID),
			FeatureGates:           map[string]bool{"B": false, "A": true},
		}
		mark := sim.Mark()
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		Expect(sim.CallsSince(mark)).To(BeEmpty(), "the configured default external network needs no lookup")

		shoot := managedObjects(ctx, namespace, genericactuator.ControlPlaneShootChartResourceName, false)
		validateShootObjects(ctx, shoot)
		Expect(policyCIDRs(shoot)).To(Equal(map[string][]string{
			"allow-to-dns-ipv4":             {"100.64.0.53/32"},
			"allow-to-dns-ipv6":             {"2001:db8:2::53/128"},
			"allow-to-ntp-ipv4":             {"100.64.0.123/32"},
			"allow-to-apiserver-ipv4":       {"100.64.0.0/10"},
			"allow-to-apiserver-ipv6":       {"2001:db8:2::/48"},
			"allow-to-vpn-ipv4":             {"100.64.0.0/10"},
			"allow-to-vpn-ipv6":             {"2001:db8:2::/48"},
			"allow-to-registry-mirror-ipv4": {"100.64.0.80/32"},
		}))
		for name, cidrs := range policyCIDRs(shoot) {
			for _, cidr := range cidrs {
				Expect(strings.ToLower(string(familyOf(cidr)))).To(Equal(name[strings.LastIndex(name, "-")+1:]), name)
			}
		}

		seed := applySeedObjects(ctx, namespace)
		ccm := seed["Deployment/"+controlplane.CloudControllerManagerName].(*appsv1.Deployment).Spec.Template.Spec.Containers[0]
		Expect(containerEnv(ccm)).To(HaveKeyWithValue("METAL_DEFAULT_EXTERNAL_NETWORK_ID", metalapi.StorageNetworkID))
		Expect(ccm.Command).To(ContainElement("--feature-gates=A=true,B=false"))
	})

	It("marks the configured default storage class, or none without csi-lvm", func(ctx context.Context) {
		f := newFixture("storage", familiesV4)
		f.controlPlane.CustomDefaultStorageClass = &metalv1alpha1.CustomDefaultStorageClass{ClassName: "csi-driver-lvm-mirror"}
		namespace, _ := f.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		classes := managedObjects(ctx, namespace, genericactuator.StorageClassesChartResourceName, false)
		Expect(classes["StorageClass/csi-driver-lvm-mirror"].GetAnnotations()).To(HaveKeyWithValue("storageclass.kubernetes.io/is-default-class", "true"))
		Expect(classes["StorageClass/csi-lvm"].GetAnnotations()).NotTo(HaveKey("storageclass.kubernetes.io/is-default-class"))

		g := newFixture("nolvm", familiesV4)
		g.controlPlane.FeatureGates.CSILVM = new(false)
		namespace, _ = g.create(ctx)
		reconciled(ctx, namespace, time.Time{})
		Expect(managedObjects(ctx, namespace, genericactuator.StorageClassesChartResourceName, false)).To(BeEmpty())
	})
})

var _ = Describe("ImageVector", func() {
	It("takes the images from the embedded vector, overridden by IMAGEVECTOR_OVERWRITE", func() {
		vector, err := controlplane.ImageVector()
		Expect(err).NotTo(HaveOccurred())
		found, err := vector.FindImage("metal-ccm")
		Expect(err).NotTo(HaveOccurred())
		Expect(found.String()).To(HavePrefix("ghcr.io/metal-stack/metal-ccm:"))

		path := filepath.Join(GinkgoT().TempDir(), "images.yaml")
		Expect(os.WriteFile(path, []byte("images:\n- name: metal-ccm\n  repository: registry.example.com/metal-ccm\n  tag: v9.9.9\n"), 0o600)).To(Succeed())
		GinkgoT().Setenv(imagevector.OverrideEnv, path)
		vector, err = controlplane.ImageVector()
		Expect(err).NotTo(HaveOccurred())
		found, err = vector.FindImage("metal-ccm")
		Expect(err).NotTo(HaveOccurred())
		Expect(found.String()).To(Equal("registry.example.com/metal-ccm:v9.9.9"))
	})

	It("holds the machine-controller-manager driver of this release, which the control-plane webhook injects", func() {
		version, err := os.ReadFile(filepath.Join("..", "..", "..", "VERSION"))
		Expect(err).NotTo(HaveOccurred())
		vector, err := controlplane.ImageVector()
		Expect(err).NotTo(HaveOccurred())
		found, err := vector.FindImage(webhookcontrolplane.ImageNameMachineControllerManagerProviderMetal)
		Expect(err).NotTo(HaveOccurred())
		Expect(found.String()).To(Equal("ghcr.io/metalgarden/machine-controller-manager-provider-metal:" + strings.TrimSpace(string(version))))
	})
})
