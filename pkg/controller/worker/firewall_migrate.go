// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/gardener/gardener/pkg/controllerutils"
	reconcilerutils "github.com/gardener/gardener/pkg/controllerutils/reconciler"
	"github.com/go-logr/logr"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
)

const (
	// FirewallControllerManagerDeploymentName is the Deployment of firewall-controller-manager in the shoot
	// namespace, deployed by the ControlPlane controller.
	FirewallControllerManagerDeploymentName = "firewall-controller-manager"
	// FirewallStateResourceName names the firewall state in the Worker's status.resources.
	FirewallStateResourceName = "firewall-state"
	// firewallStateKey is the key of the state in its Secret.
	firewallStateKey = "state"
	// FirewallRestoredLabel marks the firewall objects recreated by a restore. firewall-controller-manager's
	// webhooks skip objects with it (see the ControlPlane's seed chart): the restore creates them while FCM is
	// stopped, so nothing would answer the webhooks, and their content was defaulted and validated by FCM in the
	// source seed already.
	FirewallRestoredLabel = "metal.provider.extensions.gardener.cloud/restored"
)

// FirewallStateSecretName is the Secret that carries a Worker's firewall objects through a control plane
// migration.
func FirewallStateSecretName(w *extensionsv1alpha1.Worker) string { return w.Name + "-firewall-state" }

// firewallState is what survives a migration of the firewall objects: names, labels, annotations, owners (by
// name) and specs of the FirewallDeployments, FirewallSets and Firewalls. FCM finds the firewall machines in the
// metal-api again by the Firewall names, and recomputes every status.
type firewallState struct {
	Deployments []fcmv2.FirewallDeployment `json:"deployments,omitempty"`
	Sets        []fcmv2.FirewallSet        `json:"sets,omitempty"`
	Firewalls   []fcmv2.Firewall           `json:"firewalls,omitempty"`
}

// stripMeta keeps what a restored object needs of its metadata, and marks it as restored.
func stripMeta(m metav1.ObjectMeta) metav1.ObjectMeta {
	labels := maps.Clone(m.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	labels[FirewallRestoredLabel] = "true"
	out := metav1.ObjectMeta{Name: m.Name, Labels: labels, Annotations: m.Annotations}
	for _, ref := range m.OwnerReferences {
		out.OwnerReferences = append(out.OwnerReferences, metav1.OwnerReference{APIVersion: ref.APIVersion, Kind: ref.Kind, Name: ref.Name, Controller: ref.Controller})
	}
	return out
}

// migrateFirewalls keeps the shoot's firewall objects for the destination seed. firewall-controller-manager is
// stopped first (as Gardener once stopped machine-controller-manager), so that nothing acts on the objects
// while they are read; their finalizers are removed, so that deleting the old namespace never frees the
// firewall that keeps running; and their content goes into a Secret that the Worker's status.resources
// references, which gardenlet carries in the ShootState and recreates in the destination seed. The Worker's
// status.state is not used: it belongs to gardenlet's machine state.
func (a *actuator) migrateFirewalls(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker) error {
	if err := a.stopFCM(ctx, log, w.Namespace); err != nil {
		return err
	}

	state := &firewallState{}
	deployments := &fcmv2.FirewallDeploymentList{}
	sets := &fcmv2.FirewallSetList{}
	firewalls := &fcmv2.FirewallList{}
	for _, list := range []client.ObjectList{deployments, sets, firewalls} {
		if err := a.reader.List(ctx, list, client.InNamespace(w.Namespace)); err != nil {
			return fmt.Errorf("listing the firewall objects: %w", err)
		}
	}
	for _, d := range deployments.Items {
		state.Deployments = append(state.Deployments, fcmv2.FirewallDeployment{ObjectMeta: stripMeta(d.ObjectMeta), Spec: d.Spec})
	}
	for _, s := range sets.Items {
		state.Sets = append(state.Sets, fcmv2.FirewallSet{ObjectMeta: stripMeta(s.ObjectMeta), Spec: s.Spec})
	}
	for _, f := range firewalls.Items {
		state.Firewalls = append(state.Firewalls, fcmv2.Firewall{ObjectMeta: stripMeta(f.ObjectMeta), Spec: f.Spec, Distance: f.Distance})
	}
	if len(state.Deployments)+len(state.Sets)+len(state.Firewalls) == 0 {
		log.Info("No firewall objects to migrate")
		return nil
	}

	data, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("encoding the firewall state: %w", err)
	}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: FirewallStateSecretName(w), Namespace: w.Namespace}}
	if _, err := controllerutils.GetAndCreateOrMergePatch(ctx, a.client, secret, func() error {
		metav1.SetMetaDataLabel(&secret.ObjectMeta, v1beta1constants.GardenerPurpose, FirewallStateResourceName)
		secret.Type = corev1.SecretTypeOpaque
		// Firewall specs hold the firewall-controller's user data with its seed and shoot access.
		secret.Data = map[string][]byte{firewallStateKey: data}
		return nil
	}); err != nil {
		return fmt.Errorf("writing the firewall state secret: %w", err)
	}
	if err := a.setStateResource(ctx, w, &gardencorev1beta1.NamedResourceReference{
		Name:        FirewallStateResourceName,
		ResourceRef: autoscalingv1.CrossVersionObjectReference{APIVersion: "v1", Kind: "Secret", Name: secret.Name},
	}); err != nil {
		return err
	}

	if err := removeFirewallFinalizers(ctx, a.client, w.Namespace); err != nil {
		return err
	}
	log.Info("Kept the firewall objects for the destination seed", "deployments", len(state.Deployments), "sets", len(state.Sets), "firewalls", len(state.Firewalls))
	return nil
}

// setStateResource adds (ref) or removes (nil) the firewall state in the Worker's status.resources.
func (a *actuator) setStateResource(ctx context.Context, w *extensionsv1alpha1.Worker, ref *gardencorev1beta1.NamedResourceReference) error {
	patch := client.MergeFrom(w.DeepCopy())
	resources := slices.DeleteFunc(slices.Clone(w.Status.Resources), func(r gardencorev1beta1.NamedResourceReference) bool {
		return r.Name == FirewallStateResourceName
	})
	if ref != nil {
		resources = append(resources, *ref)
	}
	w.Status.Resources = resources
	if err := a.client.Status().Patch(ctx, w, patch); err != nil {
		return fmt.Errorf("updating status.resources of the Worker: %w", err)
	}
	return nil
}

// restoreFirewalls recreates the firewall objects kept by migrateFirewalls, with their owner chain
// (FirewallDeployment → FirewallSet → Firewall) rebuilt for the new UIDs, while firewall-controller-manager is
// stopped: a running FCM would create a new set, and with it a second firewall, for a deployment without one.
// FCM is started again afterwards unless the shoot is hibernated.
func (a *actuator) restoreFirewalls(ctx context.Context, log logr.Logger, w *extensionsv1alpha1.Worker, cluster *extensionscontroller.Cluster) error {
	ref := stateResource(w)
	if ref == nil {
		log.Info("No firewall state to restore")
		return nil
	}
	secret := &corev1.Secret{}
	if err := a.reader.Get(ctx, client.ObjectKey{Namespace: w.Namespace, Name: ref.ResourceRef.Name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return fmt.Errorf("the firewall state secret %s referenced by the Worker does not exist; gardenlet restores it from the ShootState before the Worker", ref.ResourceRef.Name)
		}
		return err
	}
	state := &firewallState{}
	if err := json.Unmarshal(secret.Data[firewallStateKey], state); err != nil {
		return fmt.Errorf("decoding the firewall state secret %s: %w", secret.Name, err)
	}

	if err := a.stopFCM(ctx, log, w.Namespace); err != nil {
		return err
	}
	uids := map[string]types.UID{}
	for i := range state.Deployments {
		d := state.Deployments[i].DeepCopy()
		d.Namespace = w.Namespace
		if err := a.create(ctx, d, "FirewallDeployment", nil); err != nil {
			return err
		}
		uids["FirewallDeployment/"+d.Name] = d.UID
	}
	for i := range state.Sets {
		s := state.Sets[i].DeepCopy()
		s.Namespace = w.Namespace
		if err := a.create(ctx, s, "FirewallSet", uids); err != nil {
			return err
		}
		uids["FirewallSet/"+s.Name] = s.UID
	}
	for i := range state.Firewalls {
		f := state.Firewalls[i].DeepCopy()
		f.Namespace = w.Namespace
		if err := a.create(ctx, f, "Firewall", uids); err != nil {
			return err
		}
	}
	if !extensionscontroller.IsHibernationEnabled(cluster) {
		if err := a.scaleFCM(ctx, w.Namespace, 1); err != nil {
			return err
		}
	}

	if err := a.setStateResource(ctx, w, nil); err != nil {
		return err
	}
	if err := a.client.Delete(ctx, secret); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting the firewall state secret: %w", err)
	}
	log.Info("Restored the firewall objects", "deployments", len(state.Deployments), "sets", len(state.Sets), "firewalls", len(state.Firewalls))
	return nil
}

// stateResource returns the firewall state reference of a Worker, nil if it has none.
func stateResource(w *extensionsv1alpha1.Worker) *gardencorev1beta1.NamedResourceReference {
	for i, r := range w.Status.Resources {
		if r.Name == FirewallStateResourceName {
			return &w.Status.Resources[i]
		}
	}
	return nil
}

// create creates a restored object whose owner references name their owners; the owners' new UIDs are looked
// up by kind and name. An object that exists already (a retried restore) is read back for its UID.
func (a *actuator) create(ctx context.Context, obj client.Object, kind string, uids map[string]types.UID) error {
	var refs []metav1.OwnerReference
	for _, ref := range obj.GetOwnerReferences() {
		uid, ok := uids[ref.Kind+"/"+ref.Name]
		if !ok {
			continue
		}
		ref.UID = uid
		ref.BlockOwnerDeletion = new(true)
		refs = append(refs, ref)
	}
	obj.SetOwnerReferences(refs)
	if err := a.client.Create(ctx, obj); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("restoring %s %s: %w", kind, obj.GetName(), err)
		}
		if err := a.reader.Get(ctx, client.ObjectKeyFromObject(obj), obj); err != nil {
			return fmt.Errorf("reading restored %s %s: %w", kind, obj.GetName(), err)
		}
	}
	return nil
}

// removeFirewallFinalizers removes FCM's finalizers from the namespace's firewall objects.
func removeFirewallFinalizers(ctx context.Context, c client.Client, namespace string) error {
	deployments := &fcmv2.FirewallDeploymentList{}
	sets := &fcmv2.FirewallSetList{}
	firewalls := &fcmv2.FirewallList{}
	var objs []client.Object
	for _, list := range []client.ObjectList{deployments, sets, firewalls} {
		if err := c.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return fmt.Errorf("listing the firewall objects: %w", err)
		}
	}
	for i := range deployments.Items {
		objs = append(objs, &deployments.Items[i])
	}
	for i := range sets.Items {
		objs = append(objs, &sets.Items[i])
	}
	for i := range firewalls.Items {
		objs = append(objs, &firewalls.Items[i])
	}
	var errs []error
	for _, obj := range objs {
		if !controllerutil.ContainsFinalizer(obj, fcmv2.FinalizerName) {
			continue
		}
		if err := controllerutils.RemoveFinalizers(ctx, c, obj, fcmv2.FinalizerName); client.IgnoreNotFound(err) != nil {
			errs = append(errs, fmt.Errorf("removing the finalizer of %T %s: %w", obj, obj.GetName(), err))
		}
	}
	return errors.Join(errs...)
}

// stopFCM scales firewall-controller-manager to zero and waits until no replica runs; without its Deployment
// there is nothing to stop.
func (a *actuator) stopFCM(ctx context.Context, log logr.Logger, namespace string) error {
	deploy := &appsv1.Deployment{}
	if err := a.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallControllerManagerDeploymentName}, deploy); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}
	if err := a.scaleFCM(ctx, namespace, 0); err != nil {
		return err
	}
	if deploy.Status.Replicas > 0 {
		log.Info("Waiting for firewall-controller-manager to stop", "replicas", deploy.Status.Replicas)
		return &reconcilerutils.RequeueAfterError{
			RequeueAfter: a.firewallRequeue,
			Cause:        fmt.Errorf("firewall-controller-manager still runs %d replica(s)", deploy.Status.Replicas),
		}
	}
	return nil
}

// scaleFCM sets the replicas of firewall-controller-manager's Deployment if it exists.
func (a *actuator) scaleFCM(ctx context.Context, namespace string, replicas int32) error {
	deploy := &appsv1.Deployment{}
	if err := a.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallControllerManagerDeploymentName}, deploy); err != nil {
		return client.IgnoreNotFound(err)
	}
	if deploy.Spec.Replicas != nil && *deploy.Spec.Replicas == replicas {
		return nil
	}
	patch := client.MergeFrom(deploy.DeepCopy())
	deploy.Spec.Replicas = new(replicas)
	if err := a.client.Patch(ctx, deploy, patch); err != nil {
		return fmt.Errorf("scaling firewall-controller-manager to %d: %w", replicas, err)
	}
	return nil
}

// fcmRunning tells whether firewall-controller-manager has an available replica.
func fcmRunning(ctx context.Context, c client.Reader, namespace string) (bool, error) {
	deploy := &appsv1.Deployment{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: FirewallControllerManagerDeploymentName}, deploy); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		return false, err
	}
	return deploy.Status.AvailableReplicas > 0, nil
}
