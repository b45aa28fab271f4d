// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox_test

import (
	"context"
	"io"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/internal/sandbox"
	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	metalconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/metal"
	controlplanewebhook "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

var _ = Describe("Sandbox", func() {
	It("runs the example shoot to ready, reports what the simulators hold, and deletes it without leftovers", func(ctx SpecContext) {
		var (
			out        testenv.LogBuffer
			logs       testenv.LogBuffer
			running    *sandbox.Sandbox
			checked    bool
			firewallID string
			etcdsLeft  []string
		)
		err := sandbox.Run(ctx, sandbox.Options{
			Once:    true,
			Delete:  true,
			Dir:     GinkgoT().TempDir(),
			Timeout: 90 * time.Second,
			Out:     io.MultiWriter(&out, GinkgoWriter),
			Log:     io.MultiWriter(&logs, GinkgoWriter),
			OnReady: func(ctx context.Context, sb *sandbox.Sandbox, summary *sandbox.Summary) error {
				running = sb
				// Before the other checks, which the agent's statusLag overlaps.
				lagging := setFirewallPhaseBehind(ctx, sb, summary.Shoots[0])
				expectSummaryMatchesSimulators(sb, summary)
				firewallID = summary.Shoots[0].Firewall.Machines[0].MachineID
				expectEtcds(sb, summary.Shoots[0])
				expectFirewallCaughtUp(ctx, sb, lagging, &logs)
				checked = true
				return nil
			},
			OnDeleted: func(ctx context.Context, sb *sandbox.Sandbox) error {
				etcds := &druidcorev1alpha1.EtcdList{}
				if err := sb.Seed.Client.List(ctx, etcds); err != nil {
					return err
				}
				etcdsLeft = []string{}
				for _, e := range etcds.Items {
					etcdsLeft = append(etcdsLeft, e.Namespace+"/"+e.Name)
				}
				return nil
			},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(checked).To(BeTrue(), "the summary was checked against the simulators")
		Expect(out.String()).To(ContainSubstring("nothing of them is left in the metal-api or on ONTAP"))

		By("finding no Etcd left in the seed after the deletion")
		Expect(out.String()).To(ContainSubstring("delete Etcd etcd-main"))
		Expect(out.String()).To(ContainSubstring("delete Etcd etcd-events"))
		Expect(etcdsLeft).NotTo(BeNil(), "the seed was read after the deletion")
		Expect(etcdsLeft).To(BeEmpty(), "Etcds left in the seed")

		By("finding nothing of the deleted shoot in either simulator")
		Expect(running.Leftovers()).To(BeEmpty())
		uid := running.Shoots[0].UID()
		Expect(running.MetalAPI.LeftoversForCluster(metal.ClusterTag(uid)).Empty()).To(BeTrue())
		Expect(running.MetalAPI.LeftoversForCluster(metal.StorageTag(uid)).Empty()).To(BeTrue())
		Expect(running.ONTAP.State().SVMs).To(BeEmpty())
		Expect(running.ONTAP.State().Interfaces).To(BeEmpty())

		By("finding the firewall machine free again, without allocation")
		Expect(running.MetalAPI.State().Firewalls).To(BeEmpty())
		freed := false
		for _, m := range running.MetalAPI.State().Machines {
			if *m.ID == firewallID {
				freed = m.Allocation == nil
			}
		}
		Expect(freed).To(BeTrue(), "firewall machine %s is free in the metal-api", firewallID)
	}, NodeTimeout(3*time.Minute))
})

// setFirewallPhaseBehind sets the phase of the shoot's Firewall back to Creating, as firewall-controller-manager
// leaves it when it loses the status update that would make it Running (see the sandbox's firewall agent), and
// returns the Firewall.
func setFirewallPhaseBehind(ctx context.Context, sb *sandbox.Sandbox, sh sandbox.ShootSummary) *fcmv2.Firewall {
	GinkgoHelper()
	By("setting the firewall's phase back to Creating while its machine runs")
	fw := &fcmv2.Firewall{}
	Expect(sb.Seed.Client.Get(ctx, client.ObjectKey{Namespace: sh.Namespace, Name: sh.Firewall.Machines[0].Name}, fw)).To(Succeed())
	Expect(fw.Status.Phase).To(Equal(fcmv2.FirewallPhaseRunning))
	patch := client.MergeFrom(fw.DeepCopy())
	fw.Status.Phase = fcmv2.FirewallPhaseCreating
	Expect(sb.Seed.Client.Status().Patch(ctx, fw, patch)).To(Succeed())
	return fw
}

// expectFirewallCaughtUp checks that the firewall agent had firewall-controller-manager reconcile the Firewall whose
// phase is behind, and that it is Running again, well before FCM's own next reconcile in 2 minutes.
func expectFirewallCaughtUp(ctx context.Context, sb *sandbox.Sandbox, fw *fcmv2.Firewall, logs *testenv.LogBuffer) {
	GinkgoHelper()
	By("the firewall agent asking firewall-controller-manager to reconcile it, which makes it Running again")
	Eventually(func(g Gomega) {
		got := &fcmv2.Firewall{}
		g.Expect(sb.Seed.Client.Get(ctx, client.ObjectKeyFromObject(fw), got)).To(Succeed())
		g.Expect(got.Status.Phase).To(Equal(fcmv2.FirewallPhaseRunning))
	}).WithContext(ctx).WithTimeout(time.Minute).WithPolling(time.Second).Should(Succeed())
	Expect(logs.String()).To(MatchRegexp(`asked firewall-controller-manager to reconcile it.*"firewall":"%s"`, regexp.QuoteMeta(fw.Name)))
}

// expectEtcds checks gardenlet's Etcds in the seed against provider-metal's component configuration of the example,
// which the sandbox hands to the seed-provider webhook, and against the summary: both have the configured storage
// class and capacity (not gardenlet's), etcd-main has the configured backup schedule, etcd-events no backup.
func expectEtcds(sb *sandbox.Sandbox, sh sandbox.ShootSummary) {
	GinkgoHelper()
	By("gardenlet's Etcds in the seed with the storage and backup of provider-metal's configuration, by its seed-provider webhook")
	root, err := testenv.ModuleDir("")
	Expect(err).NotTo(HaveOccurred())
	cfg, err := metalconfigloader.LoadFromFile(filepath.Join(root, "example", "config", "provider-metal.yaml"))
	Expect(err).NotTo(HaveOccurred())
	etcd := cfg.ETCD
	Expect(etcd.Storage.ClassName).NotTo(BeNil(), "the example configures the etcds' storage class")
	Expect(etcd.Storage.Capacity).NotTo(BeNil(), "the example configures the etcds' capacity")
	Expect(etcd.Backup.Schedule).NotTo(BeNil(), "the example configures the backup schedule")

	var want []sandbox.Etcd
	for _, name := range []string{"etcd-main", "etcd-events"} {
		e := &druidcorev1alpha1.Etcd{}
		Expect(sb.Seed.Client.Get(context.Background(), client.ObjectKey{Namespace: sh.Namespace, Name: name}, e)).To(Succeed())
		Expect(e.Spec.StorageClass).To(HaveValue(Equal(*etcd.Storage.ClassName)), name)
		Expect(e.Spec.StorageCapacity).NotTo(BeNil(), name)
		Expect(e.Spec.StorageCapacity.Cmp(*etcd.Storage.Capacity)).To(BeZero(), "%s has capacity %s", name, e.Spec.StorageCapacity)
		se := sandbox.Etcd{Name: name, StorageClass: *etcd.Storage.ClassName, Capacity: e.Spec.StorageCapacity.String()}
		if name == "etcd-main" {
			Expect(e.Spec.Backup.Store).NotTo(BeNil())
			Expect(e.Spec.Backup.FullSnapshotSchedule).To(HaveValue(Equal(*etcd.Backup.Schedule)))
			if p := etcd.Backup.DeltaSnapshotPeriod; p != nil {
				Expect(e.Spec.Backup.DeltaSnapshotPeriod).To(HaveValue(Equal(*p)))
			}
			se.BackupSchedule = *etcd.Backup.Schedule
		} else {
			Expect(e.Spec.Backup.Store).To(BeNil(), "etcd-events has no backup")
		}
		want = append(want, se)
	}
	Expect(sh.Etcds).To(Equal(want))
}

// expectSummaryMatchesSimulators compares the summary, which the sandbox collects from the seed and the shoot's
// API server, with what the metal-api and ONTAP simulators hold.
func expectSummaryMatchesSimulators(sb *sandbox.Sandbox, summary *sandbox.Summary) {
	GinkgoHelper()
	Expect(summary.Shoots).To(HaveLen(1))
	sh, shoot := summary.Shoots[0], sb.Shoots[0].Object
	Expect(sh.UID).To(Equal(string(shoot.Status.UID)))
	Expect(shoot.Spec.Networking.IPFamilies).To(Equal([]gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6}))
	infra, err := metalhelper.InfrastructureConfigFromRawExtension(shoot.Spec.Provider.InfrastructureConfig)
	Expect(err).NotTo(HaveOccurred())
	metalState := sb.MetalAPI.State()

	By("a node network with one IPv4 and one IPv6 prefix, as the metal-api holds it for the shoot")
	Expect(sh.NodeNetwork.Prefixes).To(HaveLen(2))
	var families []string
	for _, p := range sh.NodeNetwork.Prefixes {
		prefix := netip.MustParsePrefix(p)
		if prefix.Addr().Is4() {
			families = append(families, "IPv4")
			Expect(prefix.Bits()).To(Equal(int(*infra.NodeNetwork.PrefixLengths.IPv4)))
		} else {
			families = append(families, "IPv6")
			Expect(prefix.Bits()).To(Equal(int(*infra.NodeNetwork.PrefixLengths.IPv6)))
		}
	}
	Expect(families).To(ConsistOf("IPv4", "IPv6"))
	Expect(sb.MetalAPI.LeftoversForCluster(metal.ClusterTag(sh.UID)).Networks).To(Equal([]string{sh.NodeNetwork.ID}))
	found := false
	for _, n := range metalState.Networks {
		if *n.ID == sh.NodeNetwork.ID {
			found = true
			Expect(n.Prefixes).To(ConsistOf(sh.NodeNetwork.Prefixes))
			Expect(n.Projectid).To(Equal(infra.ProjectID))
		}
	}
	Expect(found).To(BeTrue(), "the metal-api holds node network %s", sh.NodeNetwork.ID)

	expectControlPlane(sb, sh)

	expectFirewall(sb, sh, infra, metalState)

	By("the machines leased as the Worker asks, with the node addresses the metal-api gave them")
	pools := map[string]gardencorev1beta1.Worker{}
	var want int
	for _, w := range shoot.Spec.Provider.Workers {
		pools[w.Name] = w
		want += int(w.Minimum)
	}
	Expect(sh.Machines).To(HaveLen(want))
	leased := sb.MetalAPI.LeftoversForCluster(metal.ClusterTag(sh.UID)).Machines
	Expect(leased).To(HaveLen(want))
	for _, m := range sh.Machines {
		Expect(m.Phase).To(Equal("Running"))
		Expect(m.NodeReady).To(BeTrue(), "machine %s has a ready node in the shoot", m.Name)
		id, ok := mcm.MachineIDFromProviderID(m.ProviderID)
		Expect(ok).To(BeTrue())
		Expect(leased).To(ContainElement(id))
		i := -1
		for j, sm := range metalState.Machines {
			if *sm.ID == id {
				i = j
			}
		}
		Expect(i).NotTo(Equal(-1), "the metal-api holds machine %s", id)
		sm := metalState.Machines[i]
		pool, ok := pools[m.Pool]
		Expect(ok).To(BeTrue(), "machine %s belongs to pool %q", m.Name, m.Pool)
		Expect(*sm.Size.ID).To(Equal(pool.Machine.Type))
		Expect(*sm.Allocation.Project).To(Equal(infra.ProjectID))
		Expect(*sm.Allocation.Hostname).To(Equal(m.Name))
		wc, err := metalhelper.WorkerConfigFromRawExtension(pool.ProviderConfig)
		Expect(err).NotTo(HaveOccurred())
		var networks, nodeIPs []string
		for _, n := range sm.Allocation.Networks {
			networks = append(networks, *n.Networkid)
			if *n.Networkid == sh.NodeNetwork.ID {
				nodeIPs = n.Ips
			}
		}
		Expect(networks).To(ConsistOf(append([]string{sh.NodeNetwork.ID}, wc.AdditionalNetworks...)))
		Expect(nodeIPs).To(HaveLen(2), "an IPv4 and an IPv6 address in the node network")
		Expect(m.Addresses).To(ConsistOf(nodeIPs))
	}

	By("the SVM with its LIFs, as ONTAP holds them, with LIF IPs from the metal-api's storage network")
	Expect(sh.SVM).NotTo(BeNil())
	ontapState := sb.ONTAP.State()
	i := slices.IndexFunc(ontapState.SVMs, func(s ontapapi.SVMState) bool { return s.Name == sh.SVM.Name })
	Expect(i).NotTo(Equal(-1), "SVM %s exists on ONTAP", sh.SVM.Name)
	Expect(ontapState.SVMs[i].UUID).To(Equal(sh.SVM.UUID))
	Expect(sh.SVM.DataLIFs).NotTo(BeEmpty())
	Expect(sh.SVM.ManagementLIF).NotTo(BeNil())
	var lifs, summaryLIFs []string
	for _, l := range ontapState.Interfaces {
		if l.SVM == sh.SVM.Name {
			lifs = append(lifs, l.Name+"="+l.Address+"@"+l.HomeNode)
		}
	}
	for _, l := range append(slices.Clone(sh.SVM.DataLIFs), *sh.SVM.ManagementLIF) {
		summaryLIFs = append(summaryLIFs, l.Name+"="+l.Address+"@"+l.HomeNode)
	}
	Expect(lifs).To(ConsistOf(summaryLIFs))
	storageIPs := sb.MetalAPI.LeftoversForCluster(metal.StorageTag(sh.UID)).IPs
	for _, l := range append(slices.Clone(sh.SVM.DataLIFs), *sh.SVM.ManagementLIF) {
		Expect(storageIPs).To(ContainElement(l.Address), "LIF %s has its IP from the metal-api", l.Name)
	}

	By("Trident and the StorageClasses of the ontap Extension in the shoot's API server")
	var ontapConfig *runtime.RawExtension
	for _, e := range shoot.Spec.Extensions {
		if e.Type == "ontap" {
			ontapConfig = e.ProviderConfig
		}
	}
	cfg, err := ontaphelper.OntapConfigFromRawExtension(ontapConfig)
	Expect(err).NotTo(HaveOccurred())
	// The ontap Extension's classes and the ControlPlane's, which its ManagedResource lists as applied.
	var classes, wantClasses []string
	for _, sc := range sh.StorageClasses {
		classes = append(classes, sc.Name)
	}
	for _, sc := range cfg.StorageClasses {
		wantClasses = append(wantClasses, sc.Name)
	}
	mr := &resourcesv1alpha1.ManagedResource{}
	Expect(sb.Seed.Client.Get(context.Background(), client.ObjectKey{Namespace: sh.Namespace, Name: genericactuator.StorageClassesChartResourceName}, mr)).To(Succeed())
	for _, ref := range mr.Status.Resources {
		if ref.Kind == "StorageClass" {
			wantClasses = append(wantClasses, ref.Name)
		}
	}
	Expect(wantClasses).To(ContainElement("csi-lvm"))
	Expect(classes).To(ConsistOf(wantClasses))
	Expect(sh.ShootObjects).To(ContainElements(
		sandbox.ShootObject{Kind: "Deployment", Namespace: "kube-system", Name: "trident-operator"},
		HaveField("Kind", "TridentOrchestrator"),
	))
	backends := 0
	for _, o := range sh.ShootObjects {
		if o.Kind == "TridentBackendConfig" {
			backends++
		}
	}
	Expect(backends).To(Equal(len(cfg.Protocols)), "one backend per protocol")
}

// expectControlPlane checks the ControlPlane against the seed's and the shoot's API servers: it succeeded, its
// cloud-controller-manager and firewall-controller-manager Deployments are in the seed namespace, the
// cloud-controller-manager with the shoot's node network, and gardener-resource-manager applied the firewall
// policies of both families and the node network info to the shoot's API server.
func expectControlPlane(sb *sandbox.Sandbox, sh sandbox.ShootSummary) {
	GinkgoHelper()
	ctx := context.Background()
	seed, shootAPI := sb.Seed.Client, sb.Shoots[0].API.Client

	By("the ControlPlane succeeded")
	cp := &extensionsv1alpha1.ControlPlane{}
	Expect(seed.Get(ctx, client.ObjectKey{Namespace: sh.Namespace, Name: "control-plane"}, cp)).To(Succeed())
	Expect(cp.Status.LastOperation).NotTo(BeNil())
	Expect(cp.Status.LastOperation.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded))
	Expect(cp.Status.LastError).To(BeNil())
	Expect(sh.ControlPlane).NotTo(BeNil())
	Expect(sh.ControlPlane.State).To(Equal("Succeeded"))

	By("cloud-controller-manager and firewall-controller-manager in the seed namespace, through the seed's resource manager")
	ccm := &appsv1.Deployment{}
	Expect(seed.Get(ctx, client.ObjectKey{Namespace: sh.Namespace, Name: controlplane.CloudControllerManagerName}, ccm)).To(Succeed())
	Expect(ccm.Labels).To(HaveKeyWithValue(resourcesv1alpha1.ManagedBy, "gardener"))
	var networks string
	for _, e := range ccm.Spec.Template.Spec.Containers[0].Env {
		if e.Name == "METAL_ADDITIONAL_NETWORKS" {
			networks = e.Value
		}
	}
	Expect(strings.Split(networks, ",")).To(ContainElement(sh.NodeNetwork.ID))
	Expect(seed.Get(ctx, client.ObjectKey{Namespace: sh.Namespace, Name: worker.FirewallControllerManagerDeploymentName}, &appsv1.Deployment{})).To(Succeed())
	var deployments []string
	for _, d := range sh.ControlPlane.Deployments {
		deployments = append(deployments, d.Name)
	}
	Expect(deployments).To(ConsistOf(controlplane.CloudControllerManagerName, worker.FirewallControllerManagerDeploymentName))

	By("the firewall policies of both families in the shoot's API server, through the shoot's resource manager")
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(firewallv1.GroupVersion.WithKind("ClusterwideNetworkPolicyList"))
	Expect(shootAPI.List(ctx, list, client.InNamespace(firewallv1.ClusterwideNetworkPolicyNamespace))).To(Succeed())
	byFamily := map[string][]string{}
	for _, item := range list.Items {
		Expect(item.GetLabels()).To(HaveKeyWithValue(resourcesv1alpha1.ManagedBy, "gardener"), item.GetName())
		p := &firewallv1.ClusterwideNetworkPolicy{}
		Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, p)).To(Succeed())
		for _, rule := range p.Spec.Egress {
			for _, to := range rule.To {
				family := "IPv6"
				if netip.MustParsePrefix(to.CIDR).Addr().Is4() {
					family = "IPv4"
				}
				if !slices.Contains(byFamily[family], p.Name) {
					byFamily[family] = append(byFamily[family], p.Name)
				}
			}
		}
	}
	Expect(byFamily).To(HaveKey("IPv4"))
	Expect(byFamily).To(HaveKey("IPv6"))
	Expect(byFamily["IPv4"]).To(ContainElements("allow-to-dns-ipv4", "allow-to-apiserver-ipv4"))
	Expect(byFamily["IPv6"]).To(ContainElements("allow-to-dns-ipv6", "allow-to-apiserver-ipv6"))
	for family, names := range byFamily {
		Expect(sh.ControlPlane.Policies[family]).To(ConsistOf(names), family)
	}
	Expect(sh.ControlPlane.Policies).To(HaveLen(len(byFamily)))

	By("the shoot-info-node-cidr ConfigMap with both prefixes of the node network")
	cm := &corev1.ConfigMap{}
	Expect(shootAPI.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: "shoot-info-node-cidr"}, cm)).To(Succeed())
	Expect(cm.Labels).To(HaveKeyWithValue(resourcesv1alpha1.ManagedBy, "gardener"))
	Expect(strings.Split(cm.Data["nodeCIDR"], ",")).To(ConsistOf(sh.NodeNetwork.Prefixes))
	for _, p := range sh.NodeNetwork.Prefixes {
		family := "IPv6"
		if netip.MustParsePrefix(p).Addr().Is4() {
			family = "IPv4"
		}
		Expect(cm.Data).To(HaveKeyWithValue("nodeCIDR"+family, p))
	}
	Expect(sh.ControlPlane.NodeCIDR).To(Equal(cm.Data))

	By("gardenlet's machine-controller-manager Deployment with the metal driver as sidecar, by provider-metal's control-plane webhook")
	images, err := controlplane.ImageVector()
	Expect(err).NotTo(HaveOccurred())
	image, err := images.FindImage(controlplanewebhook.ImageNameMachineControllerManagerProviderMetal)
	Expect(err).NotTo(HaveOccurred())
	mcmDeployment := &appsv1.Deployment{}
	Expect(seed.Get(ctx, client.ObjectKey{Namespace: sh.Namespace, Name: "machine-controller-manager"}, mcmDeployment)).To(Succeed())
	Expect(mcmDeployment.Spec.Template.Spec.Containers).To(ContainElement(And(
		HaveField("Name", "machine-controller-manager-"+mcm.ProviderName),
		HaveField("Image", image.String()),
	)), "the webhook added the provider sidecar")
}

// expectFirewall checks the firewall against the metal-api simulator and the shoot's API server:
// firewall-controller-manager allocated exactly one firewall machine for the FirewallDeployment the Worker wrote,
// in the FirewallDeployment's size, image, project and networks, with the IPs the summary shows; it is running and
// provisioned, and its FirewallMonitor in the shoot carries the firewall agent's report.
func expectFirewall(sb *sandbox.Sandbox, sh sandbox.ShootSummary, infra *apismetal.InfrastructureConfig, metalState metalapi.Snapshot) {
	GinkgoHelper()
	By("the FirewallDeployment for the node network and the firewall's networks, ready")
	Expect(sh.Firewall).NotTo(BeNil())
	wantNetworks := append([]string{sh.NodeNetwork.ID}, infra.Firewall.Networks...)
	Expect(sh.Firewall.Networks).To(Equal(wantNetworks))
	Expect(sh.Firewall.Size).To(Equal(infra.Firewall.Size))
	Expect(sh.Firewall.Replicas).To(Equal(1))
	Expect(sh.Firewall.ReadyReplicas).To(Equal(1))

	By("one firewall machine allocated by firewall-controller-manager in the metal-api, as the summary shows it")
	Expect(sh.Firewall.Machines).To(HaveLen(1))
	fw := sh.Firewall.Machines[0]
	Expect(fw.Phase).To(Equal("Running"))
	Expect(fw.Provisioned).To(BeTrue(), "the firewall is provisioned: created, ready and its controller connected")
	Expect(fw.ControllerVersion).To(HaveSuffix("+sandbox-agent"))
	Expect(sb.MetalAPI.LeftoversForCluster(metal.ClusterTag(sh.UID)).Firewalls).To(Equal([]string{fw.MachineID}))
	i := -1
	for j, f := range metalState.Firewalls {
		if *f.ID == fw.MachineID {
			i = j
		}
	}
	Expect(i).NotTo(Equal(-1), "the metal-api holds firewall %s", fw.MachineID)
	sim := metalState.Firewalls[i]
	Expect(*sim.Allocation.Hostname).To(Equal(fw.Name))
	Expect(*sim.Allocation.Project).To(Equal(infra.ProjectID))
	Expect(*sim.Allocation.Role).To(Equal("firewall"))
	Expect(*sim.Size.ID).To(Equal(infra.Firewall.Size))
	Expect(*sim.Allocation.Image.ID).To(Equal(infra.Firewall.Image))
	Expect(sim.Tags).To(ContainElements(metal.ClusterTag(sh.UID), fcmv2.FirewallManagedByTag()))
	simIPs, summaryIPs := map[string][]string{}, map[string][]string{}
	for _, n := range sim.Allocation.Networks {
		simIPs[*n.Networkid] = n.Ips
	}
	for _, n := range fw.Networks {
		summaryIPs[n.ID] = n.IPs
	}
	Expect(summaryIPs).To(Equal(simIPs))
	for _, id := range wantNetworks {
		Expect(simIPs).To(HaveKey(id))
		Expect(simIPs[id]).NotTo(BeEmpty(), "the firewall has an IP in network %s", id)
	}
	Expect(simIPs[sh.NodeNetwork.ID]).To(HaveLen(2), "an IPv4 and an IPv6 address in the node network")

	By("the FirewallMonitor in the shoot with the firewall agent's report")
	mon := &fcmv2.FirewallMonitor{}
	Expect(sb.Shoots[0].API.Client.Get(context.Background(), client.ObjectKey{Namespace: fcmv2.FirewallShootNamespace, Name: fw.Name}, mon)).To(Succeed())
	Expect(mon.MachineStatus).NotTo(BeNil())
	Expect(mon.MachineStatus.MachineID).To(Equal(fw.MachineID))
	Expect(mon.ControllerStatus).NotTo(BeNil())
	Expect(mon.ControllerStatus.ControllerVersion).To(Equal(fw.ControllerVersion))
	Expect(mon.ControllerStatus.SeedUpdated.IsZero()).To(BeFalse())
}
