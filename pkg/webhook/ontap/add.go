// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package ontap is the shoot webhook of the ontap extension. It mutates the objects that Trident's operator
// creates in the shoot's kube-system namespace (the controller Deployment and its Service, the node plugin
// DaemonSet), which the extension cannot label through its ManagedResources: they get Gardener's no-cleanup label,
// and the node plugin becomes a node-critical component that waits for Trident's CSI driver. The webhook fails
// closed: without it, Trident's objects would be created without the labels, and Gardener's cleanup of a deleted
// shoot would remove Trident before it deleted the shoot's volumes. Its object selector limits it to Trident's
// objects, so a failing webhook blocks nothing else.
package ontap

import (
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionsshootwebhook "github.com/gardener/gardener/extensions/pkg/webhook/shoot"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/manager"
)

// WebhookName is the name of the webhook (gardener's shoot webhook).
const WebhookName = extensionsshootwebhook.WebhookName

// Types are the object types the webhook mutates.
func Types() []extensionswebhook.Type {
	return []extensionswebhook.Type{{Obj: &appsv1.Deployment{}}, {Obj: &appsv1.DaemonSet{}}, {Obj: &corev1.Service{}}}
}

// ObjectSelector selects Trident's controller and node plugin objects.
func ObjectSelector() *metav1.LabelSelector {
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
		Key:      labelApp,
		Operator: metav1.LabelSelectorOpIn,
		Values:   []string{AppTridentController, AppTridentNode},
	}}}
}

// AddToManager creates the shoot webhook; the webhook server registers it and its configuration is deployed into
// every shoot with the ontap extension.
func AddToManager(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	return extensionsshootwebhook.New(mgr, extensionsshootwebhook.Args{
		Types:          Types(),
		Mutator:        NewMutator(),
		ObjectSelector: ObjectSelector(),
		FailurePolicy:  new(admissionregistrationv1.Fail),
	})
}
