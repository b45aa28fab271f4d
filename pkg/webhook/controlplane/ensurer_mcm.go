// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"context"
	"fmt"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	"github.com/gardener/gardener/pkg/component/nodemanagement/machinecontrollermanager"
	appsv1 "k8s.io/api/apps/v1"
	vpaautoscalingv1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"

	"github.com/metalgarden/metalgarden/pkg/mcm"
)

// ImageNameMachineControllerManagerProviderMetal is the image of cmd/machine-controller-manager-provider-metal in
// the image vector.
const ImageNameMachineControllerManagerProviderMetal = "machine-controller-manager-provider-metal"

// EnsureMachineControllerManagerDeployment adds the metal driver as provider sidecar to gardenlet's
// machine-controller-manager Deployment, with the flags, probes and kubeconfig mount Gardener prescribes for
// provider sidecars.
func (e *Ensurer) EnsureMachineControllerManagerDeployment(ctx context.Context, gctx extensionscontextwebhook.GardenContext, newObj, _ *appsv1.Deployment) error {
	image, err := e.images.FindImage(ImageNameMachineControllerManagerProviderMetal)
	if err != nil {
		return fmt.Errorf("finding the image of the metal machine-controller-manager provider: %w", err)
	}
	cluster, err := gctx.GetCluster(ctx)
	if err != nil {
		return fmt.Errorf("reading the Cluster of %s/%s: %w", newObj.Namespace, newObj.Name, err)
	}
	newObj.Spec.Template.Spec.Containers = extensionswebhook.EnsureContainerWithName(
		newObj.Spec.Template.Spec.Containers,
		machinecontrollermanager.ProviderSidecarContainer(cluster.Shoot, newObj.Namespace, mcm.ProviderName, image.String()),
	)
	return nil
}

// EnsureMachineControllerManagerVPA lets the VPA of machine-controller-manager scale the provider sidecar's
// requests, as Gardener prescribes for provider sidecars.
func (e *Ensurer) EnsureMachineControllerManagerVPA(_ context.Context, _ extensionscontextwebhook.GardenContext, newObj, _ *vpaautoscalingv1.VerticalPodAutoscaler) error {
	if newObj.Spec.ResourcePolicy == nil {
		newObj.Spec.ResourcePolicy = &vpaautoscalingv1.PodResourcePolicy{}
	}
	newObj.Spec.ResourcePolicy.ContainerPolicies = extensionswebhook.EnsureVPAContainerResourcePolicyWithName(
		newObj.Spec.ResourcePolicy.ContainerPolicies,
		machinecontrollermanager.ProviderSidecarVPAContainerPolicy(mcm.ProviderName),
	)
	return nil
}
