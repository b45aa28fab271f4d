// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane_test

import (
	"context"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	extensionscontextwebhook "github.com/gardener/gardener/extensions/pkg/webhook/context"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	vpaautoscalingv1 "k8s.io/autoscaler/vertical-pod-autoscaler/pkg/apis/autoscaling.k8s.io/v1"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

var _ = Describe("machine-controller-manager provider sidecar", func() {
	const namespace = "shoot--dev--mcm"
	var (
		ensurer *controlplane.Ensurer
		gctx    extensionscontextwebhook.GardenContext
	)

	BeforeEach(func() {
		images := imagevector.ImageVector{{
			Name:       controlplane.ImageNameMachineControllerManagerProviderMetal,
			Repository: new("registry.example.com/metalgarden/machine-controller-manager-provider-metal"),
			Tag:        new("v0.1.0"),
		}}
		ensurer = controlplane.NewEnsurer(GinkgoLogr, nil, images)
		shoot := testenv.NewShoot(testenv.ShootSpec{Project: "dev", Name: "mcm", Workers: []gardencorev1beta1.Worker{{Name: "pool-a"}}})
		gctx = extensionscontextwebhook.NewInternalGardenContext(&extensionscontroller.Cluster{Shoot: shoot})
	})

	mcmDeployment := func() *appsv1.Deployment {
		return &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: "machine-controller-manager", Namespace: namespace},
			Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				Containers: []corev1.Container{{Name: "machine-controller-manager", Image: "mcm"}},
			}}},
		}
	}

	It("adds the metal driver as provider sidecar with Gardener's flags, once", func(ctx context.Context) {
		deploy := mcmDeployment()
		Expect(ensurer.EnsureMachineControllerManagerDeployment(ctx, gctx, deploy, nil)).To(Succeed())
		Expect(ensurer.EnsureMachineControllerManagerDeployment(ctx, gctx, deploy, nil)).To(Succeed())

		Expect(deploy.Spec.Template.Spec.Containers).To(HaveLen(2))
		sidecar := deploy.Spec.Template.Spec.Containers[1]
		Expect(sidecar.Name).To(Equal("machine-controller-manager-metal"))
		Expect(sidecar.Image).To(Equal("registry.example.com/metalgarden/machine-controller-manager-provider-metal:v0.1.0"))
		Expect(sidecar.Args).To(ContainElements(
			"--control-kubeconfig=inClusterConfig",
			"--namespace="+namespace,
			"--machine-creation-timeout=20m",
			"--target-kubeconfig=/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig/kubeconfig",
		))
		Expect(sidecar.LivenessProbe).NotTo(BeNil())
		Expect(sidecar.VolumeMounts).To(ContainElement(HaveField("Name", "kubeconfig")))
	})

	It("fails without the provider image in the image vector", func(ctx context.Context) {
		empty := controlplane.NewEnsurer(GinkgoLogr, nil, imagevector.ImageVector{})
		Expect(empty.EnsureMachineControllerManagerDeployment(ctx, gctx, mcmDeployment(), nil)).To(MatchError(ContainSubstring("machine-controller-manager-provider-metal")))
	})

	It("lets the VPA scale the sidecar's requests, once", func(ctx context.Context) {
		vpa := &vpaautoscalingv1.VerticalPodAutoscaler{}
		Expect(ensurer.EnsureMachineControllerManagerVPA(ctx, gctx, vpa, nil)).To(Succeed())
		Expect(ensurer.EnsureMachineControllerManagerVPA(ctx, gctx, vpa, nil)).To(Succeed())
		Expect(vpa.Spec.ResourcePolicy.ContainerPolicies).To(ConsistOf(vpaautoscalingv1.ContainerResourcePolicy{
			ContainerName:    "machine-controller-manager-metal",
			ControlledValues: new(vpaautoscalingv1.ContainerControlledValuesRequestsOnly),
		}))
	})
})
