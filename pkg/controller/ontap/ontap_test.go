// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"
	"github.com/onsi/gomega/types"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/sets"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

var _ = Describe("ontap Extension controller", Ordered, func() {
	var a, b *testShoot

	BeforeAll(func() {
		a = createShoot("alpha", "")
		b = createShoot("beta", "")
		a.waitSucceeded()
		b.waitSucceeded()
	})

	It("gives two shoots of one project two SVMs on the cluster with the most room, with LIFs homed across its nodes", func() {
		Expect(a.svm).NotTo(Equal(b.svm))
		for _, s := range []*testShoot{a, b} {
			Expect(svmsNamed(simA, s.svm)).To(Equal(1))
			Expect(svmsNamed(simB, s.svm)).To(BeZero())

			st := s.status()
			Expect(st.Cluster).To(Equal("sim-a"))
			Expect(st.SVMName).To(Equal(s.svm))
			Expect(st.SVMUUID).NotTo(BeEmpty())
			Expect(st.CredentialsSecretName).To(Equal(ontapcontroller.CredentialsSecretName))
			// NVMe/TCP by default, one data LIF per node, and the management LIF.
			Expect(st.DataLIFs).To(ConsistOf(
				apisontap.LIFStatus{Name: "nvme_1_1", Address: st.DataLIFs[0].Address, HomeNode: "sim-cluster-01", Protocol: apisontap.ProtocolNVMeTCP},
				apisontap.LIFStatus{Name: "nvme_2_1", Address: st.DataLIFs[1].Address, HomeNode: "sim-cluster-02", Protocol: apisontap.ProtocolNVMeTCP},
			))
			Expect(st.ManagementLIF).To(PointTo(HaveField("Name", "mgmt")))
			Expect(st.AllocatedIPs).To(HaveLen(3))

			var svm ontapapi.SVMState
			for _, v := range simA.State().SVMs {
				if v.Name == s.svm {
					svm = v
				}
			}
			Expect(svm.State).To(Equal("running"))
			Expect(svm.Comment).To(ContainSubstring(s.uid))
			// The aggregate with the most room on each node.
			Expect(svm.Aggregates).To(ConsistOf("sim_01_aggr1", "sim_02_aggr1"))
			Expect(simA.State().Services).To(ContainElement(ontapapi.ServiceState{SVM: s.svm, Protocol: "nvme", Enabled: true}))
		}
	})

	It("gives each shoot an account that sees its own SVM only", func() {
		for _, pair := range [][2]*testShoot{{a, b}, {b, a}} {
			own, other := pair[0], pair[1]
			user, password, cluster := own.credentials()
			Expect(user).To(Equal(ontapcontroller.TridentUser))
			Expect(cluster).To(Equal("sim-a"))
			Expect(len(password)).To(BeNumerically(">=", 32))

			cl := clientAs(simA, user, password)
			Expect(cl.GetSVM(ctx, own.svm)).To(HaveField("Name", own.svm))
			lifs, err := cl.ListInterfaces(ctx, own.svm)
			Expect(err).NotTo(HaveOccurred())
			Expect(lifs).To(HaveLen(3))
			_, err = cl.GetSVM(ctx, other.svm)
			Expect(ontap.IsNotFound(err)).To(BeTrue(), "%s must not see %s: %v", own.name, other.name, err)
			_, err = cl.ListInterfaces(ctx, other.svm)
			Expect(ontap.IsNotFound(err)).To(BeTrue())
		}
	})

	It("allocates disjoint LIF IPs in the storage network, tagged per shoot", func() {
		ipsA := metalS.LeftoversForCluster(a.storageTag()).IPs
		ipsB := metalS.LeftoversForCluster(b.storageTag()).IPs
		Expect(ipsA).To(ConsistOf(a.status().AllocatedIPs))
		Expect(ipsB).To(ConsistOf(b.status().AllocatedIPs))
		Expect(sets.New(ipsA...).Intersection(sets.New(ipsB...)).UnsortedList()).To(BeEmpty())
		Expect(lifAddresses(simA, a.svm)).To(ConsistOf(ipsA))
		Expect(lifAddresses(simA, b.svm)).To(ConsistOf(ipsB))
		for _, ip := range ipsA {
			Expect(ip).To(HavePrefix("10.64."), "LIF IPs come from the storage network")
		}
	})

	It("deploys Trident, its backend, the storage class, the credentials and the firewall policy into the shoot", func() {
		for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
			mr := a.managedResource(name)
			// Kept alive while Gardener cleans the shoot's PVCs up.
			Expect(mr.Spec.InjectLabels).To(HaveKeyWithValue(v1beta1constants.ShootNoCleanup, "true"))
			Expect(mr.Labels).To(HaveKeyWithValue("origin", "gardener-extension-ontap"))
		}

		trident := a.shootObjects(ontapcontroller.ManagedResourceTrident)
		Expect(trident).To(HaveKey("CustomResourceDefinition//tridentbackendconfigs.trident.netapp.io"))
		Expect(trident).To(HaveKey("CustomResourceDefinition//tridentorchestrators.trident.netapp.io"))
		Expect(trident).To(HaveKey("ClusterRole//trident-operator"))
		operator := trident["Deployment/kube-system/trident-operator"]
		Expect(operator).NotTo(BeNil())
		Expect(nested(operator, "spec", "template", "spec", "containers")).To(ContainElement(HaveKeyWithValue("image", "docker.io/netapp/trident-operator:24.06.0")))
		Expect(nested(operator, "spec", "template", "spec", "containers")).NotTo(ContainElement(HaveKeyWithValue("command", ContainElement("--debug"))))
		torc := trident["TridentOrchestrator//trident"]
		Expect(torc).NotTo(BeNil())
		Expect(torc.Object["spec"]).To(And(
			HaveKeyWithValue("namespace", "kube-system"),
			HaveKeyWithValue("debug", false),
			HaveKeyWithValue("silenceAutosupport", true),
			HaveKeyWithValue("tridentImage", "docker.io/netapp/trident:24.06.0"),
			HaveKeyWithValue("imageRegistry", "registry.k8s.io/sig-storage"),
		))
		prep := trident["DaemonSet/kube-system/ontap-node-prep"]
		Expect(prep).NotTo(BeNil())
		Expect(prep.GetLabels()).To(HaveKeyWithValue(v1beta1constants.LabelNodeCriticalComponent, "true"))
		Expect(nested(prep, "spec", "template", "metadata", "labels")).To(HaveKeyWithValue(v1beta1constants.LabelNodeCriticalComponent, "true"))
		Expect(nested(prep, "spec", "template", "metadata", "annotations")).To(HaveKeyWithValue(v1beta1constants.AnnotationPrefixWaitForCSINode+"trident", "csi.trident.netapp.io"))
		script := nested(prep, "spec", "template", "spec", "initContainers").([]any)[0].(map[string]any)["command"].([]any)
		Expect(script[len(script)-1]).To(And(ContainSubstring("modprobe nvme-tcp"), Not(ContainSubstring("iscsi"))))

		st := a.status()
		storage := a.shootObjects(ontapcontroller.ManagedResourceStorage)
		backend := storage["TridentBackendConfig/kube-system/ontap-nvme"]
		Expect(backend).NotTo(BeNil())
		Expect(backend.Object["spec"]).To(And(
			HaveKeyWithValue("storageDriverName", "ontap-san"),
			HaveKeyWithValue("sanType", "nvme"),
			HaveKeyWithValue("svm", a.svm),
			HaveKeyWithValue("managementLIF", st.ManagementLIF.Address),
			HaveKeyWithValue("credentials", HaveKeyWithValue("name", ontapcontroller.ShootCredentialsSecretName)),
		))
		sc := storage["StorageClass//ontap-nvme"]
		Expect(sc).NotTo(BeNil())
		Expect(sc.GetAnnotations()).To(HaveKeyWithValue("storageclass.kubernetes.io/is-default-class", "true"))
		Expect(sc.Object).To(HaveKeyWithValue("provisioner", "csi.trident.netapp.io"))

		_, password, _ := a.credentials()
		secret := storage["Secret/kube-system/ontap-svm-credentials"]
		Expect(secret).NotTo(BeNil())
		Expect(nested(secret, "data", "password")).To(Equal(b64(password)))

		policy := storage["ClusterwideNetworkPolicy/firewall/allow-to-ontap-svm"]
		Expect(policy).NotTo(BeNil())
		Expect(egressPorts(policy)).To(Equal(map[string][]int64{
			st.DataLIFs[0].Address + "/32," + st.DataLIFs[1].Address + "/32": {4420, 8009},
			st.ManagementLIF.Address + "/32":                                 {443},
		}))
	})

	It("writes nothing on ONTAP, in the metal-api or in the seed when it reconciles again", func() {
		ontapMark, metalMark := simA.Mark(), metalS.Mark()
		ontapMarkB := simB.Mark()
		before := a.resourceVersions()
		Expect(before).To(HaveKey("Secret/" + ontapcontroller.CredentialsSecretName))
		Expect(before).To(HaveKey("ManagedResource/" + ontapcontroller.ManagedResourceStorage))

		a.reconcile()

		Expect(simA.CallsSince(ontapMark)).NotTo(BeEmpty(), "the reconciliation looked at ONTAP")
		Expect(simA.CallsSince(ontapMark).Writes()).To(BeEmpty())
		Expect(simB.CallsSince(ontapMarkB).Writes()).To(BeEmpty())
		Expect(metalS.CallsSince(metalMark)).NotTo(BeEmpty(), "the reconciliation looked at the metal-api")
		Expect(metalS.CallsSince(metalMark).Writes()).To(BeEmpty())
		Expect(a.resourceVersions()).To(Equal(before))
	})

	It("recreates a LIF deleted behind its back and repairs one that drifted", func() {
		Expect(admin(simA).DeleteInterface(ctx, a.svm, "nvme_2_1")).To(Succeed())
		Expect(simA.DriftInterface(a.svm, "nvme_1_1", ontapapi.InterfaceDrift{HomeNode: "sim-cluster-02"})).To(Succeed())
		want := a.status()

		a.reconcile()

		Expect(lifAddresses(simA, a.svm)).To(ConsistOf(want.AllocatedIPs))
		for _, lif := range simA.State().Interfaces {
			switch {
			case lif.SVM == a.svm && lif.Name == "nvme_1_1":
				Expect(lif.HomeNode).To(Equal("sim-cluster-01"))
			case lif.SVM == a.svm && lif.Name == "nvme_2_1":
				Expect(lif.Address).To(Equal(want.DataLIFs[1].Address))
				Expect(lif.HomeNode).To(Equal("sim-cluster-02"))
			}
		}
		Expect(a.status()).To(Equal(want))
	})

	It("rotates Trident's password on the annotation", func() {
		user, old, _ := a.credentials()
		oldStorage := a.managedResource(ontapcontroller.ManagedResourceStorage).Spec.SecretRefs

		a.annotate(apisontap.AnnotationRotateCredentials, "true")
		a.reconcile()

		Expect(a.extension().Annotations).NotTo(HaveKey(apisontap.AnnotationRotateCredentials))
		_, rotated, _ := a.credentials()
		Expect(rotated).NotTo(Equal(old))
		Expect(clientAs(simA, user, rotated).GetSVM(ctx, a.svm)).To(HaveField("Name", a.svm))
		_, err := clientAs(simA, user, old).GetSVM(ctx, a.svm)
		Expect(err).To(MatchError(ContainSubstring("HTTP 401")))

		Expect(a.managedResource(ontapcontroller.ManagedResourceStorage).Spec.SecretRefs).NotTo(Equal(oldStorage))
		secret := a.shootObjects(ontapcontroller.ManagedResourceStorage)["Secret/kube-system/ontap-svm-credentials"]
		Expect(nested(secret, "data", "password")).To(Equal(b64(rotated)))

		events := &eventsv1.EventList{}
		Expect(c.List(ctx, events, client.InNamespace(a.namespace))).To(Succeed())
		Expect(events.Items).To(ContainElement(HaveField("Reason", "CredentialsRotated")))
	})

	It("creates exactly one SVM when the answer to its creation is lost", func() {
		simA.InjectFault(ontapapi.Fault{Method: http.MethodPost, Path: "/api/svm/svms", Times: 1, DropResponse: true})
		mark := simA.Mark()

		lost := createShoot("lost", "")
		lost.waitSucceeded()

		Expect(svmsNamed(simA, lost.svm)).To(Equal(1))
		calls := simA.CallsSince(mark)
		Expect(calls.Count(http.MethodPost, "/api/svm/svms")).To(Equal(1))
		Expect(slices.ContainsFunc(calls, func(c ontapapi.Call) bool { return c.Dropped })).To(BeTrue())

		lost.delete()
		Expect(simA.LeftoversForSVM(lost.svm)).To(BeEmpty())
	})

	It("reports a failing ONTAP cluster with the operation in the status and recovers when it heals", func() {
		simA.InjectFault(ontapapi.Fault{Method: http.MethodPost, Path: "/api/svm/svms", Status: http.StatusInternalServerError, Message: "aggregate offline"})
		failing := createShoot("failing", "")

		Eventually(func(g Gomega) {
			ex := failing.extension()
			g.Expect(ex.Status.LastError).NotTo(BeNil())
			g.Expect(ex.Status.LastError.Description).To(And(ContainSubstring("creating SVM "+failing.svm+" on ONTAP cluster sim-a"), ContainSubstring("aggregate offline")))
			g.Expect(ex.Status.LastError.Codes).To(ConsistOf(gardencorev1beta1.ErrorRetryableInfraDependencies))
		}).WithTimeout(20 * time.Second).Should(Succeed())

		simA.ClearFaults()
		ex := failing.waitSucceeded()
		Expect(ex.Status.LastError).To(BeNil())
		Expect(svmsNamed(simA, failing.svm)).To(Equal(1))

		By("an unreachable cluster")
		simA.InjectFault(ontapapi.Fault{Path: "/api/*", DropRequest: true})
		failing.annotate(v1beta1constants.GardenerOperation, v1beta1constants.GardenerOperationReconcile)
		Eventually(func(g Gomega) {
			ex := failing.extension()
			g.Expect(ex.Status.LastError).NotTo(BeNil())
			g.Expect(ex.Status.LastError.Description).To(ContainSubstring("reading the ONTAP cluster"))
			g.Expect(ex.Status.LastError.Description).To(ContainSubstring("sim-a"))
		}).WithTimeout(20 * time.Second).Should(Succeed())
		simA.ClearFaults()
		Expect(failing.waitSucceeded().Status.LastError).To(BeNil())

		failing.delete()
	})

	It("serves iSCSI and NFS on request and takes explicit LIF addresses without allocating any", func() {
		multi := createShoot("multi", `
apiVersion: ontap.extensions.gardener.cloud/v1alpha1
kind: OntapConfig
protocols: [nvme-tcp, iscsi, nfs]
svm:
  dataLIFAddresses: [10.64.3.10, 10.64.3.11, 10.64.3.12]
  managementLIFAddress: 10.64.3.9
storageClasses:
- name: fast
  protocol: nvme-tcp
  default: true
- name: shared
  protocol: nfs
`)
		multi.waitSucceeded()

		Expect(metalS.LeftoversForCluster(multi.storageTag()).Empty()).To(BeTrue())
		Expect(multi.status().AllocatedIPs).To(BeEmpty())
		Expect(lifAddresses(simA, multi.svm)).To(ConsistOf("10.64.3.9", "10.64.3.10", "10.64.3.11", "10.64.3.12"))
		Expect(simA.State().Services).To(ContainElements(
			ontapapi.ServiceState{SVM: multi.svm, Protocol: "nvme", Enabled: true},
			ontapapi.ServiceState{SVM: multi.svm, Protocol: "iscsi", Enabled: true},
			ontapapi.ServiceState{SVM: multi.svm, Protocol: "nfs", Enabled: true},
		))
		Expect(simA.State().ExportPolicies).To(ContainElement(And(HaveField("SVM", multi.svm), HaveField("Clients", ContainElement(ContainElement("10.0.0.0/22"))))))

		storage := multi.shootObjects(ontapcontroller.ManagedResourceStorage)
		Expect(storage).To(HaveKey("TridentBackendConfig/kube-system/ontap-iscsi"))
		Expect(storage["TridentBackendConfig/kube-system/ontap-nfs"].Object["spec"]).To(And(
			HaveKeyWithValue("storageDriverName", "ontap-nas"),
			HaveKeyWithValue("dataLIF", "10.64.3.12"),
		))
		Expect(storage["StorageClass//shared"].Object["parameters"]).To(HaveKeyWithValue("backendType", "ontap-nas"))
		Expect(storage["StorageClass//shared"].GetAnnotations()).NotTo(HaveKey("storageclass.kubernetes.io/is-default-class"))
		Expect(egressPorts(storage["ClusterwideNetworkPolicy/firewall/allow-to-ontap-svm"])).To(Equal(map[string][]int64{
			"10.64.3.10/32": {4420, 8009},
			"10.64.3.11/32": {3260},
			"10.64.3.12/32": {2049},
			"10.64.3.9/32":  {443},
		}))
		prep := multi.shootObjects(ontapcontroller.ManagedResourceTrident)["DaemonSet/kube-system/ontap-node-prep"]
		script := nested(prep, "spec", "template", "spec", "initContainers").([]any)[0].(map[string]any)["command"].([]any)
		Expect(script[len(script)-1]).To(And(ContainSubstring("modprobe nvme-tcp"), ContainSubstring("modprobe iscsi_tcp"), ContainSubstring("iscsid"), ContainSubstring("modprobe nfs")))

		multi.delete()
		Expect(simA.LeftoversForSVM(multi.svm)).To(BeEmpty())
	})

	It("applies, repairs and follows the volume limit and QoS ceiling of the configuration and leaves nothing on delete", func() {
		const limitedConfig = `
apiVersion: ontap.extensions.gardener.cloud/v1alpha1
kind: OntapConfig
svm:
  maxVolumes: 3
  qos:
    maxIOPS: 20000
    maxThroughputMBps: 500
`
		limited := createShoot("limited", limitedConfig)
		limited.waitSucceeded()
		policy := ontapcontroller.QoSPolicyName(limited.svm)
		wantPolicy := func(maxIOPS, maxMBps int64) types.GomegaMatcher {
			return ConsistOf(MatchFields(IgnoreExtras, Fields{
				"SVM": Equal(limited.svm), "Name": Equal(policy), "MaxThroughputIOPS": Equal(maxIOPS), "MaxThroughputMBps": Equal(maxMBps),
				"CapacityShared": BeTrue(), "UsedBy": Equal([]string{limited.svm}),
			}))
		}
		Expect(svmState(simA, limited.svm)).To(And(HaveField("MaxVolumes", "3"), HaveField("QoSPolicy", policy)))
		Expect(qosPoliciesOf(simA, limited.svm)).To(wantPolicy(20000, 500))
		Expect(simA.LeftoversForSVM(limited.svm)).To(ContainElement("qos policy " + limited.svm + "/" + policy))

		By("the cluster enforcing the volume limit")
		for _, vol := range []string{"trident_pvc_1", "trident_pvc_2", "trident_pvc_3"} {
			Expect(simA.CreateVolume(limited.svm, vol, 1<<30)).To(Succeed())
		}
		Expect(simA.CreateVolume(limited.svm, "trident_pvc_4", 1<<30)).To(MatchError(ContainSubstring("limit of 3 volumes")))
		for _, vol := range []string{"trident_pvc_1", "trident_pvc_2", "trident_pvc_3"} {
			Expect(simA.DeleteVolume(limited.svm, vol)).To(Succeed())
		}

		By("writing nothing on ONTAP when it reconciles again")
		mark := simA.Mark()
		limited.reconcile()
		Expect(simA.CallsSince(mark).Count(http.MethodGet, "/api/storage/qos/policies")).To(BeNumerically(">=", 1))
		Expect(simA.CallsSince(mark).Writes()).To(BeEmpty())

		By("repairing limits changed behind its back")
		Expect(simA.SetSVMMaxVolumes(limited.svm, "unlimited")).To(Succeed())
		Expect(simA.SetQoSPolicyLimits(policy, 1, 1)).To(Succeed())
		Expect(simA.SetSVMQoSPolicy(limited.svm, "")).To(Succeed())
		mark = simA.Mark()
		limited.reconcile()
		Expect(simA.CallsSince(mark).Writes().Endpoints()).To(ConsistOf(
			"PATCH /api/svm/svms/{uuid}", "PATCH /api/storage/qos/policies/{uuid}", "PATCH /api/svm/svms/{uuid}"))
		Expect(svmState(simA, limited.svm)).To(And(HaveField("MaxVolumes", "3"), HaveField("QoSPolicy", policy)))
		Expect(qosPoliciesOf(simA, limited.svm)).To(wantPolicy(20000, 500))

		By("removing the limits with the configuration")
		limited.reconfigure(`
apiVersion: ontap.extensions.gardener.cloud/v1alpha1
kind: OntapConfig
`)
		Expect(svmState(simA, limited.svm)).To(And(HaveField("MaxVolumes", "unlimited"), HaveField("QoSPolicy", "")))
		Expect(qosPoliciesOf(simA, limited.svm)).To(BeEmpty())
		mark = simA.Mark()
		limited.reconcile()
		Expect(simA.CallsSince(mark).Writes()).To(BeEmpty())

		By("setting them again with new values")
		limited.reconfigure(strings.Replace(limitedConfig, "maxIOPS: 20000", "maxIOPS: 8000", 1))
		Expect(svmState(simA, limited.svm)).To(And(HaveField("MaxVolumes", "3"), HaveField("QoSPolicy", policy)))
		Expect(qosPoliciesOf(simA, limited.svm)).To(wantPolicy(8000, 500))

		By("leaving nothing of the SVM behind, its QoS policy included")
		limited.delete()
		Expect(simA.LeftoversForSVM(limited.svm)).To(BeEmpty())
		Expect(simA.State().QoSPolicies).NotTo(ContainElement(HaveField("Name", policy)))
		Expect(metalS.LeftoversForCluster(limited.storageTag()).Empty()).To(BeTrue())
	})

	It("hands a shoot over to another seed without touching ONTAP and finds its SVM again on restore", func() {
		moving := createShoot("moving", "")
		moving.waitSucceeded()
		uuid := moving.status().SVMUUID
		mark := simA.Mark()

		moving.operate(v1beta1constants.GardenerOperationMigrate, gardencorev1beta1.LastOperationTypeMigrate)
		for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
			err := c.Get(ctx, client.ObjectKey{Namespace: moving.namespace, Name: name}, &resourcesv1alpha1.ManagedResource{})
			Expect(apierrors.IsNotFound(err)).To(BeTrue())
		}
		moving.credentials()
		Expect(simA.CallsSince(mark).Writes()).To(BeEmpty())
		Expect(moving.extension().Status.Resources).To(ContainElement(HaveField("ResourceRef.Name", ontapcontroller.CredentialsSecretName)))

		moving.operate(v1beta1constants.GardenerOperationRestore, gardencorev1beta1.LastOperationTypeRestore)
		Expect(simA.CallsSince(mark).Writes()).To(BeEmpty())
		Expect(moving.status().SVMUUID).To(Equal(uuid))
		moving.managedResource(ontapcontroller.ManagedResourceTrident)

		moving.delete()
	})

	It("force-deletes a shoot whose ONTAP cluster is unreachable and leaves the SVM for the operator", func() {
		forced := createShoot("forced", "")
		forced.waitSucceeded()

		simA.InjectFault(ontapapi.Fault{Path: "/api/*", DropRequest: true})
		forced.shoot.Annotations = map[string]string{v1beta1constants.AnnotationConfirmationForceDeletion: "true"}
		Expect(testenv.UpdateClusterShoot(ctx, c, forced.shoot)).To(Succeed())
		Expect(c.Delete(ctx, forced.extension())).To(Succeed())
		forced.waitGone()
		simA.ClearFaults()

		err := c.Get(ctx, client.ObjectKey{Namespace: forced.namespace, Name: ontapcontroller.CredentialsSecretName}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue())
		Expect(svmsNamed(simA, forced.svm)).To(Equal(1), "the unreachable cluster keeps the SVM, named for the shoot")

		Expect(admin(simA).DeleteSVM(ctx, forced.svm)).To(Succeed())
	})

	It("keeps exactly the SVM with its volumes, LIFs and LIF IPs with the retain policy, and no credentials", func() {
		kept := createShoot("kept", `
apiVersion: ontap.extensions.gardener.cloud/v1alpha1
kind: OntapConfig
svm:
  deletionPolicy: retain
`)
		kept.waitSucceeded()
		st := kept.status()
		user, password, _ := kept.credentials()
		Expect(simA.CreateVolume(kept.svm, "trident_pvc_1", 1<<30)).To(Succeed())
		shootsBefore := svmsWithPrefix(simA)

		kept.delete()

		Expect(svmsWithPrefix(simA)).To(Equal(shootsBefore), "exactly the retained SVM stays")
		left := simA.LeftoversForSVM(kept.svm)
		Expect(left).To(ContainElement(HavePrefix("svm " + kept.svm)))
		Expect(left).To(ContainElement("volume " + kept.svm + "/trident_pvc_1"))
		Expect(left).NotTo(ContainElement(HavePrefix("account ")))
		Expect(lifAddresses(simA, kept.svm)).To(ConsistOf(st.AllocatedIPs))
		Expect(metalS.LeftoversForCluster(kept.storageTag()).IPs).To(ConsistOf(st.AllocatedIPs))
		_, err := clientAs(simA, user, password).GetSVM(ctx, kept.svm)
		Expect(err).To(MatchError(ContainSubstring("HTTP 401")), "the deleted shoot's credentials stop working")
		err = c.Get(ctx, client.ObjectKey{Namespace: kept.namespace, Name: ontapcontroller.CredentialsSecretName}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue())
	})

	It("deletes a shoot's SVM, LIF IPs and Secret and leaves the other shoot untouched", func() {
		otherSVM := simA.LeftoversForSVM(a.svm)
		otherIPs := metalS.LeftoversForCluster(a.storageTag())
		Expect(otherSVM).NotTo(BeEmpty())
		Expect(otherIPs.IPs).To(HaveLen(3))

		b.delete()

		Expect(simA.LeftoversForSVM(b.svm)).To(BeEmpty())
		Expect(metalS.LeftoversForCluster(b.storageTag()).Empty()).To(BeTrue(), metalS.LeftoversForCluster(b.storageTag()).String())
		err := c.Get(ctx, client.ObjectKey{Namespace: b.namespace, Name: ontapcontroller.CredentialsSecretName}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue())
		mrs := &resourcesv1alpha1.ManagedResourceList{}
		Expect(c.List(ctx, mrs, client.InNamespace(b.namespace))).To(Succeed())
		Expect(mrs.Items).To(BeEmpty())

		Expect(simA.LeftoversForSVM(a.svm)).To(Equal(otherSVM))
		Expect(metalS.LeftoversForCluster(a.storageTag())).To(Equal(otherIPs))
		user, password, _ := a.credentials()
		Expect(clientAs(simA, user, password).GetSVM(ctx, a.svm)).To(HaveField("Name", a.svm))

		a.delete()
		Expect(simA.LeftoversForSVM(a.svm)).To(BeEmpty())
		Expect(metalS.LeftoversForCluster(a.storageTag()).Empty()).To(BeTrue())
	})

	It("never puts credentials into logs, events or status", func() {
		Expect(len(secrets)).To(BeNumerically(">=", 8))
		logged := logs.String()
		Expect(logged).NotTo(BeEmpty())

		var texts []string
		coreEvents := &corev1.EventList{}
		Expect(c.List(ctx, coreEvents)).To(Succeed())
		newEvents := &eventsv1.EventList{}
		Expect(c.List(ctx, newEvents)).To(Succeed())
		for _, list := range []any{coreEvents, newEvents} {
			raw, err := json.Marshal(list)
			Expect(err).NotTo(HaveOccurred())
			texts = append(texts, string(raw))
		}
		extensions := &extensionsv1alpha1.ExtensionList{}
		Expect(c.List(ctx, extensions)).To(Succeed())
		for _, ex := range extensions.Items {
			raw, err := json.Marshal(ex.Status)
			Expect(err).NotTo(HaveOccurred())
			texts = append(texts, string(raw))
		}

		for _, secret := range secrets {
			Expect(secret).NotTo(BeEmpty())
			Expect(logged).NotTo(ContainSubstring(secret))
			for _, text := range texts {
				Expect(text).NotTo(ContainSubstring(secret))
			}
		}
	})
})

// nested reads a field of an unstructured object.
func nested(obj *unstructured.Unstructured, fields ...string) any {
	GinkgoHelper()
	v, found, err := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	Expect(err).NotTo(HaveOccurred())
	Expect(found).To(BeTrue(), "field %v", fields)
	return v
}

// egressPorts maps the destinations of each egress rule of a ClusterwideNetworkPolicy to its TCP ports.
func egressPorts(policy *unstructured.Unstructured) map[string][]int64 {
	GinkgoHelper()
	out := map[string][]int64{}
	for _, r := range nested(policy, "spec", "egress").([]any) {
		rule := r.(map[string]any)
		var to []string
		for _, t := range rule["to"].([]any) {
			to = append(to, t.(map[string]any)["cidr"].(string))
		}
		var ports []int64
		for _, p := range rule["ports"].([]any) {
			port := p.(map[string]any)
			Expect(port["protocol"]).To(Equal("TCP"))
			ports = append(ports, toInt64(port["port"]))
		}
		out[strings.Join(to, ",")] = ports
	}
	return out
}

// b64 is how Secret data looks in YAML.
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	case int:
		return int64(n)
	}
	Fail("not a number")
	return 0
}

// svmsWithPrefix lists the names of the shoots' SVMs on the simulator.
func svmsWithPrefix(sim *ontapapi.Server) []string {
	var out []string
	for _, svm := range sim.State().SVMs {
		if strings.HasPrefix(svm.Name, "shoot_") {
			out = append(out, svm.Name)
		}
	}
	return out
}
