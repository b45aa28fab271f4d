// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package infrastructure

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/infrastructure"
	v1beta1helper "github.com/gardener/gardener/pkg/api/core/v1beta1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	reconcilerutils "github.com/gardener/gardener/pkg/controllerutils/reconciler"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// actuator reconciles Infrastructures of type metal.
type actuator struct {
	client       client.Client
	metal        metal.ClientFactory
	inUseRequeue time.Duration
}

// NewActuator returns the Infrastructure actuator. c reads secrets (the manager's cached client) and writes
// the status; factory builds the metal-api clients; inUseRequeue is how long a deletion waits for machines or
// firewalls to leave the node network.
func NewActuator(c client.Client, factory metal.ClientFactory, inUseRequeue time.Duration) infrastructure.Actuator {
	return &actuator{client: c, metal: factory, inUseRequeue: inUseRequeue}
}

// shoot is what every operation needs to know about the shoot of an Infrastructure.
type shoot struct {
	config    *apismetal.InfrastructureConfig
	partition *apismetal.Partition
	cluster   metal.Cluster
	families  []metal.IPFamily
	// userNodes is the node network the shoot owner chose (spec.networking.nodes), if any.
	userNodes *netip.Prefix
	client    metal.Client
}

// prepare decodes and checks the configuration of the Infrastructure and its Cluster and returns the metal-api
// client for the shoot's partition. validate switches the validation of the InfrastructureConfig on: a
// deletion must not be blocked by rules that became stricter since the config was accepted.
func (a *actuator) prepare(ctx context.Context, infra *extensionsv1alpha1.Infrastructure, cluster *extensionscontroller.Cluster, validate bool) (*shoot, error) {
	if cluster == nil || cluster.Shoot == nil || cluster.CloudProfile == nil {
		return nil, errors.New("the Cluster of the Infrastructure holds no shoot or cloud profile")
	}
	cfg, err := metalhelper.InfrastructureConfigFromRawExtension(infra.Spec.ProviderConfig)
	if err != nil {
		return nil, configurationProblem(err)
	}

	var gardenFamilies []gardencorev1beta1.IPFamily
	var nodes *string
	if n := cluster.Shoot.Spec.Networking; n != nil {
		gardenFamilies, nodes = n.IPFamilies, n.Nodes
	}
	if len(gardenFamilies) == 0 {
		gardenFamilies = []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	if validate {
		if errs := metalvalidation.ValidateInfrastructureConfig(cfg, gardenFamilies, field.NewPath("spec", "providerConfig")); len(errs) > 0 {
			return nil, configurationProblem(fmt.Errorf("invalid InfrastructureConfig: %w", errs.ToAggregate()))
		}
	}

	mcp, partition, err := metalhelper.PartitionOfCloudProfile(cluster.CloudProfile.Spec.ProviderConfig, cfg.PartitionID)
	if err != nil {
		return nil, configurationProblem(err)
	}

	s := &shoot{
		config:    cfg,
		partition: partition,
		cluster:   metal.ClusterFor(cluster.Shoot, cfg.ProjectID, cfg.PartitionID),
	}
	for _, f := range gardenFamilies {
		s.families = append(s.families, metal.IPFamily(f))
	}
	// Only a reconciliation uses the node network the shoot owner chose; a deletion frees labelled networks only.
	if nodes != nil && validate {
		prefix, err := netip.ParsePrefix(*nodes)
		if err != nil {
			return nil, configurationProblem(fmt.Errorf("spec.networking.nodes %q of the shoot is no CIDR: %w", *nodes, err))
		}
		if f := metal.FamilyOf(prefix); !slices.Contains(s.families, f) {
			return nil, configurationProblem(fmt.Errorf("spec.networking.nodes %s is an %s network, but the shoot's IP families are %v", prefix, f, gardenFamilies))
		}
		s.userNodes = &prefix
	}

	if s.client, err = a.metal.ClientFor(ctx, a.client, infra.Spec.SecretRef, mcp.Endpoint); err != nil {
		return nil, classify(err, "creating the metal-api client for partition %q", cfg.PartitionID)
	}
	return s, nil
}

// Migrate does nothing: the shoot's node network and IPs live in the metal-api, independent of the seed, and
// are found again by the shoot's cluster tag when the Infrastructure is restored on the new seed.
func (a *actuator) Migrate(_ context.Context, log logr.Logger, _ *extensionsv1alpha1.Infrastructure, _ *extensionscontroller.Cluster) error {
	log.Info("Nothing to migrate: the metal-api objects of the shoot stay where they are and keep the shoot's cluster tags")
	return nil
}

// Restore reconciles: the metal-api is the source of truth and finds the node network and egress IPs by the
// shoot's cluster tags, so nothing is allocated twice and nothing from the old seed's state is needed.
func (a *actuator) Restore(ctx context.Context, log logr.Logger, infra *extensionsv1alpha1.Infrastructure, cluster *extensionscontroller.Cluster) error {
	return a.Reconcile(ctx, log, infra, cluster)
}

// ForceDelete releases what it can in one pass and never fails: the shoot is being force-deleted, and whatever
// is left in the metal-api (e.g. a node network that still has machines) keeps the shoot's cluster tags, so an
// operator finds it with a tag search.
func (a *actuator) ForceDelete(ctx context.Context, log logr.Logger, infra *extensionsv1alpha1.Infrastructure, cluster *extensionscontroller.Cluster) error {
	if err := a.Delete(ctx, log, infra, cluster); err != nil {
		log.Error(reconcilerutils.ReconcileErrCauseOrErr(err), "Force deletion leaves metal-api objects of the shoot behind; they carry its cluster tags")
	}
	return nil
}

// configurationProblem marks an error as a configuration problem for Gardener.
func configurationProblem(err error) error {
	return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorConfigurationProblem)
}

// classify names the operation that failed and gives the error the Gardener error code of its class. A node
// network in use becomes a requeue after the in-use interval (see actuator.requeueIfInUse).
func classify(err error, format string, args ...any) error {
	err = fmt.Errorf(format+": %w", append(args, err)...)
	switch metal.Classify(err) {
	case metal.ClassConfiguration, metal.ClassNotFound:
		switch metal.StatusOf(err) {
		case 401:
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthenticated)
		case 403:
			return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraUnauthorized)
		}
		return configurationProblem(err)
	case metal.ClassQuotaExceeded:
		return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraQuotaExceeded)
	case metal.ClassNoCapacity:
		return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraResourcesDepleted)
	case metal.ClassInUse:
		return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorRetryableInfraDependencies)
	}
	if metal.StatusOf(err) == 429 {
		return v1beta1helper.NewErrorWithCodes(err, gardencorev1beta1.ErrorInfraRateLimitsExceeded)
	}
	// Retriable: returned as is, so that the controller retries with backoff.
	return err
}
