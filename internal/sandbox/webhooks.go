// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	druidcorev1alpha1 "github.com/gardener/etcd-druid/api/core/v1alpha1"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	controlplanewebhook "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
	seedproviderwebhook "github.com/metalgarden/metalgarden/pkg/webhook/seedprovider"
)

// machineControllerManagerName is gardenlet's machine-controller-manager Deployment in a shoot namespace.
const machineControllerManagerName = v1beta1constants.DeploymentNameMachineControllerManager

// What gardenlet gives the shoot's etcds before the seed-provider webhook adapts them: its default volume sizes
// (etcd-main 25Gi, etcd-events 10Gi) in the seed's default storage class, and for etcd-main a backup into the seed's
// backup bucket with a daily full snapshot that gardenlet derives from the shoot's maintenance window.
const (
	etcdMainCapacity   = "25Gi"
	etcdEventsCapacity = "10Gi"
	etcdBackupProvider = "S3"
	etcdBackupBucket   = "sandbox-etcd-backups"
	etcdBackupSchedule = "15 3 * * *"
	// etcdAppLabelValue is the app label of etcd's pods.
	etcdAppLabelValue = "etcd-statefulset"
)

// etcdNames are the Etcds gardenlet writes into a shoot namespace, etcd-main first; the sandbox deletes them with
// the shoot (Shoot.delete).
var etcdNames = []string{v1beta1constants.ETCDMain, v1beta1constants.ETCDEvents}

// seedScheme is the scheme of the sandbox's seed: what testenv's seeds hold, and etcd-druid's Etcd.
func seedScheme() (*runtime.Scheme, error) {
	scheme, err := testenv.NewScheme()
	if err != nil {
		return nil, fmt.Errorf("building the seed's scheme: %w", err)
	}
	if err := druidcorev1alpha1.AddToScheme(scheme); err != nil {
		return nil, fmt.Errorf("adding etcd-druid's types to the seed's scheme: %w", err)
	}
	return scheme, nil
}

// serveSeedWebhooks serves provider-metal's seed webhooks to the seed's API server with the webhook configurations
// the extension registers in a real seed: the control-plane webhook mutates gardenlet's control plane components in
// the shoot namespaces (here machine-controller-manager's Deployment, which gets the metal driver as sidecar), the
// seed-provider webhook gardenlet's Etcds (storage class and capacity on create, etcd-main's backup schedule) with
// the ETCD settings of provider-metal's component configuration, as the extension's binary hands them on. The server
// stops with the sandbox.
func (sb *Sandbox) serveSeedWebhooks() error {
	images, err := controlplane.ImageVector()
	if err != nil {
		return fmt.Errorf("reading provider-metal's image vector: %w", err)
	}
	etcd := sb.example.metalConfig.ETCD
	server, err := testenv.ServeWebhooks(sb.Seed, "provider-metal", func(mgr manager.Manager) ([]*extensionswebhook.Webhook, error) {
		cp, err := controlplanewebhook.AddToManagerWithOptions(mgr, controlplanewebhook.AddOptions{ImageVector: images})
		if err != nil {
			return nil, fmt.Errorf("adding the control-plane webhook: %w", err)
		}
		seedProvider, err := seedproviderwebhook.AddToManagerWithOptions(mgr, seedproviderwebhook.AddOptions{ETCD: etcd})
		if err != nil {
			return nil, fmt.Errorf("adding the seed-provider webhook: %w", err)
		}
		return []*extensionswebhook.Webhook{cp, seedProvider}, nil
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

// createEtcds writes gardenlet's Etcds of the shoot into its namespace, as gardenlet deploys them early in the
// shoot's flow for etcd-druid: etcd-main with a backup store, etcd-events without, both in gardenlet's default size
// and with the labels and operation annotation gardenlet sets. The seed-provider webhook matches them by the
// namespace's seed provider label and their names, and adapts them on create. No etcd-druid runs in the sandbox
// (and the seed has no kubelet): they show the provider's mutation.
func createEtcds(ctx context.Context, c client.Client, namespace string, shootUID string) error {
	for _, name := range etcdNames {
		role := strings.TrimPrefix(name, "etcd-")
		roleLabels := map[string]string{v1beta1constants.GardenRole: v1beta1constants.GardenRoleControlPlane, v1beta1constants.LabelRole: role}
		podLabels := map[string]string{v1beta1constants.LabelApp: etcdAppLabelValue}
		maps.Copy(podLabels, roleLabels)
		capacity := etcdEventsCapacity
		if name == v1beta1constants.ETCDMain {
			capacity = etcdMainCapacity
		}
		e := &druidcorev1alpha1.Etcd{
			ObjectMeta: metav1.ObjectMeta{
				Name:      name,
				Namespace: namespace,
				Labels:    roleLabels,
				Annotations: map[string]string{
					v1beta1constants.GardenerOperation: v1beta1constants.GardenerOperationReconcile,
					v1beta1constants.GardenerTimestamp: time.Now().UTC().Format(time.RFC3339Nano),
				},
			},
			Spec: druidcorev1alpha1.EtcdSpec{
				Replicas:        1,
				Labels:          podLabels,
				Selector:        &metav1.LabelSelector{MatchLabels: maps.Clone(podLabels)},
				StorageCapacity: new(resource.MustParse(capacity)),
			},
		}
		if name == v1beta1constants.ETCDMain {
			provider := druidcorev1alpha1.StorageProvider(etcdBackupProvider)
			e.Spec.Backup = druidcorev1alpha1.BackupSpec{
				Store: &druidcorev1alpha1.StoreSpec{
					SecretRef: &corev1.SecretReference{Name: v1beta1constants.BackupSecretName},
					Container: new(etcdBackupBucket),
					Provider:  &provider,
					// gardenlet's prefix is the shoot's BackupEntry, named after the namespace and the shoot's UID.
					Prefix: namespace + "--" + shootUID + "/" + name,
				},
				FullSnapshotSchedule: new(etcdBackupSchedule),
				DeltaSnapshotPeriod:  &metav1.Duration{Duration: 5 * time.Minute},
			}
		}
		if err := c.Create(ctx, e); err != nil {
			return fmt.Errorf("creating gardenlet's Etcd %s: %w", name, err)
		}
	}
	return nil
}
