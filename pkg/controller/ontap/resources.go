// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/netip"
	"slices"
	"strings"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	"github.com/gardener/gardener/pkg/utils/managedresources"
	firewallv1 "github.com/metal-stack/firewall-controller/v2/api/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	jsonserializer "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/controller/ontap/assets"
)

const (
	// ManagedResourceTrident carries Trident into the shoot: its CRDs, the operator, the TridentOrchestrator and the
	// node preparation.
	ManagedResourceTrident = "extension-ontap-trident"
	// ManagedResourceStorage carries the shoot's storage configuration: the SVM credentials, the Trident backends,
	// the storage classes and the firewall policy towards the SVM's LIFs.
	ManagedResourceStorage = "extension-ontap-storage"
	// ManagedResourceShootWebhooks carries the extension's shoot webhooks (MutatingWebhookConfiguration).
	ManagedResourceShootWebhooks = "extension-ontap-shoot-webhooks"
	// managedResourceOrigin identifies the creator of the shoot ManagedResources.
	managedResourceOrigin = "gardener-extension-ontap"

	// TridentNamespace is where Trident runs in the shoot: kube-system, because Gardener's node-critical
	// components controller and shoot webhooks look there.
	TridentNamespace = metav1.NamespaceSystem
	// TridentCSIDriver is the name of Trident's CSI driver.
	TridentCSIDriver = "csi.trident.netapp.io"
	// ShootCredentialsSecretName is the Secret in the shoot that Trident's backends take the credentials from.
	ShootCredentialsSecretName = "ontap-svm-credentials"
	// NetworkPolicyName is the name of the ClusterwideNetworkPolicy that lets the shoot's nodes reach the SVM.
	NetworkPolicyName = "allow-to-ontap-svm"
	// NodePrepName is the name of the node preparation DaemonSet.
	NodePrepName = "ontap-node-prep"
	// exportPolicyName is the NFS export policy of the SVM that admits the shoot's nodes.
	exportPolicyName = "gardener_shoot_nodes"

	tridentOperatorName    = "trident-operator"
	tridentOrchestratorAPI = "trident.netapp.io/v1"

	labelManagedBy = "app.kubernetes.io/managed-by"
	managedByValue = "gardener-extension-ontap"
	labelApp       = "app"
)

var (
	// shootScheme knows every type of the objects the extension deploys into shoots; Trident's custom resources
	// are unstructured.
	shootScheme = runtime.NewScheme()
	shootCodec  = serializer.NewCodecFactory(shootScheme)
	// shootSerializer writes YAML, the format gardener-resource-manager reads from ManagedResource secrets.
	shootSerializer = jsonserializer.NewSerializerWithOptions(jsonserializer.DefaultMetaFactory, shootScheme, shootScheme, jsonserializer.SerializerOptions{Yaml: true})
)

func init() {
	utilruntime.Must(clientgoscheme.AddToScheme(shootScheme))
	utilruntime.Must(apiextensionsv1.AddToScheme(shootScheme))
	utilruntime.Must(firewallv1.AddToScheme(shootScheme))
}

// storageLIF is a LIF of the SVM as the shoot's configuration needs it.
type storageLIF struct {
	name     string
	protocol apisontap.Protocol
	address  netip.Addr
	node     string
}

// shootConfig is everything the objects deployed into the shoot depend on.
type shootConfig struct {
	svm       string
	config    *apisontap.OntapConfig
	dataLIFs  []storageLIF
	mgmtLIF   netip.Addr
	username  string
	password  string
	images    images
	nodeCIDRs []netip.Prefix
}

// serialize renders objects (and already serialized YAML documents) into the data of a ManagedResource secret.
// The output depends on the objects only, so an unchanged configuration yields the same secret.
func serialize(objects []client.Object, documents ...[]byte) (map[string][]byte, error) {
	registry := managedresources.NewRegistry(shootScheme, shootCodec, shootSerializer)
	for i, doc := range documents {
		registry.AddSerialized(fmt.Sprintf("document-%03d.yaml", i), doc)
	}
	var typed []client.Object
	for _, obj := range objects {
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			typed = append(typed, obj)
			continue
		}
		// Custom resources of types the scheme does not know (Trident's) are written as they are.
		data, err := yaml.Marshal(u.Object)
		if err != nil {
			return nil, fmt.Errorf("serializing %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		registry.AddSerialized(strings.ToLower(fmt.Sprintf("%s__%s__%s.yaml", u.GetKind(), u.GetNamespace(), u.GetName())), data)
	}
	return registry.AddAllAndSerialize(typed...)
}

// tridentResources are the objects of the Trident installation: Trident's CRDs, the operator with its RBAC, the
// TridentOrchestrator and the node preparation DaemonSet.
func tridentResources(cfg shootConfig) (map[string][]byte, error) {
	crds, err := splitYAML(assets.TridentCRDsYAML)
	if err != nil {
		return nil, fmt.Errorf("reading Trident's CRDs: %w", err)
	}
	clusterRole := &rbacv1.ClusterRole{}
	if err := runtime.DecodeInto(shootCodec.UniversalDecoder(), assets.TridentOperatorClusterRoleYAML, clusterRole); err != nil {
		return nil, fmt.Errorf("reading the Trident operator's ClusterRole: %w", err)
	}

	operatorLabels := map[string]string{labelApp: "operator.trident.netapp.io", "name": tridentOperatorName}
	objects := []client.Object{
		clusterRole,
		&corev1.ServiceAccount{
			ObjectMeta:                   metav1.ObjectMeta{Name: tridentOperatorName, Namespace: TridentNamespace, Labels: operatorLabels},
			AutomountServiceAccountToken: new(true),
		},
		&rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: tridentOperatorName, Labels: operatorLabels},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole.Name},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: tridentOperatorName, Namespace: TridentNamespace}},
		},
		tridentOperatorDeployment(cfg, operatorLabels),
		tridentOrchestrator(cfg),
		nodePrepDaemonSet(cfg),
	}
	return serialize(objects, crds...)
}

func tridentOperatorDeployment(cfg shootConfig, labels map[string]string) *appsv1.Deployment {
	args := []string{"/trident-operator"}
	if cfg.config.Trident != nil && cfg.config.Trident.Debug {
		args = append(args, "--debug")
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: tridentOperatorName, Namespace: TridentNamespace, Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas:             new(int32(1)),
			RevisionHistoryLimit: new(int32(2)),
			// Two operators must never reconcile the same installation.
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					ServiceAccountName: tridentOperatorName,
					PriorityClassName:  v1beta1constants.PriorityClassNameShootSystem700,
					SecurityContext:    &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					NodeSelector:       map[string]string{corev1.LabelOSStable: "linux"},
					Containers: []corev1.Container{{
						Name:            tridentOperatorName,
						Image:           cfg.images.operator,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Command:         args,
						Env: []corev1.EnvVar{
							{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}},
							{Name: "OPERATOR_NAME", Value: tridentOperatorName},
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("40Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("256Mi")},
						},
						SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: new(false)},
					}},
				},
			},
		},
	}
}

// tridentOrchestrator is the operator's TridentOrchestrator: Trident in kube-system with the images of the image
// vector, debug logging only when the shoot asks for it, and autosupport (telemetry to NetApp) off unless asked.
func tridentOrchestrator(cfg shootConfig) *unstructured.Unstructured {
	debug, autosupport := false, false
	if t := cfg.config.Trident; t != nil {
		debug, autosupport = t.Debug, t.AutosupportEnabled
	}
	spec := map[string]any{
		"namespace":          TridentNamespace,
		"debug":              debug,
		"logLevel":           map[bool]string{true: "debug", false: "info"}[debug],
		"silenceAutosupport": !autosupport,
		"tridentImage":       cfg.images.trident,
		"autosupportImage":   cfg.images.autosupport,
		"imageRegistry":      cfg.images.sidecarRegistry,
		"imagePullPolicy":    string(corev1.PullIfNotPresent),
		"IPv6":               cfg.mgmtLIF.Is6(),
	}
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	obj.SetAPIVersion(tridentOrchestratorAPI)
	obj.SetKind("TridentOrchestrator")
	obj.SetName("trident")
	obj.SetLabels(map[string]string{labelManagedBy: managedByValue})
	return obj
}

// nodePrepDaemonSet prepares every node for the enabled protocols before workloads land there: it loads the
// kernel modules (nvme-tcp, iscsi_tcp, nfs) and starts iscsid in the host's namespaces, then idles. It is a
// node-critical component that waits for Trident's CSI node plugin, so Gardener keeps new nodes tainted until the
// node is prepared and Trident's node plugin is registered (CSINode lists csi.trident.netapp.io).
func nodePrepDaemonSet(cfg shootConfig) *appsv1.DaemonSet {
	labels := map[string]string{labelApp: NodePrepName}
	podLabels := maps.Clone(labels)
	podLabels[v1beta1constants.LabelNodeCriticalComponent] = "true"
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: NodePrepName, Namespace: TridentNamespace,
			Labels: map[string]string{labelApp: NodePrepName, v1beta1constants.LabelNodeCriticalComponent: "true"},
		},
		Spec: appsv1.DaemonSetSpec{
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      podLabels,
					Annotations: map[string]string{v1beta1constants.AnnotationPrefixWaitForCSINode + "trident": TridentCSIDriver},
				},
				Spec: corev1.PodSpec{
					HostPID:                      true,
					PriorityClassName:            "system-node-critical",
					AutomountServiceAccountToken: new(false),
					NodeSelector:                 map[string]string{corev1.LabelOSStable: "linux"},
					// Every node, including the tainted ones that wait for exactly this pod.
					Tolerations: []corev1.Toleration{{Operator: corev1.TolerationOpExists}},
					InitContainers: []corev1.Container{{
						Name:            "prepare",
						Image:           cfg.images.nodePrep,
						ImagePullPolicy: corev1.PullIfNotPresent,
						Command:         []string{"nsenter", "--target", "1", "--mount", "--uts", "--ipc", "--net", "--", "sh", "-c", nodePrepScript(cfg.config.Protocols)},
						SecurityContext: &corev1.SecurityContext{Privileged: new(true)},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("5m"), corev1.ResourceMemory: resource.MustParse("8Mi")},
						},
					}},
					Containers: []corev1.Container{{
						Name:            "pause",
						Image:           cfg.images.pause,
						ImagePullPolicy: corev1.PullIfNotPresent,
						SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: new(false), RunAsNonRoot: new(true), RunAsUser: new(int64(65532))},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1m"), corev1.ResourceMemory: resource.MustParse("4Mi")},
							Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("16Mi")},
						},
					}},
				},
			},
		},
	}
}

// nodePrepScript is the host shell script that prepares a node for the protocols, in their order. It fails when
// a module cannot be loaded, so the pod, and with it the node, does not become ready.
func nodePrepScript(enabled []apisontap.Protocol) string {
	lines := []string{"set -eu"}
	for _, p := range enabled {
		switch p {
		case apisontap.ProtocolNVMeTCP:
			lines = append(lines, "modprobe nvme-fabrics", "modprobe nvme-tcp")
		case apisontap.ProtocolISCSI:
			lines = append(lines, "modprobe iscsi_tcp",
				"if [ ! -s /etc/iscsi/initiatorname.iscsi ] && command -v iscsi-iname >/dev/null; then echo \"InitiatorName=$(iscsi-iname)\" > /etc/iscsi/initiatorname.iscsi; fi",
				"systemctl enable --now iscsid.service")
		case apisontap.ProtocolNFS:
			lines = append(lines, "modprobe nfs")
		}
	}
	return strings.Join(lines, "\n")
}

// storageResources are the shoot's storage configuration: the credentials Secret, one TridentBackendConfig per
// protocol, the storage classes and the ClusterwideNetworkPolicy towards the LIFs.
func storageResources(cfg shootConfig) (map[string][]byte, error) {
	objects := []client.Object{
		&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: ShootCredentialsSecretName, Namespace: TridentNamespace, Labels: map[string]string{labelManagedBy: managedByValue}},
			Type:       corev1.SecretTypeOpaque,
			Data:       map[string][]byte{secretKeyUsername: []byte(cfg.username), secretKeyPassword: []byte(cfg.password)},
		},
		networkPolicy(cfg),
	}
	for _, p := range cfg.config.Protocols {
		objects = append(objects, backendConfig(cfg, p))
	}
	for _, sc := range cfg.config.StorageClasses {
		objects = append(objects, storageClass(sc))
	}
	return serialize(objects)
}

// backendName is the Trident backend (and TridentBackendConfig) of a protocol.
func backendName(p apisontap.Protocol) string { return "ontap-" + protocols[p].short }

// storageDriver is Trident's driver of a protocol.
func storageDriver(p apisontap.Protocol) string {
	if p == apisontap.ProtocolNFS {
		return "ontap-nas"
	}
	return "ontap-san"
}

// tridentAddress writes an address the way Trident's backend configuration wants it: IPv6 in brackets.
func tridentAddress(a netip.Addr) string {
	if a.Is6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

func backendConfig(cfg shootConfig, p apisontap.Protocol) *unstructured.Unstructured {
	spec := map[string]any{
		"version":           int64(1),
		"storageDriverName": storageDriver(p),
		"backendName":       backendName(p),
		"managementLIF":     tridentAddress(cfg.mgmtLIF),
		"svm":               cfg.svm,
		"credentials":       map[string]any{"name": ShootCredentialsSecretName},
		"storagePrefix":     "trident_",
		"labels":            map[string]any{"protocol": string(p)},
	}
	switch p {
	case apisontap.ProtocolNVMeTCP:
		spec["sanType"] = "nvme"
	case apisontap.ProtocolISCSI:
		spec["sanType"] = "iscsi"
	case apisontap.ProtocolNFS:
		for _, l := range cfg.dataLIFs {
			if l.protocol == p {
				spec["dataLIF"] = tridentAddress(l.address)
				break
			}
		}
		// Only port 2049 is open towards the SVM: NFSv4.1 needs no portmapper or mountd.
		spec["nfsMountOptions"] = "nfsvers=4.1"
		spec["autoExportPolicy"] = false
		spec["defaults"] = map[string]any{"exportPolicy": exportPolicyName}
	}
	obj := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	obj.SetAPIVersion(tridentOrchestratorAPI)
	obj.SetKind("TridentBackendConfig")
	obj.SetName(backendName(p))
	obj.SetNamespace(TridentNamespace)
	obj.SetLabels(map[string]string{labelManagedBy: managedByValue})
	return obj
}

func storageClass(sc apisontap.StorageClass) *storagev1.StorageClass {
	parameters := map[string]string{
		"backendType":  storageDriver(sc.Protocol),
		"storagePools": backendName(sc.Protocol) + ":.*",
	}
	// The shoot's own parameters win, except the backend type, which validation keeps them from setting.
	maps.Copy(parameters, sc.Parameters)
	obj := &storagev1.StorageClass{
		ObjectMeta:           metav1.ObjectMeta{Name: sc.Name, Labels: map[string]string{labelManagedBy: managedByValue}},
		Provisioner:          TridentCSIDriver,
		Parameters:           parameters,
		ReclaimPolicy:        sc.ReclaimPolicy,
		AllowVolumeExpansion: sc.AllowVolumeExpansion,
		MountOptions:         sc.MountOptions,
		VolumeBindingMode:    sc.VolumeBindingMode,
	}
	if sc.Default {
		obj.Annotations = map[string]string{"storageclass.kubernetes.io/is-default-class": "true"}
	}
	return obj
}

// networkPolicy lets the shoot's nodes (the firewall's egress rules apply to the shoot's node network) reach the
// SVM's LIFs on exactly the ports the enabled protocols need, and the management LIF on 443 for Trident's API
// calls.
func networkPolicy(cfg shootConfig) *firewallv1.ClusterwideNetworkPolicy {
	tcp := corev1.ProtocolTCP
	var egress []firewallv1.EgressRule
	for _, p := range cfg.config.Protocols {
		var to []networkingv1.IPBlock
		for _, l := range cfg.dataLIFs {
			if l.protocol == p {
				to = append(to, networkingv1.IPBlock{CIDR: netip.PrefixFrom(l.address, l.address.BitLen()).String()})
			}
		}
		if len(to) == 0 {
			continue
		}
		var ports []firewallv1.NetworkPolicyPort
		for _, port := range protocols[p].ports {
			ports = append(ports, firewallv1.NetworkPolicyPort{Protocol: &tcp, Port: port})
		}
		egress = append(egress, firewallv1.EgressRule{To: to, Ports: ports})
	}
	egress = append(egress, firewallv1.EgressRule{
		To:    []networkingv1.IPBlock{{CIDR: netip.PrefixFrom(cfg.mgmtLIF, cfg.mgmtLIF.BitLen()).String()}},
		Ports: []firewallv1.NetworkPolicyPort{{Protocol: &tcp, Port: managementPort}},
	})

	nodes := make([]string, 0, len(cfg.nodeCIDRs))
	for _, n := range cfg.nodeCIDRs {
		nodes = append(nodes, n.String())
	}
	description := fmt.Sprintf("ONTAP SVM %s: the shoot's nodes to its LIFs (%s)", cfg.svm, strings.Join(protocolNames(cfg.config.Protocols), ", "))
	if len(nodes) > 0 {
		description = fmt.Sprintf("ONTAP SVM %s: the shoot's nodes (%s) to its LIFs (%s)", cfg.svm, strings.Join(nodes, ", "), strings.Join(protocolNames(cfg.config.Protocols), ", "))
	}
	return &firewallv1.ClusterwideNetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: NetworkPolicyName, Namespace: firewallv1.ClusterwideNetworkPolicyNamespace, Labels: map[string]string{labelManagedBy: managedByValue}},
		Spec:       firewallv1.PolicySpec{Description: description, Egress: egress},
	}
}

func protocolNames(ps []apisontap.Protocol) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, string(p))
	}
	return out
}

// splitYAML splits a multi-document YAML file into its non-empty documents.
func splitYAML(data []byte) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
}

// stripComments drops full-line comments, to tell documents with content from comment-only ones.
func stripComments(doc []byte) []byte {
	lines := bytes.Split(doc, []byte("\n"))
	lines = slices.DeleteFunc(lines, func(l []byte) bool { return bytes.HasPrefix(bytes.TrimSpace(l), []byte("#")) })
	return bytes.Join(lines, []byte("\n"))
}
