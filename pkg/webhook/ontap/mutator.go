// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"fmt"

	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// labelApp is the label Trident's operator gives the objects of Trident's controller and node plugin.
	labelApp = "app"
	// AppTridentController is the app label of Trident's controller (Deployment trident-controller and Service
	// trident-csi).
	AppTridentController = "controller.csi.trident.netapp.io"
	// AppTridentNode is the app label of Trident's node plugin (DaemonSet trident-node-linux).
	AppTridentNode = "node.csi.trident.netapp.io"
	// TridentCSIDriver is the name of Trident's CSI driver, which nodes wait for.
	TridentCSIDriver = "csi.trident.netapp.io"
)

// mutator labels the objects Trident's operator creates in the shoot, which no ManagedResource carries:
//   - every one with shoot.gardener.cloud/no-cleanup, so Gardener's cleanup of a deleted shoot keeps Trident
//     running (and reachable) while it deletes the shoot's volumes for the PVCs Gardener deletes;
//   - the node plugin as a node-critical component that waits for Trident's CSI driver, so Gardener keeps new
//     nodes tainted until the plugin is ready and registered.
type mutator struct{}

// NewMutator returns the mutator of Trident's objects.
func NewMutator() *mutator { return &mutator{} } //nolint:revive // the unexported type is only used through extensionswebhook.Mutator

// Mutate labels the object; it is idempotent, so an object mutated before is not changed again.
func (m *mutator) Mutate(_ context.Context, newObj, _ client.Object) error {
	if newObj.GetDeletionTimestamp() != nil {
		return nil
	}
	app := newObj.GetLabels()[labelApp]
	if app != AppTridentController && app != AppTridentNode {
		return nil
	}
	setLabel(newObj, v1beta1constants.ShootNoCleanup, "true")

	switch obj := newObj.(type) {
	case *appsv1.Deployment:
		setTemplateLabel(&obj.Spec.Template.ObjectMeta, v1beta1constants.ShootNoCleanup, "true")
	case *appsv1.DaemonSet:
		setTemplateLabel(&obj.Spec.Template.ObjectMeta, v1beta1constants.ShootNoCleanup, "true")
		if app == AppTridentNode {
			setLabel(obj, v1beta1constants.LabelNodeCriticalComponent, "true")
			setTemplateLabel(&obj.Spec.Template.ObjectMeta, v1beta1constants.LabelNodeCriticalComponent, "true")
			metav1.SetMetaDataAnnotation(&obj.Spec.Template.ObjectMeta, v1beta1constants.AnnotationPrefixWaitForCSINode+"trident", TridentCSIDriver)
		}
	case *corev1.Service:
	default:
		return fmt.Errorf("unexpected object of type %T", newObj)
	}
	return nil
}

func setLabel(obj client.Object, key, value string) {
	labels := obj.GetLabels()
	if labels == nil {
		labels = map[string]string{}
	}
	labels[key] = value
	obj.SetLabels(labels)
}

func setTemplateLabel(meta *metav1.ObjectMeta, key, value string) {
	metav1.SetMetaDataLabel(meta, key, value)
}
