// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionsworkercontroller "github.com/gardener/gardener/extensions/pkg/controller/worker"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
)

const (
	// defaultStorageClassAnnotation marks the default StorageClass of a cluster.
	defaultStorageClassAnnotation = "storageclass.kubernetes.io/is-default-class"
	// shootInfoNodeCIDR is the ConfigMap of the shoot's kube-system namespace with its node networks, which the
	// ControlPlane deploys.
	shootInfoNodeCIDR = "shoot-info-node-cidr"
)

// controlPlaneDeployments are the Deployments the ControlPlane deploys into the seed namespace.
var controlPlaneDeployments = []string{controlplane.CloudControllerManagerName, worker.FirewallControllerManagerDeploymentName}

// Summary is what the sandbox's shoots are made of, as the controllers report it in the seed (status of the
// extension objects, Machines, FirewallDeployment) and as the shoots' API servers hold it. It reads no simulator,
// so it reads the same against a real metal-api and ONTAP cluster; the tests compare it with the simulators.
type Summary struct {
	// ReadyAfter is the time from the start of the sandbox until every shoot was ready; ControlPlanesUp the part
	// of it the API servers, simulators and controllers took to start.
	ReadyAfter, ControlPlanesUp time.Duration
	// SeedKubeconfig is the kubeconfig file of the seed.
	SeedKubeconfig string
	Shoots         []ShootSummary
}

// ShootSummary describes one shoot.
type ShootSummary struct {
	Name, Namespace, UID string
	// ReadyAfter is the time from the creation of the shoot until it was ready.
	ReadyAfter time.Duration
	// Kubeconfig is the kubeconfig file of the shoot's API server.
	Kubeconfig string

	NodeNetwork NodeNetwork
	// ControlPlane is what the ControlPlane deployed; nil when there is none.
	ControlPlane *ControlPlane
	// Firewall is the FirewallDeployment the Worker controller wrote; nil when there is none.
	Firewall *Firewall
	Machines []Machine
	// SVM is the shoot's SVM as the ontap Extension reports it; nil without the extension.
	SVM *SVM
	// ShootObjects are the objects the ManagedResources of the ontap extension carry, as found in the shoot's API
	// server.
	ShootObjects []ShootObject
	// StorageClasses are the StorageClasses of the shoot's API server.
	StorageClasses []StorageClass
	// Etcds are gardenlet's Etcds of the shoot in the seed, as provider-metal's seed-provider webhook adapted them;
	// etcd-main first.
	Etcds []Etcd
}

// Etcd is one of gardenlet's Etcds of the shoot in the seed namespace.
type Etcd struct {
	Name string
	// StorageClass and Capacity are the etcd's volume; empty when unset.
	StorageClass, Capacity string
	// BackupSchedule is the cron schedule of full snapshots; empty without backup (etcd-events).
	BackupSchedule string
}

// NodeNetwork is the shoot's node network in the metal-api, from the Infrastructure's status.
type NodeNetwork struct {
	ID       string
	Prefixes []string
}

// ControlPlane is the shoot's ControlPlane: its state, its Deployments in the seed namespace and what it deployed
// into the shoot's API server through gardener-resource-manager.
type ControlPlane struct {
	// State is the state of its last operation.
	State string
	// Deployments are the Deployments of the seed namespace (the seed has no kubelet: none becomes available).
	Deployments []SeedDeployment
	// Policies are the names of the ClusterwideNetworkPolicies in the shoot's API server by IP family of their
	// destinations ("IPv4", "IPv6").
	Policies map[string][]string
	// NodeCIDR is the data of the ConfigMap kube-system/shoot-info-node-cidr in the shoot's API server.
	NodeCIDR map[string]string
}

// SeedDeployment is a Deployment of the ControlPlane in the seed namespace.
type SeedDeployment struct {
	Name, Image string
	// Networks are the metal-api networks the cloud-controller-manager is given (METAL_ADDITIONAL_NETWORKS).
	Networks []string
}

// Firewall is the shoot's FirewallDeployment with the firewalls firewall-controller-manager allocated for it.
type Firewall struct {
	Name                   string
	Replicas               int
	Size, Image, Partition string
	Networks               []string
	// ReadyReplicas are the FirewallDeployment's ready firewalls.
	ReadyReplicas int
	// Machines are the deployment's Firewalls with their machines, as firewall-controller-manager reports them
	// from the metal-api.
	Machines []FirewallMachine
}

// FirewallMachine is a Firewall of the shoot and its machine in the metal-api.
type FirewallMachine struct {
	// Name is the Firewall's name, the machine's host name.
	Name string
	// MachineID is the firewall machine's ID in the metal-api.
	MachineID string
	// Phase is the Firewall's phase (Creating, Running, Crashing); Provisioned tells whether every condition
	// holds (created, ready, firewall-controller connected to shoot and seed).
	Phase       string
	Provisioned bool
	// ControllerVersion is the version the firewall's controller reports.
	ControllerVersion string
	// Networks are the machine's networks with the IPs the metal-api gave it.
	Networks []FirewallNetwork
}

// FirewallNetwork is a network of a firewall machine.
type FirewallNetwork struct {
	ID, Type string
	IPs      []string
}

// Machine is a Machine of the shoot with its metal-api machine and its Node in the shoot.
type Machine struct {
	Name, Pool, ProviderID, Phase string
	// Node is the node's name; NodeReady tells whether the shoot's API server has it as Ready.
	Node      string
	NodeReady bool
	// Addresses are the internal IPs of the node, as its kubelet reports them.
	Addresses []string
}

// SVM is the shoot's SVM on ONTAP.
type SVM struct {
	Cluster, Name, UUID string
	DataLIFs            []LIF
	ManagementLIF       *LIF
}

// LIF is a logical interface of the SVM.
type LIF struct {
	Name, Address, HomeNode, Protocol string
}

// ShootObject is an object in the shoot's API server.
type ShootObject struct {
	Kind, Namespace, Name string
}

// StorageClass is a StorageClass of the shoot.
type StorageClass struct {
	Name, Provisioner string
	Default           bool
}

// Summary collects the summary of the ready shoots.
func (sb *Sandbox) Summary(ctx context.Context) (*Summary, error) {
	s := &Summary{ControlPlanesUp: sb.ControlPlanesUp, SeedKubeconfig: sb.seedKubeconfig()}
	for _, shoot := range sb.Shoots {
		ss, err := shoot.summary(ctx)
		if err != nil {
			return nil, fmt.Errorf("%s: collecting the summary: %w", shoot.Namespace, err)
		}
		s.Shoots = append(s.Shoots, *ss)
		s.ReadyAfter = max(s.ReadyAfter, shoot.Ready.Sub(sb.started))
	}
	return s, nil
}

func (s *Shoot) summary(ctx context.Context) (*ShootSummary, error) {
	seed := s.sb.cache.GetClient()
	out := &ShootSummary{Name: s.Name, Namespace: s.Namespace, UID: s.UID(), ReadyAfter: s.Ready.Sub(s.Created), Kubeconfig: s.Kubeconfig}

	infra := &extensionsv1alpha1.Infrastructure{}
	if err := seed.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: s.Object.Name}, infra); err != nil {
		return nil, err
	}
	infraStatus, err := metalhelper.InfrastructureStatusFromRaw(infra.Status.ProviderStatus)
	if err != nil {
		return nil, fmt.Errorf("decoding the Infrastructure's status: %w", err)
	}
	if nn := infraStatus.NodeNetwork; nn != nil {
		out.NodeNetwork = NodeNetwork{ID: nn.ID, Prefixes: slices.Clone(nn.Prefixes)}
	}

	if out.ControlPlane, err = s.controlPlaneSummary(ctx); err != nil {
		return nil, err
	}

	fw := &fcmv2.FirewallDeployment{}
	if err := seed.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: worker.FirewallDeploymentName}, fw); client.IgnoreNotFound(err) != nil {
		return nil, err
	} else if err == nil {
		t := fw.Spec.Template.Spec
		out.Firewall = &Firewall{Name: fw.Name, Replicas: fw.Spec.Replicas, Size: t.Size, Image: t.Image, Partition: t.Partition, Networks: slices.Clone(t.Networks), ReadyReplicas: fw.Status.ReadyReplicas}
		if out.Firewall.Machines, err = s.firewallMachines(ctx); err != nil {
			return nil, err
		}
	}

	nodes := &corev1.NodeList{}
	if err := s.API.Client.List(ctx, nodes); err != nil {
		return nil, fmt.Errorf("listing the shoot's nodes: %w", err)
	}
	ready, addresses := map[string]bool{}, map[string][]string{}
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				ready[n.Name] = c.Status == corev1.ConditionTrue
			}
		}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP {
				addresses[n.Name] = append(addresses[n.Name], a.Address)
			}
		}
	}
	deployments := &machinev1alpha1.MachineDeploymentList{}
	if err := seed.List(ctx, deployments, client.InNamespace(s.Namespace)); err != nil {
		return nil, err
	}
	pools := map[string]string{}
	for _, d := range deployments.Items {
		pools[d.Name] = d.Labels[v1beta1constants.LabelWorkerPool]
	}
	machines := &machinev1alpha1.MachineList{}
	if err := seed.List(ctx, machines, client.InNamespace(s.Namespace)); err != nil {
		return nil, err
	}
	for _, m := range machines.Items {
		mm := Machine{
			Name:       m.Name,
			Pool:       pools[m.Labels[extensionsworkercontroller.LabelKeyMachineDeploymentName]],
			ProviderID: m.Spec.ProviderID,
			Phase:      string(m.Status.CurrentStatus.Phase),
			Node:       m.Labels[machinev1alpha1.NodeLabelKey],
		}
		mm.NodeReady, mm.Addresses = ready[mm.Node], addresses[mm.Node]
		out.Machines = append(out.Machines, mm)
	}
	slices.SortFunc(out.Machines, func(a, b Machine) int { return cmp.Or(cmp.Compare(a.Pool, b.Pool), cmp.Compare(a.Name, b.Name)) })

	ext := &extensionsv1alpha1.Extension{}
	if err := seed.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: ontapcontroller.Type}, ext); client.IgnoreNotFound(err) != nil {
		return nil, err
	} else if err == nil {
		st, err := ontaphelper.OntapStatusFromRaw(ext.Status.ProviderStatus)
		if err != nil {
			return nil, fmt.Errorf("decoding the ontap Extension's status: %w", err)
		}
		if st != nil {
			svm := &SVM{Cluster: st.Cluster, Name: st.SVMName, UUID: st.SVMUUID}
			for _, l := range st.DataLIFs {
				svm.DataLIFs = append(svm.DataLIFs, LIF{Name: l.Name, Address: l.Address, HomeNode: l.HomeNode, Protocol: string(l.Protocol)})
			}
			if l := st.ManagementLIF; l != nil {
				svm.ManagementLIF = &LIF{Name: l.Name, Address: l.Address, HomeNode: l.HomeNode}
			}
			out.SVM = svm
		}
		if out.ShootObjects, err = s.shootObjects(ctx); err != nil {
			return nil, err
		}
	}

	if out.Etcds, err = s.etcds(ctx); err != nil {
		return nil, err
	}

	classes := &storagev1.StorageClassList{}
	if err := s.API.Client.List(ctx, classes); err != nil {
		return nil, fmt.Errorf("listing the shoot's storage classes: %w", err)
	}
	for _, sc := range classes.Items {
		out.StorageClasses = append(out.StorageClasses, StorageClass{Name: sc.Name, Provisioner: sc.Provisioner, Default: sc.Annotations[defaultStorageClassAnnotation] == "true"})
	}
	return out, nil
}

// etcds reads gardenlet's Etcds of the shoot namespace from the seed, with the volume and backup schedule the
// seed-provider webhook gave them.
func (s *Shoot) etcds(ctx context.Context) ([]Etcd, error) {
	var out []Etcd
	for _, name := range etcdNames {
		e := &druidcorev1alpha1.Etcd{}
		if err := s.sb.cache.GetClient().Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: name}, e); apierrors.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("reading Etcd %s: %w", name, err)
		}
		etcd := Etcd{Name: e.Name, StorageClass: ptr.Deref(e.Spec.StorageClass, "")}
		if e.Spec.Backup.Store != nil {
			etcd.BackupSchedule = ptr.Deref(e.Spec.Backup.FullSnapshotSchedule, "")
		}
		if c := e.Spec.StorageCapacity; c != nil {
			etcd.Capacity = c.String()
		}
		out = append(out, etcd)
	}
	return out, nil
}

// firewallMachines reads the Firewalls of the shoot namespace with the machine status and networks
// firewall-controller-manager copied from the metal-api, and the controller version from their monitors.
func (s *Shoot) firewallMachines(ctx context.Context) ([]FirewallMachine, error) {
	list := &fcmv2.FirewallList{}
	if err := s.sb.cache.GetClient().List(ctx, list, client.InNamespace(s.Namespace)); err != nil {
		return nil, fmt.Errorf("listing the firewalls: %w", err)
	}
	var out []FirewallMachine
	for _, fw := range list.Items {
		m := FirewallMachine{Name: fw.Name, Phase: string(fw.Status.Phase)}
		if ms := fw.Status.MachineStatus; ms != nil {
			m.MachineID = ms.MachineID
		}
		if c := fw.Status.Conditions.Get(fcmv2.FirewallProvisioned); c != nil {
			m.Provisioned = c.Status == fcmv2.ConditionTrue
		}
		if cs := fw.Status.ControllerStatus; cs != nil {
			m.ControllerVersion = cs.ActualVersion
		}
		for _, n := range fw.Status.FirewallNetworks {
			fn := FirewallNetwork{IPs: slices.Clone(n.IPs)}
			if n.NetworkID != nil {
				fn.ID = *n.NetworkID
			}
			if n.NetworkType != nil {
				fn.Type = *n.NetworkType
			}
			m.Networks = append(m.Networks, fn)
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b FirewallMachine) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// controlPlaneSummary reads the ControlPlane, its Deployments in the seed and its firewall policies and node
// network info in the shoot's API server; nil without a ControlPlane.
func (s *Shoot) controlPlaneSummary(ctx context.Context) (*ControlPlane, error) {
	seed := s.sb.cache.GetClient()
	cp := &extensionsv1alpha1.ControlPlane{}
	if err := seed.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: controlPlaneName}, cp); apierrors.IsNotFound(err) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := &ControlPlane{Policies: map[string][]string{}}
	if lo := cp.Status.LastOperation; lo != nil {
		out.State = string(lo.State)
	}
	for _, name := range controlPlaneDeployments {
		d := &appsv1.Deployment{}
		if err := seed.Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: name}, d); apierrors.IsNotFound(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		sd := SeedDeployment{Name: d.Name}
		if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
			sd.Image = cs[0].Image
			for _, e := range cs[0].Env {
				if e.Name == "METAL_ADDITIONAL_NETWORKS" && e.Value != "" {
					sd.Networks = strings.Split(e.Value, ",")
				}
			}
		}
		out.Deployments = append(out.Deployments, sd)
	}

	// The shoot's client knows no firewall policies: read them unstructured.
	list := &unstructured.UnstructuredList{}
	list.SetGroupVersionKind(firewallv1.GroupVersion.WithKind("ClusterwideNetworkPolicyList"))
	if err := s.API.Client.List(ctx, list, client.InNamespace(firewallv1.ClusterwideNetworkPolicyNamespace)); err != nil {
		return nil, fmt.Errorf("listing the shoot's firewall policies: %w", err)
	}
	for _, item := range list.Items {
		p := &firewallv1.ClusterwideNetworkPolicy{}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, p); err != nil {
			return nil, fmt.Errorf("decoding firewall policy %s: %w", item.GetName(), err)
		}
		families := map[string]bool{}
		for _, rule := range p.Spec.Egress {
			for _, to := range rule.To {
				if prefix, err := netip.ParsePrefix(to.CIDR); err == nil {
					families[map[bool]string{true: "IPv4", false: "IPv6"}[prefix.Addr().Is4()]] = true
				}
			}
		}
		for family := range families {
			out.Policies[family] = append(out.Policies[family], p.Name)
		}
	}
	for family := range out.Policies {
		slices.Sort(out.Policies[family])
	}
	cm := &corev1.ConfigMap{}
	if err := s.API.Client.Get(ctx, client.ObjectKey{Namespace: metav1.NamespaceSystem, Name: shootInfoNodeCIDR}, cm); client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("reading the shoot's ConfigMap %s: %w", shootInfoNodeCIDR, err)
	} else if err == nil {
		out.NodeCIDR = cm.Data
	}
	return out, nil
}

// shootObjects reads the objects the ontap extension's ManagedResources list as applied from the shoot's API
// server.
func (s *Shoot) shootObjects(ctx context.Context) ([]ShootObject, error) {
	var out []ShootObject
	for _, name := range []string{ontapcontroller.ManagedResourceTrident, ontapcontroller.ManagedResourceStorage} {
		mr := &resourcesv1alpha1.ManagedResource{}
		if err := s.sb.cache.GetClient().Get(ctx, client.ObjectKey{Namespace: s.Namespace, Name: name}, mr); err != nil {
			return nil, fmt.Errorf("reading ManagedResource %s: %w", name, err)
		}
		for _, ref := range mr.Status.Resources {
			obj := &unstructured.Unstructured{}
			obj.SetAPIVersion(ref.APIVersion)
			obj.SetKind(ref.Kind)
			if err := s.API.Client.Get(ctx, client.ObjectKey{Namespace: ref.Namespace, Name: ref.Name}, obj); err != nil {
				return nil, fmt.Errorf("ManagedResource %s lists %s %s/%s as applied, but the shoot's API server: %w", name, ref.Kind, ref.Namespace, ref.Name, err)
			}
			out = append(out, ShootObject{Kind: ref.Kind, Namespace: ref.Namespace, Name: ref.Name})
		}
	}
	slices.SortFunc(out, func(a, b ShootObject) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// Print writes the summary for humans: every shoot in detail up to three, beyond that the first in detail and a
// table of all.
func (s *Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "\nReady after %s (API servers, simulators and controllers up after %s).\n", formatDuration(s.ReadyAfter), formatDuration(s.ControlPlanesUp))
	detailed := s.Shoots
	if len(s.Shoots) > 3 {
		detailed = s.Shoots[:1]
	}
	for _, sh := range detailed {
		sh.print(w)
	}
	if len(s.Shoots) > 3 {
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "SHOOT\tREADY IN\tNODE NETWORK\tMACHINES\tSVM\tLIFS\tSTORAGECLASSES")
		for _, sh := range s.Shoots {
			running := 0
			for _, m := range sh.Machines {
				if m.Phase == string(machinev1alpha1.MachineRunning) && m.NodeReady {
					running++
				}
			}
			svm, lifs := "-", 0
			if sh.SVM != nil {
				svm, lifs = sh.SVM.Name, len(sh.SVM.DataLIFs)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d ready\t%s\t%d\t%d\n", sh.Namespace, formatDuration(sh.ReadyAfter), strings.Join(sh.NodeNetwork.Prefixes, " "), running, len(sh.Machines), svm, lifs, len(sh.StorageClasses))
		}
		_ = tw.Flush()
	}
	fmt.Fprintf(w, "\nSeed:  export KUBECONFIG=%s   # kubectl get infrastructures,controlplanes,workers,extensions,machines,managedresources,deployments,etcds -A\n", s.SeedKubeconfig)
	if len(s.Shoots) > 0 {
		fmt.Fprintf(w, "Shoot: export KUBECONFIG=%s   # kubectl get nodes,clusterwidenetworkpolicies,storageclasses,tridentbackendconfigs -A\n", s.Shoots[0].Kubeconfig)
	}
	fmt.Fprintln(w, "Simulated: the metal-api and ONTAP, the kubelets (mcmtest) and the firewall-controller on the firewall (the")
	fmt.Fprintln(w, "sandbox's firewall agent). Not in the sandbox yet: cloud-controller-manager and etcd-druid running (their objects")
	fmt.Fprintln(w, "are written, but the seed has no kubelet) and the extensions' shoot webhooks (provider-metal's finds the calling")
	fmt.Fprintln(w, "shoot by its kube-apiserver pod in the seed; ontap's mutates the objects Trident's operator creates, which does")
	fmt.Fprintln(w, "not run).")
}

func (sh ShootSummary) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s  ready in %s  (uid %s)\n", sh.Namespace, formatDuration(sh.ReadyAfter), sh.UID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  node network\t%s\t%s\n", sh.NodeNetwork.ID, strings.Join(sh.NodeNetwork.Prefixes, "  "))
	if cp := sh.ControlPlane; cp != nil {
		fmt.Fprintf(tw, "  control plane\tControlPlane %s\t%s\n", controlPlaneName, cp.State)
		for _, d := range cp.Deployments {
			detail := d.Image
			if len(d.Networks) > 0 {
				detail += ", networks " + strings.Join(d.Networks, ", ")
			}
			where := "in the seed, not running: no kubelet"
			if d.Name == worker.FirewallControllerManagerDeploymentName {
				where = "in the seed, run in-process by the sandbox"
			}
			fmt.Fprintf(tw, "  \tDeployment %s\t%s (%s)\n", d.Name, detail, where)
		}
		for _, family := range slices.Sorted(maps.Keys(cp.Policies)) {
			fmt.Fprintf(tw, "  in the shoot\t%d ClusterwideNetworkPolicies %s\t%s\n", len(cp.Policies[family]), family, strings.Join(cp.Policies[family], ", "))
		}
		if cp.NodeCIDR != nil {
			var data []string
			for _, k := range slices.Sorted(maps.Keys(cp.NodeCIDR)) {
				data = append(data, k+"="+cp.NodeCIDR[k])
			}
			fmt.Fprintf(tw, "  in the shoot\tConfigMap %s\t%s\n", shootInfoNodeCIDR, strings.Join(data, "  "))
		}
	}
	if fw := sh.Firewall; fw != nil {
		fmt.Fprintf(tw, "  firewall\tFirewallDeployment %s\t%d/%d ready, %s, %s, networks %s\n", fw.Name, fw.ReadyReplicas, fw.Replicas, fw.Size, fw.Image, strings.Join(fw.Networks, ", "))
		for _, m := range fw.Machines {
			state := m.Phase
			if m.Provisioned {
				state += ", provisioned"
			}
			fmt.Fprintf(tw, "  \tFirewall %s\tmachine %s, %s, controller %s (sandbox agent)\n", m.Name, m.MachineID, state, m.ControllerVersion)
			for _, n := range m.Networks {
				fmt.Fprintf(tw, "  \t\t%s %s  %s\n", n.Type, n.ID, strings.Join(n.IPs, "  "))
			}
		}
	}
	for i, m := range sh.Machines {
		label := ""
		if i == 0 {
			label = "machines"
		}
		node := "node not ready"
		if m.NodeReady {
			node = "node Ready"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s, %s, %s  %s\n", label, m.Name, m.Phase, node, strings.Join(m.Addresses, "  "), m.ProviderID)
	}
	if svm := sh.SVM; svm != nil {
		fmt.Fprintf(tw, "  SVM\t%s\ton ONTAP cluster %s, uuid %s\n", svm.Name, svm.Cluster, svm.UUID)
		lifs := slices.Clone(svm.DataLIFs)
		if svm.ManagementLIF != nil {
			mgmt := *svm.ManagementLIF
			mgmt.Protocol = "management"
			lifs = append(lifs, mgmt)
		}
		for _, l := range lifs {
			fmt.Fprintf(tw, "  \tLIF %s\t%s on %s (%s)\n", l.Name, l.Address, l.HomeNode, l.Protocol)
		}
	}
	if len(sh.Etcds) > 0 {
		var names, etcds []string
		for _, e := range sh.Etcds {
			names = append(names, e.Name)
			text := e.Name + " " + cmp.Or(e.Capacity, "-") + " " + cmp.Or(e.StorageClass, "(default class)")
			if e.BackupSchedule != "" {
				text += ", backup \"" + e.BackupSchedule + "\""
			}
			etcds = append(etcds, text)
		}
		fmt.Fprintf(tw, "  etcds\tEtcd %s\t%s (in the seed, by the seed-provider webhook; no etcd-druid)\n", strings.Join(names, ", "), strings.Join(etcds, "; "))
	}
	if len(sh.ShootObjects) > 0 {
		fmt.Fprintf(tw, "  in the shoot\tTrident, storage\t%s\n", countKinds(sh.ShootObjects))
	}
	var classes []string
	for _, sc := range sh.StorageClasses {
		c := sc.Name
		if sc.Default {
			c += " (default)"
		}
		classes = append(classes, c)
	}
	if len(classes) > 0 {
		fmt.Fprintf(tw, "  \tStorageClasses\t%s\n", strings.Join(classes, ", "))
	}
	_ = tw.Flush()
}

// countKinds renders objects as "2 CustomResourceDefinition, 1 Deployment, ...".
func countKinds(objs []ShootObject) string {
	counts := map[string]int{}
	for _, o := range objs {
		counts[o.Kind]++
	}
	var parts []string
	for _, kind := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%d %s", counts[kind], kind))
	}
	return strings.Join(parts, ", ")
}
