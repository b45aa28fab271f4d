// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"

	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	ontapv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
	ontapvalidation "github.com/metalgarden/metalgarden/pkg/apis/ontap/validation"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// shoot is what every operation needs to know about the shoot of an Extension.
type shoot struct {
	ex      *extensionsv1alpha1.Extension
	cluster *extensionscontroller.Cluster
	config  *apisontap.OntapConfig
	status  *apisontap.OntapStatus

	// identity is the shoot's identity in the metal-api: its UID, technical ID, project and partition.
	identity metal.Cluster
	// svm is the name of the shoot's SVM.
	svm string
	// dataNetworkID is the storage network the LIF IPs come from.
	dataNetworkID string
	// family is the IP family of the LIFs: the shoot's first family.
	family metal.IPFamily
	// nodeCIDRs are the shoot's node networks, as far as known.
	nodeCIDRs []netip.Prefix
	// endpoint is the metal-api of the shoot's partition.
	endpoint string
}

// prepare decodes and checks what the Extension and its Cluster say. validate switches the validation of the
// OntapConfig on: a deletion must not be blocked by rules that became stricter since the config was accepted.
func (a *actuator) prepare(ctx context.Context, ex *extensionsv1alpha1.Extension, validate bool) (*shoot, error) {
	cluster, err := extensionscontroller.GetCluster(ctx, a.client, ex.Namespace)
	if err != nil {
		return nil, fmt.Errorf("reading the Cluster of the Extension: %w", err)
	}
	if cluster == nil || cluster.Shoot == nil || cluster.CloudProfile == nil {
		return nil, errors.New("the Cluster of the Extension holds no shoot or cloud profile")
	}

	config, err := a.decodeConfig(ex.Spec.ProviderConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}
	if validate {
		if errs := ontapvalidation.ValidateOntapConfig(config, field.NewPath("spec", "providerConfig")); len(errs) > 0 {
			return nil, configurationProblem(fmt.Errorf("invalid OntapConfig: %w", errs.ToAggregate()))
		}
	}
	status, err := ontaphelper.OntapStatusFromRaw(ex.Status.ProviderStatus)
	if err != nil {
		// The status is the controller's own record; everything in it is found again without it.
		status = nil
	}

	infra, err := metalhelper.InfrastructureConfigFromRawExtension(cluster.Shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, configurationProblem(fmt.Errorf("reading the shoot's InfrastructureConfig: %w", err))
	}
	mcp, _, err := metalhelper.PartitionOfCloudProfile(cluster.CloudProfile.Spec.ProviderConfig, infra.PartitionID)
	if err != nil {
		return nil, configurationProblem(err)
	}

	identity := metal.ClusterFor(cluster.Shoot, infra.ProjectID, infra.PartitionID)
	if identity.ID == "" {
		return nil, errors.New("the shoot has no UID yet")
	}
	s := &shoot{
		ex:            ex,
		cluster:       cluster,
		config:        config,
		status:        status,
		identity:      identity,
		svm:           SVMName(identity.ID),
		dataNetworkID: a.config.DataNetworkID,
		family:        metal.IPv4,
		endpoint:      mcp.Endpoint,
	}
	if config.SVM != nil && config.SVM.DataNetworkID != nil {
		s.dataNetworkID = *config.SVM.DataNetworkID
	}
	if n := cluster.Shoot.Spec.Networking; n != nil && len(n.IPFamilies) > 0 {
		s.family = metal.IPFamily(n.IPFamilies[0])
	}
	s.nodeCIDRs = nodeCIDRs(cluster.Shoot)
	return s, nil
}

// decodeConfig decodes the providerConfig strictly; without one, the component configuration's default protocols
// apply, with the API's defaults for everything else.
func (a *actuator) decodeConfig(raw *runtime.RawExtension) (*apisontap.OntapConfig, error) {
	if raw == nil || len(raw.Raw) == 0 {
		defaults := &ontapv1alpha1.OntapConfig{}
		defaults.APIVersion, defaults.Kind = ontapv1alpha1.SchemeGroupVersion.String(), "OntapConfig"
		for _, p := range a.config.DefaultProtocols {
			defaults.Protocols = append(defaults.Protocols, ontapv1alpha1.Protocol(p))
		}
		data, err := json.Marshal(defaults)
		if err != nil {
			return nil, err
		}
		raw = &runtime.RawExtension{Raw: data}
	}
	return ontaphelper.OntapConfigFromRawExtension(raw)
}

// nodeCIDRs returns the shoot's node networks: all families from the status once the infrastructure reported
// them, the one of the spec before.
func nodeCIDRs(s *gardencorev1beta1.Shoot) []netip.Prefix {
	var raw []string
	if s.Status.Networking != nil {
		raw = s.Status.Networking.Nodes
	}
	if len(raw) == 0 && s.Spec.Networking != nil && s.Spec.Networking.Nodes != nil {
		raw = []string{*s.Spec.Networking.Nodes}
	}
	var out []netip.Prefix
	for _, r := range raw {
		if p, err := netip.ParsePrefix(r); err == nil {
			out = append(out, p.Masked())
		}
	}
	slices.SortFunc(out, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	return slices.Compact(out)
}

// metalClient returns the metal-api client of the shoot: the shoot's cloud provider credentials and the metal-api
// of its partition.
func (a *actuator) metalClient(ctx context.Context, s *shoot) (metal.Client, error) {
	ref := corev1.SecretReference{Namespace: s.ex.Namespace, Name: v1beta1constants.SecretNameCloudProvider}
	c, err := a.metal.ClientFor(ctx, a.reader, ref, s.endpoint)
	if err != nil {
		return nil, classify(err, "creating the metal-api client for partition %q", s.identity.PartitionID)
	}
	return c, nil
}

// deletionPolicy is the configured deletion policy, "delete" unless the shoot asks to retain the SVM.
func (s *shoot) deletionPolicy() apisontap.DeletionPolicy {
	if s.config != nil && s.config.SVM != nil && s.config.SVM.DeletionPolicy == apisontap.DeletionPolicyRetain {
		return apisontap.DeletionPolicyRetain
	}
	return apisontap.DeletionPolicyDelete
}
