// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	extensionssecretsmanager "github.com/gardener/gardener/extensions/pkg/util/secret/manager"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	kubernetesutils "github.com/gardener/gardener/pkg/utils/kubernetes"
	secretsutils "github.com/gardener/gardener/pkg/utils/secrets"
	secretsmanager "github.com/gardener/gardener/pkg/utils/secrets/manager"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	"github.com/metalgarden/metalgarden/pkg/controller/worker"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// Names of the components and of the secrets the secrets manager keeps for them.
const (
	// CloudControllerManagerName is the metal cloud-controller-manager's Deployment (and its shoot access).
	CloudControllerManagerName = "cloud-controller-manager"
	// FirewallControllerManagerName is firewall-controller-manager's Deployment (and its shoot access); the
	// Worker controller stops and starts it by this name during control plane migrations.
	FirewallControllerManagerName = worker.FirewallControllerManagerDeploymentName

	caNameControlPlane               = "ca-provider-metal-controlplane"
	cloudControllerManagerServerName = "cloud-controller-manager-server"
	fcmWebhookServerName             = "firewall-controller-manager-webhook-server"
)

// secretConfigs are the certificates of the control plane: a CA of the extension, the serving certificate of
// the cloud-controller-manager and that of firewall-controller-manager's webhooks.
func secretConfigs(namespace string) []extensionssecretsmanager.SecretConfigWithOptions {
	return []extensionssecretsmanager.SecretConfigWithOptions{
		{
			Config:  &secretsutils.CertificateSecretConfig{Name: caNameControlPlane, CommonName: caNameControlPlane, CertType: secretsutils.CACert},
			Options: []secretsmanager.GenerateOption{secretsmanager.Persist()},
		},
		{
			Config: &secretsutils.CertificateSecretConfig{
				Name:                        cloudControllerManagerServerName,
				CommonName:                  CloudControllerManagerName,
				DNSNames:                    kubernetesutils.DNSNamesForService(CloudControllerManagerName, namespace),
				CertType:                    secretsutils.ServerCert,
				SkipPublishingCACertificate: true,
			},
			Options: []secretsmanager.GenerateOption{secretsmanager.SignedByCA(caNameControlPlane)},
		},
		{
			Config: &secretsutils.CertificateSecretConfig{
				Name:                        fcmWebhookServerName,
				CommonName:                  FirewallControllerManagerName,
				DNSNames:                    kubernetesutils.DNSNamesForService(FirewallControllerManagerName, namespace),
				CertType:                    secretsutils.ServerCert,
				SkipPublishingCACertificate: true,
			},
			Options: []secretsmanager.GenerateOption{secretsmanager.SignedByCA(caNameControlPlane)},
		},
	}
}

// shootAccessSecrets give the cloud-controller-manager and firewall-controller-manager their tokens for the
// shoot's API server.
func shootAccessSecrets(namespace string) []*gardenerutils.AccessSecret {
	return []*gardenerutils.AccessSecret{
		gardenerutils.NewShootAccessSecret(CloudControllerManagerName, namespace),
		gardenerutils.NewShootAccessSecret(FirewallControllerManagerName, namespace),
	}
}

// valuesProvider computes the values of the control plane charts.
type valuesProvider struct {
	genericactuator.NoopValuesProvider
	client client.Client
	metal  metal.ClientFactory
	// seedAPIServer are the sources of the seed API server address handed to firewall-controller-manager (fcm.go).
	seedAPIServer seedAPIServerSources
}

// NewValuesProvider returns the ValuesProvider of the generic control plane actuator. c reads the credentials
// secret; factory builds the metal-api clients; seedAPIServerURL (may be empty) and seedConnectionHost (the host of
// the rest config for the seed) are the sources of the seed API server address after the Seed's annotation.
func NewValuesProvider(c client.Client, factory metal.ClientFactory, seedAPIServerURL, seedConnectionHost string) genericactuator.ValuesProvider {
	return &valuesProvider{client: c, metal: factory, seedAPIServer: seedAPIServerSources{configured: seedAPIServerURL, connection: seedConnectionHost}}
}

// shootContext is what the charts are made of: the shoot's provider configuration, the metal control plane of
// its partition, the Infrastructure's node network and the credentials kind.
type shootContext struct {
	infra        *apismetal.InfrastructureConfig
	controlPlane *apismetal.ControlPlaneConfig
	mcp          *apismetal.MetalControlPlane
	partition    *apismetal.Partition
	identity     metal.Cluster
	nodeNetwork  *apismetal.NodeNetworkStatus
	families     []gardencorev1beta1.IPFamily
}

func configurationProblem(err error) error {
	return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorConfigurationProblem)
}

func newShootContext(cp *extensionsv1alpha1.ControlPlane, cluster *extensionscontroller.Cluster) (*shootContext, error) {
	if cluster == nil || cluster.Shoot == nil || cluster.CloudProfile == nil {
		return nil, errors.New("the Cluster of the ControlPlane holds no shoot or cloud profile")
	}
	infra, err := metalhelper.InfrastructureConfigFromRawExtension(cluster.Shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}
	controlPlane, err := metalhelper.ControlPlaneConfigFromRawExtension(cp.Spec.ProviderConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}
	mcp, partition, err := metalhelper.PartitionOfCloudProfile(cluster.CloudProfile.Spec.ProviderConfig, infra.PartitionID)
	if err != nil {
		return nil, configurationProblem(err)
	}
	status, err := metalhelper.InfrastructureStatusFromRaw(cp.Spec.InfrastructureProviderStatus)
	if err != nil {
		return nil, fmt.Errorf("reading the Infrastructure's status handed to the ControlPlane: %w", err)
	}
	if status.NodeNetwork == nil || status.NodeNetwork.ID == "" || len(status.NodeNetwork.Prefixes) == 0 {
		return nil, errors.New("the Infrastructure has not reported the shoot's node network yet")
	}
	s := &shootContext{
		infra:        infra,
		controlPlane: controlPlane,
		mcp:          mcp,
		partition:    partition,
		identity:     metal.ClusterFor(cluster.Shoot, infra.ProjectID, infra.PartitionID),
		nodeNetwork:  status.NodeNetwork,
		families:     []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4},
	}
	if n := cluster.Shoot.Spec.Networking; n != nil && len(n.IPFamilies) > 0 {
		s.families = slices.Clone(n.IPFamilies)
	}
	return s, nil
}

// accessType is the shoot's network access type, baseline when unset.
func (s *shootContext) accessType() apismetal.NetworkAccessType {
	if t := s.controlPlane.NetworkAccessType; t != nil {
		return *t
	}
	return apismetal.NetworkAccessBaseline
}

// isolation is the partition's network isolation for restricted and forbidden shoots, nil for baseline.
func (s *shootContext) isolation() (*apismetal.NetworkIsolation, error) {
	if s.accessType() == apismetal.NetworkAccessBaseline {
		return nil, nil
	}
	isolation := metalhelper.NetworkIsolation(s.mcp, s.partition)
	if isolation == nil {
		return nil, configurationProblem(fmt.Errorf("network access type %q needs the network isolation of partition %q, but the cloud profile defines none", s.accessType(), s.infra.PartitionID))
	}
	return isolation, nil
}

// credentialEnv are the environment variables that hand the metal-api credentials of the cloudprovider secret
// to the components, by reference: the HMAC key as METAL_AUTH_HMAC (with its auth type when the secret names one).
// The secret is validated first, so a broken one is reported as a configuration problem instead of a
// crash-looping component. firewall-controller-manager v0.6.1 (the image of the vector) authenticates with an HMAC
// key only and exits at start without one; a shoot needs it for its firewall, so a secret with a bearer token is
// refused here, naming the key to set, rather than deployed into a control plane that cannot come up.
func (vp *valuesProvider) credentialEnv(ctx context.Context, cp *extensionsv1alpha1.ControlPlane) ([]corev1.EnvVar, error) {
	secret := &corev1.Secret{}
	if err := vp.client.Get(ctx, client.ObjectKey{Namespace: cp.Spec.SecretRef.Namespace, Name: cp.Spec.SecretRef.Name}, secret); err != nil {
		return nil, fmt.Errorf("reading the credentials secret %s/%s: %w", cp.Spec.SecretRef.Namespace, cp.Spec.SecretRef.Name, err)
	}
	credentials, err := metal.CredentialsFromSecret(secret)
	if err != nil {
		return nil, configurationProblem(err)
	}
	if !credentials.IsHMAC() {
		return nil, configurationProblem(fmt.Errorf("credentials secret %s/%s holds a bearer token (%s), but firewall-controller-manager authenticates to the metal-api with an HMAC key only: set %s (and optionally %s) instead of %s",
			secret.Namespace, secret.Name, metal.SecretKeyAPIKey, metal.SecretKeyHMAC, metal.SecretKeyHMACAuthType, metal.SecretKeyAPIKey))
	}
	ref := func(name, key string) corev1.EnvVar {
		return corev1.EnvVar{Name: name, ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
			LocalObjectReference: corev1.LocalObjectReference{Name: secret.Name}, Key: key,
		}}}
	}
	env := []corev1.EnvVar{ref("METAL_AUTH_HMAC", metal.SecretKeyHMAC)}
	if strings.TrimSpace(string(secret.Data[metal.SecretKeyHMACAuthType])) != "" {
		env = append(env, ref("METAL_AUTH_HMAC_AUTH_TYPE", metal.SecretKeyHMACAuthType))
	}
	return env, nil
}

// networks are the networks of the cloud-controller-manager: the firewall's networks (looked up by ID in the
// metal-api, nothing else) and the default external network for load balancer IPs: the configured one, or the
// last firewall network that routes to the whole address space of some family.
func (vp *valuesProvider) networks(ctx context.Context, cp *extensionsv1alpha1.ControlPlane, s *shootContext) (additional []string, defaultExternal string, err error) {
	additional = []string{s.nodeNetwork.ID}
	for _, id := range s.infra.Firewall.Networks {
		if !slices.Contains(additional, id) {
			additional = append(additional, id)
		}
	}
	if ccm := s.controlPlane.CloudControllerManager; ccm != nil && ccm.DefaultExternalNetwork != nil && *ccm.DefaultExternalNetwork != "" {
		if !slices.Contains(s.infra.Firewall.Networks, *ccm.DefaultExternalNetwork) {
			return nil, "", configurationProblem(fmt.Errorf("the default external network %q is none of the firewall's networks %v", *ccm.DefaultExternalNetwork, s.infra.Firewall.Networks))
		}
		return additional, *ccm.DefaultExternalNetwork, nil
	}
	if len(s.infra.Firewall.Networks) == 0 {
		return additional, "", nil
	}
	mc, err := vp.metal.ClientFor(ctx, vp.client, cp.Spec.SecretRef, s.mcp.Endpoint)
	if err != nil {
		return nil, "", fmt.Errorf("building the metal-api client: %w", err)
	}
	networks, err := mc.GetNetworks(ctx, s.infra.Firewall.Networks)
	if err != nil {
		return nil, "", fmt.Errorf("looking up the firewall's networks: %w", err)
	}
	for _, n := range networks {
		if slices.ContainsFunc(n.DestinationPrefixes, func(p netip.Prefix) bool { return p.Bits() == 0 }) {
			defaultExternal = n.ID
		}
	}
	return additional, defaultExternal, nil
}

// GetControlPlaneChartValues returns the values of the seed chart: the metal cloud-controller-manager and
// firewall-controller-manager, both with zero replicas while the shoot's control plane is scaled down.
func (vp *valuesProvider) GetControlPlaneChartValues(ctx context.Context, cp *extensionsv1alpha1.ControlPlane, cluster *extensionscontroller.Cluster, secretsReader secretsmanager.Reader, checksums map[string]string, scaledDown bool) (map[string]any, error) {
	s, err := newShootContext(cp, cluster)
	if err != nil {
		return nil, err
	}
	credentials, err := vp.credentialEnv(ctx, cp)
	if err != nil {
		return nil, err
	}
	// The API server addresses come before the metal-api lookups: a reconcile that cannot succeed asks nothing.
	seedAPIServerURL, err := vp.seedAPIServerURL(cluster)
	if err != nil {
		return nil, err
	}
	shootAPIServerURL, err := shootAPIServerURL(cluster)
	if err != nil {
		return nil, err
	}
	additional, defaultExternal, err := vp.networks(ctx, cp, s)
	if err != nil {
		return nil, err
	}
	ccmServer, ok := secretsReader.Get(cloudControllerManagerServerName)
	if !ok {
		return nil, fmt.Errorf("secret %q not found", cloudControllerManagerServerName)
	}
	fcmServer, ok := secretsReader.Get(fcmWebhookServerName)
	if !ok {
		return nil, fmt.Errorf("secret %q not found", fcmWebhookServerName)
	}
	fcmCABundle, err := caBundle(secretsReader)
	if err != nil {
		return nil, err
	}
	networkPolicies, err := seedNetworkPolicies(cp.Namespace, cluster, s.mcp.Endpoint)
	if err != nil {
		return nil, err
	}

	value := func(name, v string) corev1.EnvVar { return corev1.EnvVar{Name: name, Value: v} }
	// metal-ccm's variables (pkg/resources/constants of metal-stack/metal-ccm); the node network is the first of
	// the additional networks.
	ccmEnv := append([]corev1.EnvVar{
		value("METAL_API_URL", s.mcp.Endpoint),
		value("METAL_PROJECT_ID", s.infra.ProjectID),
		value("METAL_PARTITION_ID", s.infra.PartitionID),
		value("METAL_CLUSTER_ID", s.identity.ID),
		value("METAL_ADDITIONAL_NETWORKS", strings.Join(additional, ",")),
	}, credentials...)
	if defaultExternal != "" {
		ccmEnv = append(ccmEnv, value("METAL_DEFAULT_EXTERNAL_NETWORK_ID", defaultExternal))
	}
	var featureGates []string
	if ccm := s.controlPlane.CloudControllerManager; ccm != nil {
		for _, gate := range slices.Sorted(maps.Keys(ccm.FeatureGates)) {
			featureGates = append(featureGates, fmt.Sprintf("%s=%t", gate, ccm.FeatureGates[gate]))
		}
	}
	var podNetworks []string
	if st := cluster.Shoot.Status.Networking; st != nil && len(st.Pods) > 0 {
		podNetworks = st.Pods
	} else if n := cluster.Shoot.Spec.Networking; n != nil && n.Pods != nil {
		podNetworks = []string{*n.Pods}
	}

	fcmArgs := []string{
		"-cert-dir=/certs",
		"-log-level=info",
		"-enable-leader-election",
		"-namespace=" + cp.Namespace,
		"-cluster-id=" + s.identity.ID,
		"-metal-api-url=" + s.mcp.Endpoint,
		"-internal-shoot-api-url=https://" + v1beta1constants.DeploymentNameKubeAPIServer,
		"-shoot-api-url=" + shootAPIServerURL,
		"-seed-api-url=" + seedAPIServerURL,
		"-shoot-kubeconfig-secret-name=" + extensionscontroller.GenericTokenKubeconfigSecretNameFromCluster(cluster),
		"-shoot-token-secret-name=" + gardenerutils.SecretNamePrefixShootAccess + FirewallControllerManagerName,
		"-ssh-key-secret-name=" + v1beta1constants.SecretNameSSHKeyPair,
		"-ssh-key-secret-namespace=" + cp.Namespace,
	}
	if fw := s.infra.Firewall; fw.HealthTimeout != nil {
		fcmArgs = append(fcmArgs, "-firewall-health-timeout="+fw.HealthTimeout.Duration.String())
	}
	if fw := s.infra.Firewall; fw.CreateTimeout != nil {
		fcmArgs = append(fcmArgs, "-create-timeout="+fw.CreateTimeout.Duration.String())
	}

	replicas := extensionscontroller.GetControlPlaneReplicas(cluster, scaledDown, 1)
	return map[string]any{
		"global": map[string]any{
			"genericTokenKubeconfigSecretName": extensionscontroller.GenericTokenKubeconfigSecretNameFromCluster(cluster),
		},
		"ccm": map[string]any{
			"replicas":         replicas,
			"clusterName":      s.identity.Name,
			"podNetworks":      strings.Join(podNetworks, ","),
			"featureGates":     strings.Join(featureGates, ","),
			"loadBalancer":     string(LoadBalancerOf(cluster.Shoot)),
			"env":              envValues(ccmEnv),
			"serverSecretName": ccmServer.Name,
			"podAnnotations": map[string]any{
				"checksum/secret-" + cloudControllerManagerServerName: checksums[cloudControllerManagerServerName],
			},
		},
		"fcm": map[string]any{
			"name":             FirewallControllerManagerName,
			"replicas":         replicas,
			"args":             toAnySlice(fcmArgs),
			"env":              envValues(credentials),
			"serverSecretName": fcmServer.Name,
			"podAnnotations": map[string]any{
				"checksum/secret-" + fcmWebhookServerName: checksums[fcmWebhookServerName],
			},
			// Without a server the webhooks would only block the firewall objects, so they go with the replicas.
			"webhooks": map[string]any{"enabled": replicas > 0, "caBundle": fcmCABundle, "restoredLabel": worker.FirewallRestoredLabel},
		},
		"networkPolicies": networkPolicies,
	}, nil
}

// GetControlPlaneShootChartValues returns the values of the shoot's system components: the firewall policies
// per IP family, the node network of every family, the RBAC of the cloud node controller, the load balancer of the
// shoot's networking type and node-init (shoot_loadbalancer.go).
func (vp *valuesProvider) GetControlPlaneShootChartValues(_ context.Context, cp *extensionsv1alpha1.ControlPlane, cluster *extensionscontroller.Cluster, _ secretsmanager.Reader, _ map[string]string) (map[string]any, error) {
	s, err := newShootContext(cp, cluster)
	if err != nil {
		return nil, err
	}
	isolation, err := s.isolation()
	if err != nil {
		return nil, err
	}
	policies, err := policyValues(clusterwideNetworkPolicies(s.families, s.accessType(), isolation))
	if err != nil {
		return nil, err
	}
	byFamily := map[string]any{}
	for _, family := range s.families {
		if cidrs := inFamily(s.nodeNetwork.Prefixes, family); len(cidrs) > 0 {
			byFamily[string(family)] = toAnySlice(cidrs)
		}
	}
	values := map[string]any{
		"policies":          policies,
		"nodeCIDRs":         toAnySlice(s.nodeNetwork.Prefixes),
		"nodeCIDRsByFamily": byFamily,
	}
	maps.Copy(values, shootLoadBalancerValues(cluster.Shoot, s.families))
	return values, nil
}

// GetStorageClassesChartValues returns the shoot's csi-driver-lvm storage classes: none when csi-lvm is switched
// off, csi-lvm as default unless the ControlPlaneConfig names another default (or none, with an empty name).
func (vp *valuesProvider) GetStorageClassesChartValues(_ context.Context, cp *extensionsv1alpha1.ControlPlane, cluster *extensionscontroller.Cluster) (map[string]any, error) {
	s, err := newShootContext(cp, cluster)
	if err != nil {
		return nil, err
	}
	if enabled := s.controlPlane.FeatureGates.CSILVM; enabled != nil && !*enabled {
		return map[string]any{"storageClasses": []any{}}, nil
	}
	defaultClass := apismetal.CSILVMStorageClassName
	if custom := s.controlPlane.CustomDefaultStorageClass; custom != nil {
		defaultClass = custom.ClassName
	}
	classes := []any{}
	for _, c := range []struct{ name, kind string }{
		{apismetal.CSILVMStorageClassName, "linear"},
		{"csi-driver-lvm-mirror", "mirror"},
		{"csi-driver-lvm-striped", "striped"},
	} {
		classes = append(classes, map[string]any{"name": c.name, "type": c.kind, "default": c.name == defaultClass})
	}
	return map[string]any{"storageClasses": classes}, nil
}

// envValues renders environment variables as chart values.
func envValues(env []corev1.EnvVar) []any {
	out := make([]any, 0, len(env))
	for _, e := range env {
		m := map[string]any{"name": e.Name}
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			m["valueFrom"] = map[string]any{"secretKeyRef": map[string]any{"name": e.ValueFrom.SecretKeyRef.Name, "key": e.ValueFrom.SecretKeyRef.Key}}
		} else {
			m["value"] = e.Value
		}
		out = append(out, m)
	}
	return out
}

func toAnySlice(in []string) []any {
	out := make([]any, 0, len(in))
	for _, v := range in {
		out = append(out, v)
	}
	return out
}
