// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"fmt"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	controlplanewebhook "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
)

// machineControllerManagerName is gardenlet's machine-controller-manager Deployment in a shoot namespace.
const machineControllerManagerName = v1beta1constants.DeploymentNameMachineControllerManager

// serveSeedWebhooks serves provider-metal's control-plane webhook to the seed's API server with the webhook
// configuration the extension registers in a real seed: it mutates gardenlet's control plane components in the
// shoot namespaces (here machine-controller-manager's Deployment, which gets the metal driver as sidecar). The
// server stops with the sandbox.
func (sb *Sandbox) serveSeedWebhooks() error {
	images, err := controlplane.ImageVector()
	if err != nil {
		return fmt.Errorf("reading provider-metal's image vector: %w", err)
	}
	server, err := testenv.ServeWebhooks(sb.Seed, "provider-metal", func(mgr manager.Manager) ([]*extensionswebhook.Webhook, error) {
		wh, err := controlplanewebhook.AddToManagerWithOptions(mgr, controlplanewebhook.AddOptions{ImageVector: images})
		return []*extensionswebhook.Webhook{wh}, err
	})
	if err != nil {
		return fmt.Errorf("serving provider-metal's seed webhooks: %w", err)
	}
	sb.wg.Go(func() {
		<-sb.ctx.Done()
		server.Stop()
	})
	return nil
}

// createMachineControllerManager writes gardenlet's machine-controller-manager Deployment into the shoot namespace,
// labelled for the control-plane webhooks of the provider, as gardenlet deploys it before the Worker. The seed has no
// kubelet, so it never runs (the sandbox runs machine-controller-manager in-process); it shows the provider's
// mutation.
func createMachineControllerManager(ctx context.Context, c client.Client, namespace string) error {
	labels := map[string]string{v1beta1constants.LabelApp: v1beta1constants.LabelKubernetes, v1beta1constants.LabelRole: "machine-controller-manager"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      machineControllerManagerName,
			Namespace: namespace,
			Labels: map[string]string{
				v1beta1constants.LabelApp:  v1beta1constants.LabelKubernetes,
				v1beta1constants.LabelRole: "machine-controller-manager",
				v1beta1constants.LabelExtensionProviderMutatedByControlplaneWebhook: "true",
			},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{
						Name:  machineControllerManagerName,
						Image: "europe-docker.pkg.dev/gardener-project/releases/gardener/machine-controller-manager",
						Args:  []string{"--control-kubeconfig=inClusterConfig", "--namespace=" + namespace, "--target-kubeconfig=/var/run/secrets/gardener.cloud/shoot/generic-kubeconfig/kubeconfig"},
					}},
					// gardenlet mounts the generic token kubeconfig as volume "kubeconfig", which the provider
					// sidecar shares.
					Volumes: []corev1.Volume{{Name: "kubeconfig", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
				},
			},
		},
	}
	if err := c.Create(ctx, d); err != nil {
		return fmt.Errorf("creating gardenlet's machine-controller-manager Deployment: %w", err)
	}
	return nil
}
