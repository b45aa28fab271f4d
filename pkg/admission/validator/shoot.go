// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator

import (
	"context"
	"fmt"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	gardenerutils "github.com/gardener/gardener/pkg/utils/gardener"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/metalgarden/metalgarden/pkg/admission"
	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
)

var (
	providerPath = field.NewPath("spec", "provider")
	infraPath    = providerPath.Child("infrastructureConfig")
	cpPath       = providerPath.Child("controlPlaneConfig")
	workersPath  = providerPath.Child("workers")
)

// NewShootValidator returns the validator of Shoots of provider type metal. It reads the Shoot's CloudProfile or
// NamespacedCloudProfile with reader, which should not be cached: a CloudProfile created a moment ago must be found.
func NewShootValidator(reader client.Reader) extensionswebhook.Validator {
	return &shootValidator{reader: reader}
}

type shootValidator struct {
	reader client.Reader
}

// Validate validates the metal parts of a Shoot: its InfrastructureConfig, ControlPlaneConfig and WorkerConfigs
// (decoded strictly), them against the CloudProfile, the networking of its node network and the tenant annotation.
func (v *shootValidator) Validate(ctx context.Context, newObj, oldObj client.Object) error {
	shoot, err := toShoot(newObj)
	if err != nil {
		return err
	}
	oldShoot, err := toShoot(oldObj)
	if err != nil {
		return err
	}
	if shoot.Spec.Provider.Type != admission.ProviderType || shoot.DeletionTimestamp != nil || len(shoot.Spec.Provider.Workers) == 0 {
		// Another provider's shoot (a stale label), one that is going away, or a workerless one without any
		// infrastructure of ours.
		return nil
	}

	cloudProfile, err := gardenerutils.GetCloudProfile(ctx, v.reader, shoot)
	switch {
	case apierrors.IsNotFound(err):
		ref := gardenerutils.BuildV1beta1CloudProfileReference(shoot)
		return field.ErrorList{field.NotFound(field.NewPath("spec", "cloudProfile"), ref.Kind+"/"+ref.Name)}.ToAggregate()
	case err != nil:
		return fmt.Errorf("reading the cloud profile of shoot %s: %w", client.ObjectKeyFromObject(shoot), err)
	}
	return validateShoot(shoot, oldShoot, cloudProfile).ToAggregate()
}

// validateShoot validates a metal shoot (oldShoot is nil on create) against its cloud profile. Checks against the
// cloud profile run on create and when the configuration they look at changes, so that a profile that drops an
// offer later does not block unrelated updates of existing shoots.
func validateShoot(shoot, oldShoot *gardencorev1beta1.Shoot, cloudProfile *gardencorev1beta1.CloudProfile) field.ErrorList {
	allErrs := field.ErrorList{}
	var oldAnnotations map[string]string
	if oldShoot != nil {
		oldAnnotations = oldShoot.Annotations
		if oldAnnotations == nil {
			oldAnnotations = map[string]string{}
		}
	}
	allErrs = append(allErrs, metalvalidation.ValidateTenantAnnotation(shoot.Annotations, oldAnnotations, field.NewPath("metadata", "annotations"))...)

	families := ipFamilies(shoot)
	cpc, err := helper.CloudProfileConfigFromRawExtension(cloudProfile.Spec.ProviderConfig)
	if err != nil {
		allErrs = append(allErrs, field.InternalError(field.NewPath("spec", "cloudProfile"), fmt.Errorf("cloud profile %s: %w", cloudProfile.Name, err)))
		cpc = nil
	}

	// InfrastructureConfig
	infra, errs := decodeInfrastructureConfig(shoot)
	allErrs = append(allErrs, errs...)
	var oldInfra *metal.InfrastructureConfig
	if oldShoot != nil && oldShoot.Spec.Provider.InfrastructureConfig != nil {
		// An old config that no longer decodes cannot be compared; the new one is validated in full anyway.
		oldInfra, _ = helper.InfrastructureConfigFromRawExtension(oldShoot.Spec.Provider.InfrastructureConfig)
	}
	infraChanged := oldInfra == nil || !apiequality.Semantic.DeepEqual(oldInfra, infra)
	var partition *metal.Partition
	if infra != nil {
		allErrs = append(allErrs, metalvalidation.ValidateInfrastructureConfig(infra, families, infraPath)...)
		if oldInfra != nil {
			allErrs = append(allErrs, metalvalidation.ValidateInfrastructureConfigUpdate(oldInfra, infra, infraPath)...)
		}
		if cpc != nil {
			if infraChanged {
				allErrs = append(allErrs, metalvalidation.ValidateInfrastructureConfigAgainstCloudProfile(infra, cpc, infraPath)...)
			}
			_, _, partition, _ = helper.FindMetalControlPlane(cpc, infra.PartitionID)
		}
		if infraChanged || oldShoot.Spec.Region != shoot.Spec.Region {
			allErrs = append(allErrs, metalvalidation.ValidatePartitionInRegion(infra.PartitionID, shoot.Spec.Region, cloudProfile.Spec.Regions, infraPath.Child("partitionID"))...)
		}
		allErrs = append(allErrs, metalvalidation.ValidateWorkerZones(shoot.Spec.Provider.Workers, infra.PartitionID, workersPath)...)
		if infraChanged || nodeNetworkInputsChanged(shoot, oldShoot) {
			allErrs = append(allErrs, metalvalidation.ValidateShootNodeNetwork(shoot, infra, partition)...)
		}
	}

	// ControlPlaneConfig
	cp, err := helper.ControlPlaneConfigFromRawExtension(shoot.Spec.Provider.ControlPlaneConfig)
	if err != nil {
		allErrs = append(allErrs, decodeError(cpPath, err))
	} else {
		allErrs = append(allErrs, metalvalidation.ValidateControlPlaneConfig(cp, cpPath)...)
		if infra != nil && cpc != nil && (infraChanged || controlPlaneConfigChanged(cp, oldShoot) || !apiequality.Semantic.DeepEqual(families, ipFamilies(oldShoot))) {
			allErrs = append(allErrs, metalvalidation.ValidateControlPlaneConfigAgainstInfrastructure(cp, infra, cpc, cpPath)...)
			allErrs = append(allErrs, metalvalidation.ValidateNetworkAccessForIPFamilies(cp, infra, cpc, families, cpPath)...)
		}
	}

	// Worker pools
	for i := range shoot.Spec.Provider.Workers {
		worker := &shoot.Spec.Provider.Workers[i]
		poolPath := workersPath.Index(i)
		if wc, err := helper.WorkerConfigFromRawExtension(worker.ProviderConfig); err != nil {
			allErrs = append(allErrs, decodeError(poolPath.Child("providerConfig"), err))
		} else {
			allErrs = append(allErrs, metalvalidation.ValidateWorkerConfig(wc, poolPath.Child("providerConfig"))...)
		}
		if workerChanged(worker, oldShoot) {
			allErrs = append(allErrs, metalvalidation.ValidateWorkerAgainstCloudProfile(worker, shoot.Spec.Region, &cloudProfile.Spec, poolPath)...)
		}
	}
	return allErrs
}

func decodeInfrastructureConfig(shoot *gardencorev1beta1.Shoot) (*metal.InfrastructureConfig, field.ErrorList) {
	if shoot.Spec.Provider.InfrastructureConfig == nil {
		return nil, field.ErrorList{field.Required(infraPath, "an InfrastructureConfig is required for metal shoots")}
	}
	infra, err := helper.InfrastructureConfigFromRawExtension(shoot.Spec.Provider.InfrastructureConfig)
	if err != nil {
		return nil, field.ErrorList{decodeError(infraPath, err)}
	}
	return infra, nil
}

// controlPlaneConfigChanged tells whether the ControlPlaneConfig is new or differs from the old shoot's.
func controlPlaneConfigChanged(cp *metal.ControlPlaneConfig, oldShoot *gardencorev1beta1.Shoot) bool {
	if oldShoot == nil {
		return true
	}
	oldCP, err := helper.ControlPlaneConfigFromRawExtension(oldShoot.Spec.Provider.ControlPlaneConfig)
	return err != nil || !apiequality.Semantic.DeepEqual(oldCP, cp)
}

// workerChanged tells whether a pool is new or its machine or zones differ from the old shoot's pool of that name.
func workerChanged(worker *gardencorev1beta1.Worker, oldShoot *gardencorev1beta1.Shoot) bool {
	if oldShoot == nil {
		return true
	}
	for _, old := range oldShoot.Spec.Provider.Workers {
		if old.Name == worker.Name {
			return !apiequality.Semantic.DeepEqual(old.Machine, worker.Machine) || !apiequality.Semantic.DeepEqual(old.Zones, worker.Zones)
		}
	}
	return true
}

// nodeNetworkInputsChanged tells whether what ValidateShootNodeNetwork looks at besides the InfrastructureConfig
// is new or changed: the networking, the kubelet and kube-controller-manager settings, the worker pools.
func nodeNetworkInputsChanged(shoot, oldShoot *gardencorev1beta1.Shoot) bool {
	return oldShoot == nil ||
		!apiequality.Semantic.DeepEqual(oldShoot.Spec.Networking, shoot.Spec.Networking) ||
		!apiequality.Semantic.DeepEqual(oldShoot.Spec.Kubernetes, shoot.Spec.Kubernetes) ||
		!apiequality.Semantic.DeepEqual(oldShoot.Spec.Provider.Workers, shoot.Spec.Provider.Workers)
}

// ipFamilies returns the IP families of a shoot, IPv4 when it names none (Gardener's default).
func ipFamilies(shoot *gardencorev1beta1.Shoot) []gardencorev1beta1.IPFamily {
	if shoot == nil || shoot.Spec.Networking == nil || len(shoot.Spec.Networking.IPFamilies) == 0 {
		return []gardencorev1beta1.IPFamily{gardencorev1beta1.IPFamilyIPv4}
	}
	return shoot.Spec.Networking.IPFamilies
}
