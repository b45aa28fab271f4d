// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"net/http"
	"slices"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("Forced deletion of a Worker", func() {
	// A shoot with one machine per pool, the firewall objects firewall-controller-manager made (held by its
	// finalizer) and, in the metal-api, the firewall it leased with the shoot's cluster tag. The shoot is then
	// force-deleted: gardenlet confirms it on the shoot and deletes the Worker.
	DescribeTable("unblocks the deletion at once and leaves the leased machines and the firewall to the metal-api",
		func(ctx context.Context, name string, fcmAvailable bool) {
			f := newFixture("force", name, sim.URL())
			for i := range f.pools {
				f.pools[i].Minimum, f.pools[i].Maximum = 1, 1
			}
			namespace, identity, stopMCM := prepareShoot(ctx, env.Client, f, GinkgoLogr)
			DeferCleanup(stopMCM)
			clusterTag := metal.ClusterTag(identity.ID)
			Expect(env.Client.Create(ctx, f.worker(namespace))).To(Succeed())
			reconciled(ctx, env.Client, namespace, f.name, "", 2*time.Minute)
			Eventually(func(g Gomega) {
				for _, m := range machines(ctx, env.Client, namespace) {
					g.Expect(m.Status.CurrentStatus.Phase).To(Equal(machinev1alpha1.MachineRunning))
				}
			}).WithTimeout(time.Minute).Should(Succeed())
			workerMachines := sim.LeftoversForCluster(clusterTag).Machines
			Expect(workerMachines).To(HaveLen(2))

			set, fw := fcmObjects(ctx, namespace)
			fcm := &appsv1.Deployment{}
			Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallControllerManagerDeploymentName}, fcm)).To(Succeed())
			if fcmAvailable {
				patch := client.MergeFrom(fcm.DeepCopy())
				fcm.Status.Replicas, fcm.Status.UpdatedReplicas, fcm.Status.ReadyReplicas, fcm.Status.AvailableReplicas = 1, 1, 1, 1
				Expect(env.Client.Status().Patch(ctx, fcm, patch)).To(Succeed())
			}
			// The firewall as firewall-controller-manager leases it; this package does not import metal-go.
			allocated, err := sim.Request(ctx, http.MethodPost, "/v1/firewall/allocate", map[string]any{
				"name": fw.Name, "hostname": fw.Name, "imageid": metalapi.FirewallImageID, "partitionid": metalapi.DefaultPartitionID,
				"projectid": metalapi.DefaultProjectID, "sizeid": metalapi.FirewallSizeID, "ssh_pub_keys": []string{sshKey},
				"networks": []map[string]any{
					{"networkid": f.nodeNetwork.ID, "autoacquire": true},
					{"networkid": metalapi.InternetNetworkID, "autoacquire": true},
				},
				"tags": []string{clusterTag},
			})
			Expect(err).NotTo(HaveOccurred())
			firewallID := allocated["id"].(string)

			// The MCM objects before, to show that the forced deletion leaves them alone.
			deployments := &machinev1alpha1.MachineDeploymentList{}
			Expect(env.Client.List(ctx, deployments, client.InNamespace(namespace))).To(Succeed())
			Expect(deployments.Items).To(HaveLen(2))
			machineUIDs := map[string]types.UID{}
			for _, m := range machines(ctx, env.Client, namespace) {
				machineUIDs[m.Name] = m.UID
			}

			By("confirming the force deletion on the shoot, as the controller sees it")
			f.shoot.Annotations = map[string]string{v1beta1constants.AnnotationConfirmationForceDeletion: "true"}
			Expect(testenv.UpdateClusterShoot(ctx, env.Client, f.shoot)).To(Succeed())
			Eventually(func(g Gomega) {
				cluster, err := extensionscontroller.GetCluster(ctx, controllerClient, namespace)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(v1beta1helper.ShootNeedsForceDeletion(cluster.Shoot)).To(BeTrue())
			}).Should(Succeed())

			By("deleting the Worker: gone without waiting for machines or firewall")
			mark := sim.Mark()
			Expect(env.Client.Delete(ctx, getWorker(ctx, env.Client, namespace, f.name))).To(Succeed())
			Eventually(func() error {
				return env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: f.name}, &extensionsv1alpha1.Worker{})
			}).WithTimeout(30 * time.Second).Should(Satisfy(apierrors.IsNotFound))

			deploy := &fcmv2.FirewallDeployment{}
			deployErr := env.Client.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallDeploymentName}, deploy)
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(set), set)).To(Succeed())
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(fw), fw)).To(Succeed())
			if fcmAvailable {
				By("firewall-controller-manager runs: the FirewallDeployment is being deleted, FCM keeps its finalizers to free the firewall")
				Expect(deployErr).NotTo(HaveOccurred())
				Expect(deploy.DeletionTimestamp).NotTo(BeNil())
				for _, obj := range []client.Object{deploy, set, fw} {
					Expect(obj.GetFinalizers()).To(ConsistOf(fcmv2.FinalizerName), "%T %s", obj, obj.GetName())
				}
			} else {
				By("firewall-controller-manager is gone: the FirewallDeployment is deleted and no FCM finalizer is left to block the namespace")
				Expect(apierrors.IsNotFound(deployErr)).To(BeTrue(), "FirewallDeployment: %v", deployErr)
				// envtest runs no garbage collector; in a seed the set and the firewall go with their owner.
				for _, obj := range []client.Object{set, fw} {
					Expect(obj.GetFinalizers()).To(BeEmpty(), "%T %s", obj, obj.GetName())
					Expect(obj.GetOwnerReferences()).To(ConsistOf(HaveField("Controller", HaveValue(BeTrue()))))
				}
			}

			By("machine-controller-manager's objects are left to the generic actuator, which does nothing on a forced deletion")
			deploymentsAfter := &machinev1alpha1.MachineDeploymentList{}
			Expect(env.Client.List(ctx, deploymentsAfter, client.InNamespace(namespace))).To(Succeed())
			Expect(deploymentsAfter.Items).To(HaveLen(2))
			for _, md := range deploymentsAfter.Items {
				Expect(md.DeletionTimestamp).To(BeNil(), "MachineDeployment %s", md.Name)
			}
			for _, m := range machines(ctx, env.Client, namespace) {
				Expect(machineUIDs).To(HaveKeyWithValue(m.Name, m.UID))
				Expect(m.DeletionTimestamp).To(BeNil(), "Machine %s", m.Name)
			}
			Expect(machines(ctx, env.Client, namespace)).To(HaveLen(len(machineUIDs)))

			By("nothing is freed in the metal-api: the machines and the firewall keep the shoot's cluster tag for the operator")
			Expect(sim.CallsSince(mark).Writes()).To(BeEmpty())
			left := sim.LeftoversForCluster(clusterTag)
			Expect(left.Machines).To(ConsistOf(workerMachines))
			Expect(left.Firewalls).To(ConsistOf(firewallID))

			By("cleaning up as the operator does after a forced deletion: the seed namespace is gone with machine-controller-manager, the shoot's machines and firewall are freed in the metal-api by their cluster tag")
			stopMCM()
			Expect(removeFirewallFinalizers(ctx, env.Client, namespace)).To(Succeed())
			for _, id := range append(slices.Clone(workerMachines), firewallID) {
				_, err = sim.Request(ctx, http.MethodDelete, "/v1/machine/"+id+"/free", nil)
				Expect(err).NotTo(HaveOccurred())
			}
			_, err = admin.ReleaseCluster(ctx, identity)
			Expect(err).NotTo(HaveOccurred())
			Expect(sim.LeftoversForCluster(clusterTag).Empty()).To(BeTrue(), sim.LeftoversForCluster(clusterTag).String())
			Expect(env.Client.Delete(ctx, fcm)).To(Succeed())
		},
		Entry("with firewall-controller-manager gone", "fcm-gone", false),
		Entry("with firewall-controller-manager running", "fcm-running", true),
	)
})
