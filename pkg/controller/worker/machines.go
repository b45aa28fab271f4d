// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gardener/gardener/extensions/pkg/controller/worker"
	"github.com/gardener/gardener/extensions/pkg/controller/worker/genericactuator"
	extensionsv1alpha1helper "github.com/gardener/gardener/pkg/api/extensions/v1alpha1/helper"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/controllerutils"
	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
	"github.com/metalgarden/metalgarden/pkg/mcm"
)

// poolConfig is the machine configuration of one worker pool, shared by its zones.
type poolConfig struct {
	spec     mcm.ProviderSpec
	userData []byte
	hash     string
	image    apismetal.MachineImage
}

// generateMachineConfig computes the MachineClasses, their secrets and the MachineDeployments of all pools.
func (w *workerDelegate) generateMachineConfig(ctx context.Context) error {
	var (
		classes     []*machinev1alpha1.MachineClass
		secrets     []*corev1.Secret
		deployments worker.MachineDeployments
		images      []apismetal.MachineImage
	)
	for _, pool := range w.worker.Spec.Pools {
		pc, err := w.poolConfig(ctx, pool)
		if err != nil {
			return err
		}
		if !slices.Contains(images, pc.image) {
			images = append(images, pc.image)
		}
		providerSpec, err := pc.spec.Encode()
		if err != nil {
			return w.errorf("encoding the providerSpec of pool %s: %w", pool.Name, err)
		}

		zones := pool.Zones
		if len(zones) == 0 {
			zones = []string{w.shoot.infra.PartitionID}
		}
		zoneCount := int32(len(zones)) // #nosec G115 -- Gardener validates the number of zones of a pool.
		for zoneIndex, zone := range zones {
			if zone != w.shoot.infra.PartitionID {
				return configurationProblem(w.errorf("pool %s names zone %q, but the shoot's machines live in its partition %q", pool.Name, zone, w.shoot.infra.PartitionID))
			}
			idx := int32(zoneIndex) // #nosec G115 -- see zoneCount.
			deploymentName := fmt.Sprintf("%s-%s-z%d", w.worker.Namespace, pool.Name, idx+1)
			className := deploymentName + "-" + pc.hash

			secrets = append(secrets, &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{
					Name:      className,
					Namespace: w.worker.Namespace,
					Labels:    map[string]string{v1beta1constants.GardenerPurpose: v1beta1constants.GardenPurposeMachineClass},
				},
				Type: corev1.SecretTypeOpaque,
				Data: map[string][]byte{mcm.UserDataKey: pc.userData},
			})
			classes = append(classes, &machinev1alpha1.MachineClass{
				ObjectMeta:           metav1.ObjectMeta{Name: className, Namespace: w.worker.Namespace},
				SecretRef:            &corev1.SecretReference{Name: className, Namespace: w.worker.Namespace},
				CredentialsSecretRef: &corev1.SecretReference{Name: w.worker.Spec.SecretRef.Name, Namespace: w.worker.Spec.SecretRef.Namespace},
				Provider:             mcm.ProviderName,
				ProviderSpec:         runtime.RawExtension{Raw: providerSpec},
				NodeTemplate:         nodeTemplate(pool, w.worker.Spec.Region, zone),
			})
			deployments = append(deployments, worker.MachineDeployment{
				Name:                         deploymentName,
				PoolName:                     pool.Name,
				ClassName:                    className,
				SecretName:                   className,
				Minimum:                      worker.DistributeOverZones(idx, pool.Minimum, zoneCount),
				Maximum:                      worker.DistributeOverZones(idx, pool.Maximum, zoneCount),
				Priority:                     pool.Priority,
				Strategy:                     deploymentStrategy(pool, idx, zoneCount),
				Labels:                       pool.Labels,
				Annotations:                  pool.Annotations,
				Taints:                       pool.Taints,
				MachineConfiguration:         genericactuator.ReadMachineConfiguration(pool),
				ClusterAutoscalerAnnotations: extensionsv1alpha1helper.GetMachineDeploymentClusterAutoscalerAnnotations(pool.ClusterAutoscaler),
			})
		}
	}
	w.machineClasses, w.classSecrets, w.machineDeployments, w.usedImages = classes, secrets, deployments, images
	return nil
}

// poolConfig computes the providerSpec, user data and class hash of a pool.
func (w *workerDelegate) poolConfig(ctx context.Context, pool extensionsv1alpha1.WorkerPool) (*poolConfig, error) {
	wc, err := metalhelper.WorkerConfigFromRawExtension(pool.ProviderConfig)
	if err != nil {
		return nil, configurationProblem(w.errorf("pool %s: %w", pool.Name, err))
	}
	image, err := w.resolveImage(pool.MachineImage.Name, pool.MachineImage.Version)
	if err != nil {
		return nil, err
	}
	userData, err := worker.FetchUserData(ctx, w.client, w.worker.Namespace, pool)
	if err != nil {
		return nil, err
	}

	s := w.shoot
	spec := mcm.ProviderSpec{
		APIVersion:  mcm.ProviderSpecAPIVersion,
		Kind:        mcm.ProviderSpecKind,
		MetalAPIURL: s.mcp.Endpoint,
		ClusterID:   s.identity.ID,
		Partition:   s.infra.PartitionID,
		Size:        pool.MachineType,
		Image:       image.Image,
		Project:     s.infra.ProjectID,
		Networks:    append([]string{s.nodeNetworkID}, wc.AdditionalNetworks...),
		Tags:        w.poolTags(pool, wc),
	}
	if key := strings.TrimSpace(string(w.worker.Spec.SSHPublicKey)); key != "" {
		spec.SSHKeys = []string{key}
	}
	if isolation := s.isolation(); isolation != nil {
		spec.DNSServers = slices.Clone(isolation.DNSServers)
		spec.NTPServers = slices.Clone(isolation.NTPServers)
	}
	if err := spec.Validate(); err != nil {
		return nil, configurationProblem(w.errorf("pool %s: %w", pool.Name, err))
	}

	// What needs new machines when it changes, beyond what Gardener's pool hash covers already (machine type,
	// image, providerConfig, Kubernetes version, ...): where the machines live, their networks and resolvers.
	// SSH keys and tags are deliberately left out: a key rotation or a new tag must not replace every machine.
	placement := []string{
		"partition=" + spec.Partition,
		"project=" + spec.Project,
		"image=" + spec.Image,
		"networks=" + strings.Join(spec.Networks, ","),
		"dns=" + strings.Join(spec.DNSServers, ","),
		"ntp=" + strings.Join(spec.NTPServers, ","),
	}
	v2 := append([]string{"size=" + pool.MachineType}, placement...)
	if pool.ProviderConfig != nil {
		v2 = append(v2, string(pool.ProviderConfig.Raw))
	}
	hash, err := worker.WorkerPoolHash(pool, w.cluster, placement, v2, placement)
	if err != nil {
		return nil, w.errorf("hashing pool %s: %w", pool.Name, err)
	}
	return &poolConfig{spec: spec, userData: userData, hash: hash, image: image}, nil
}

// poolTags are the tags of a pool's machines: the cluster's, the pool's name, the pool's labels and the
// WorkerConfig's tags, each as "key=value".
func (w *workerDelegate) poolTags(pool extensionsv1alpha1.WorkerPool, wc *apismetal.WorkerConfig) []string {
	tags := w.shoot.clusterTags()
	tags = append(tags, v1beta1constants.LabelWorkerPool+"="+pool.Name)
	for _, t := range append(keyValueTags(pool.Labels), keyValueTags(wc.Tags)...) {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	return tags
}

// nodeTemplate is what the cluster-autoscaler assumes about a pool's future nodes.
func nodeTemplate(pool extensionsv1alpha1.WorkerPool, region, zone string) *machinev1alpha1.NodeTemplate {
	if pool.NodeTemplate == nil {
		return nil
	}
	arch := v1beta1constants.ArchitectureAMD64
	if pool.Architecture != nil {
		arch = *pool.Architecture
	}
	return &machinev1alpha1.NodeTemplate{
		Capacity:        pool.NodeTemplate.Capacity,
		VirtualCapacity: pool.NodeTemplate.VirtualCapacity,
		InstanceType:    pool.MachineType,
		Region:          region,
		Zone:            zone,
		Architecture:    &arch,
	}
}

// deploymentStrategy is the MachineDeployment strategy of a pool: rolling updates with the pool's surge and
// unavailability distributed over its zones, or MCM's in-place updates when the pool asks for them.
func deploymentStrategy(pool extensionsv1alpha1.WorkerPool, zoneIndex, zoneCount int32) machinev1alpha1.MachineDeploymentStrategy {
	maxSurge := worker.DistributePositiveIntOrPercent(zoneIndex, pool.MaxSurge, zoneCount, pool.Maximum)
	maxUnavailable := worker.DistributePositiveIntOrPercent(zoneIndex, pool.MaxUnavailable, zoneCount, pool.Minimum)
	update := machinev1alpha1.UpdateConfiguration{MaxSurge: &maxSurge, MaxUnavailable: &maxUnavailable}

	if pool.UpdateStrategy != nil {
		switch *pool.UpdateStrategy {
		case gardencorev1beta1.AutoInPlaceUpdate:
			return machinev1alpha1.MachineDeploymentStrategy{
				Type:          machinev1alpha1.InPlaceUpdateMachineDeploymentStrategyType,
				InPlaceUpdate: &machinev1alpha1.InPlaceUpdateMachineDeployment{UpdateConfiguration: update, OrchestrationType: machinev1alpha1.OrchestrationTypeAuto},
			}
		case gardencorev1beta1.ManualInPlaceUpdate:
			return machinev1alpha1.MachineDeploymentStrategy{
				Type:          machinev1alpha1.InPlaceUpdateMachineDeploymentStrategyType,
				InPlaceUpdate: &machinev1alpha1.InPlaceUpdateMachineDeployment{UpdateConfiguration: update, OrchestrationType: machinev1alpha1.OrchestrationTypeManual},
			}
		}
	}
	return machinev1alpha1.MachineDeploymentStrategy{
		Type:          machinev1alpha1.RollingUpdateMachineDeploymentStrategyType,
		RollingUpdate: &machinev1alpha1.RollingUpdateMachineDeployment{UpdateConfiguration: update},
	}
}

// DeployMachineClasses applies the MachineClasses and their secrets; unchanged objects are not written.
func (w *workerDelegate) DeployMachineClasses(ctx context.Context) error {
	if err := w.generate(ctx); err != nil {
		return err
	}
	for _, desired := range w.classSecrets {
		secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: desired.Name, Namespace: desired.Namespace}}
		if _, err := controllerutils.GetAndCreateOrMergePatch(ctx, w.client, secret, func() error {
			for k, v := range desired.Labels {
				metav1.SetMetaDataLabel(&secret.ObjectMeta, k, v)
			}
			secret.Type = desired.Type
			secret.Data = desired.Data
			return nil
		}); err != nil {
			return w.errorf("applying machine class secret %s: %w", desired.Name, err)
		}
	}
	for _, desired := range w.machineClasses {
		class := &machinev1alpha1.MachineClass{ObjectMeta: metav1.ObjectMeta{Name: desired.Name, Namespace: desired.Namespace}}
		if _, err := controllerutils.GetAndCreateOrMergePatch(ctx, w.client, class, func() error {
			class.SecretRef = desired.SecretRef
			class.CredentialsSecretRef = desired.CredentialsSecretRef
			class.Provider = desired.Provider
			class.ProviderSpec = desired.ProviderSpec
			class.NodeTemplate = desired.NodeTemplate
			return nil
		}); err != nil {
			return w.errorf("applying machine class %s: %w", desired.Name, err)
		}
	}
	return nil
}

// UpdateMachineImagesStatus records the images the pools use in the Worker's providerStatus, so that a pool
// keeps its image when the cloud profile drops the version. The status is only written when it changes.
func (w *workerDelegate) UpdateMachineImagesStatus(ctx context.Context) error {
	if err := w.generate(ctx); err != nil {
		return err
	}
	current, err := metalhelper.WorkerStatusFromRaw(w.worker.Status.ProviderStatus)
	if err != nil {
		return w.errorf("reading providerStatus: %w", err)
	}
	desired := &apismetal.WorkerStatus{MachineImages: w.usedImages}
	if w.worker.Status.ProviderStatus != nil && equality.Semantic.DeepEqual(current.MachineImages, desired.MachineImages) {
		return nil
	}
	versioned := &metalv1alpha1.WorkerStatus{}
	if err := metalhelper.Scheme.Convert(desired, versioned, nil); err != nil {
		return w.errorf("converting providerStatus: %w", err)
	}
	versioned.SetGroupVersionKind(metalv1alpha1.SchemeGroupVersion.WithKind("WorkerStatus"))
	patch := client.MergeFrom(w.worker.DeepCopy())
	w.worker.Status.ProviderStatus = &runtime.RawExtension{Object: versioned}
	if err := w.client.Status().Patch(ctx, w.worker, patch); err != nil {
		return w.errorf("writing providerStatus: %w", err)
	}
	return nil
}
