// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"fmt"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	ontapv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
)

// credentialsResourceName names the credentials Secret in the Extension's status.resources.
const credentialsResourceName = "ontap-svm-credentials"

// updateStatus writes the providerStatus and the status.resources reference to the credentials Secret, when they
// differ from what the Extension holds.
func (a *actuator) updateStatus(ctx context.Context, ex *extensionsv1alpha1.Extension, status *apisontap.OntapStatus) error {
	current, err := ontaphelper.OntapStatusFromRaw(ex.Status.ProviderStatus)
	if err != nil {
		// Unreadable: it is rewritten.
		current = nil
	}
	if current != nil {
		current.TypeMeta = metav1.TypeMeta{}
	}
	resources := []gardencorev1beta1.NamedResourceReference{{
		Name: credentialsResourceName,
		ResourceRef: autoscalingv1.CrossVersionObjectReference{
			APIVersion: "v1",
			Kind:       "Secret",
			Name:       CredentialsSecretName,
		},
	}}
	if current != nil && equality.Semantic.DeepEqual(current, status) && equality.Semantic.DeepEqual(ex.Status.Resources, resources) {
		return nil
	}

	versioned := &ontapv1alpha1.OntapStatus{}
	if err := ontaphelper.Scheme.Convert(status, versioned, nil); err != nil {
		return fmt.Errorf("converting the OntapStatus: %w", err)
	}
	versioned.APIVersion, versioned.Kind = ontapv1alpha1.SchemeGroupVersion.String(), "OntapStatus"

	patch := client.MergeFrom(ex.DeepCopy())
	ex.Status.ProviderStatus = &runtime.RawExtension{Object: versioned}
	ex.Status.Resources = resources
	if err := a.client.Status().Patch(ctx, ex, patch); err != nil {
		return fmt.Errorf("updating the status of the Extension: %w", err)
	}
	return nil
}
