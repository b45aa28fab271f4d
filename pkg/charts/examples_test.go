// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"context"
	"encoding/json"
	"os"
	"path"
	"path/filepath"
	"strings"

	gardencorevalidation "github.com/gardener/gardener/pkg/api/core/validation"
	gardencore "github.com/gardener/gardener/pkg/apis/core"
	gardencoreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	operatorv1alpha1 "github.com/gardener/gardener/pkg/apis/operator/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/gardener/operator"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/metalgarden/metalgarden/pkg/charts"
)

// exampleFile reads a file under example/.
func exampleFile(name string) []byte {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.Join("..", "..", "example", filepath.FromSlash(name)))
	Expect(err).NotTo(HaveOccurred())
	return data
}

// documents splits a YAML stream.
func documents(data []byte) [][]byte {
	var docs [][]byte
	for doc := range strings.SplitSeq("\n"+string(data), "\n---\n") {
		if strings.TrimSpace(doc) != "" {
			docs = append(docs, []byte(doc))
		}
	}
	return docs
}

// valuesOf returns an Extension's chart values as a map.
func valuesOf(raw []byte) map[string]any {
	GinkgoHelper()
	values := map[string]any{}
	if raw != nil {
		Expect(json.Unmarshal(raw, &values)).To(Succeed())
	}
	return values
}

var _ = Describe("Example Extension manifests", func() {
	extension := func(name string) *operatorv1alpha1.Extension {
		GinkgoHelper()
		ext := &operatorv1alpha1.Extension{}
		Expect(yaml.UnmarshalStrict(exampleFile("operator/"+name+".yaml"), ext)).To(Succeed())
		return ext
	}
	leaf := func(helm *operatorv1alpha1.ExtensionHelm) string {
		GinkgoHelper()
		Expect(helm.OCIRepository.Tag).To(HaveValue(Equal(version)), "the charts of this release")
		return path.Base(*helm.OCIRepository.Repository)
	}

	DescribeTable("are accepted by the Gardener Operator's Extension CRD (server-side dry-run)",
		func(ctx context.Context, name string) {
			obj := &unstructured.Unstructured{}
			Expect(yaml.Unmarshal(exampleFile("operator/"+name+".yaml"), &obj.Object)).To(Succeed())
			Expect(obj.GroupVersionKind()).To(Equal(operatorv1alpha1.SchemeGroupVersion.WithKind("Extension")))
			Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj),
				client.FieldOwner("examples-test"), client.ForceOwnership, client.DryRunAll)).To(Succeed())
		},
		Entry("provider-metal", "provider-metal"),
		Entry("ontap", "ontap"),
	)

	It("register provider-metal with admission, its values rendering the charts of this release", func(ctx context.Context) {
		ext := extension("provider-metal")
		Expect(ext.Spec.Resources).To(ConsistOf(
			gardencorev1beta1.ControllerResource{Kind: "Infrastructure", Type: "metal"},
			gardencorev1beta1.ControllerResource{Kind: "ControlPlane", Type: "metal"},
			gardencorev1beta1.ControllerResource{Kind: "Worker", Type: "metal"},
		))
		spec := ext.Spec.Deployment
		Expect(leaf(spec.ExtensionDeployment.Helm)).To(Equal(charts.ProviderMetal))
		Expect(leaf(spec.AdmissionDeployment.RuntimeCluster.Helm)).To(Equal(charts.AdmissionMetalRuntime))
		Expect(leaf(spec.AdmissionDeployment.VirtualCluster.Helm)).To(Equal(charts.AdmissionMetalApplication))

		extensionValues := valuesOf(spec.ExtensionDeployment.Values.Raw)
		admissionValues := valuesOf(spec.AdmissionDeployment.Values.Raw)
		for _, d := range []deployment{
			{
				chart: charts.ProviderMetal, release: ext.Name + "-x7k2p", namespace: "extension-" + ext.Name + "-x7k2p",
				values: seedContext(defaultSeed(), extensionValues), binary: &providerMetalBinary,
				image: "ghcr.io/metalgarden/gardener-extension-provider-metal:" + version, config: metalConfig(""),
				serviceAccount: "extension-" + ext.Name + "-x7k2p/gardener-extension-provider-metal",
				networkPolicy:  true, vpa: true,
			},
			{
				chart: charts.AdmissionMetalRuntime, release: ext.Name, namespace: "garden",
				values: admissionRuntimeContext(ext.Name, admissionValues), binary: &admissionMetalBinary,
				image:          "ghcr.io/metalgarden/gardener-extension-admission-metal:" + version,
				serviceAccount: "garden/gardener-extension-admission-metal",
				vpa:            true, ownerNamespace: "extension-" + ext.Name,
			},
			{
				chart: charts.AdmissionMetalApplication, release: ext.Name, namespace: "extension-" + ext.Name,
				values:         admissionVirtualContext(ext.Name, admissionValues),
				serviceAccount: "kube-system/extension-admission-" + ext.Name,
			},
		} {
			expectDeployable(ctx, d)
		}
	})

	It("register ontap, its values rendering the chart of this release", func(ctx context.Context) {
		ext := extension("ontap")
		Expect(ext.Spec.Resources).To(ConsistOf(gardencorev1beta1.ControllerResource{Kind: "Extension", Type: "ontap"}))
		Expect(ext.Spec.Deployment.AdmissionDeployment).To(BeNil())
		Expect(leaf(ext.Spec.Deployment.ExtensionDeployment.Helm)).To(Equal(charts.Ontap))
		expectDeployable(ctx, deployment{
			chart: charts.Ontap, release: ext.Name + "-9mzt4", namespace: "extension-" + ext.Name + "-9mzt4",
			values: seedContext(defaultSeed(), valuesOf(ext.Spec.Deployment.ExtensionDeployment.Values.Raw)), binary: &ontapBinary,
			image: "ghcr.io/metalgarden/gardener-extension-ontap:" + version, config: ontapConfig("", nil),
			serviceAccount: "extension-" + ext.Name + "-9mzt4/gardener-extension-ontap",
			networkPolicy:  true, vpa: true,
		})
	})

	DescribeTable("come with the ControllerRegistration and ControllerDeployment the operator derives, valid for Gardener",
		func(name string) {
			docs := documents(exampleFile("registration/" + name + ".yaml"))
			Expect(docs).To(HaveLen(2))
			controllerDeployment, controllerRegistration := &gardencorev1.ControllerDeployment{}, &gardencorev1beta1.ControllerRegistration{}
			Expect(yaml.UnmarshalStrict(docs[0], controllerDeployment)).To(Succeed())
			Expect(yaml.UnmarshalStrict(docs[1], controllerRegistration)).To(Succeed())

			wantRegistration, wantDeployment := operator.ControllerRegistrationForExtension(extension(name))
			Expect(equality.Semantic.DeepEqual(controllerRegistration.Spec, wantRegistration.Spec)).To(BeTrue(), "run make generate")
			Expect(equality.Semantic.DeepEqual(controllerDeployment.Helm, wantDeployment.Helm)).To(BeTrue(), "run make generate")

			scheme := runtime.NewScheme()
			gardencoreinstall.Install(scheme)
			internalDeployment, internalRegistration := &gardencore.ControllerDeployment{}, &gardencore.ControllerRegistration{}
			Expect(scheme.Convert(controllerDeployment, internalDeployment, nil)).To(Succeed())
			Expect(scheme.Convert(controllerRegistration, internalRegistration, nil)).To(Succeed())
			Expect(gardencorevalidation.ValidateControllerDeployment(internalDeployment)).To(BeEmpty())
			Expect(gardencorevalidation.ValidateControllerRegistration(internalRegistration)).To(BeEmpty())
		},
		Entry("provider-metal", "provider-metal"),
		Entry("ontap", "ontap"),
	)
})

// expectDeployable renders a chart for d, checks it as the render specs do and applies it with dry-run.
func expectDeployable(ctx context.Context, d deployment) {
	GinkgoHelper()
	r, err := render(d.chart, d.release, d.namespace, d.values)
	Expect(err).NotTo(HaveOccurred())
	verifyObjects(r, d)
	if d.binary != nil {
		verifyWorkload(r, d)
	}
	ensureNamespace(ctx, d.namespace)
	// Server-side apply rejects fields the schema does not know, so a misspelt key fails here.
	for _, obj := range r.objects {
		Expect(env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()),
			client.FieldOwner("charts-test"), client.ForceOwnership, client.DryRunAll)).To(Succeed(),
			"%s %s/%s", obj.GetKind(), obj.GetNamespace(), obj.GetName())
	}
}
