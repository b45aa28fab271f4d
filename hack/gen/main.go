// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command gen writes the generated examples (make generate): the Gardener Operator's Extension manifests of
// provider-metal and ontap for the release in the VERSION file, and the ControllerRegistrations and
// ControllerDeployments the operator derives from them, for landscapes that register extensions directly.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	gardencorev1 "github.com/gardener/gardener/pkg/apis/core/v1"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	operatorv1alpha1 "github.com/gardener/gardener/pkg/apis/operator/v1alpha1"
	"github.com/gardener/gardener/pkg/utils/gardener/operator"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/metalgarden/metalgarden/pkg/charts"
)

// Registry is where the release pipeline pushes the charts (make charts, then helm push).
const Registry = "ghcr.io/metalgarden/charts"

func main() {
	if err := run("."); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(root string) error {
	files, err := Files(root)
	if err != nil {
		return err
	}
	for name, data := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Files returns the generated files by path relative to the repository root.
func Files(root string) (map[string][]byte, error) {
	data, err := os.ReadFile(filepath.Join(root, "VERSION"))
	if err != nil {
		return nil, err
	}
	version := strings.TrimSpace(string(data))

	files := map[string][]byte{}
	for _, ext := range Extensions(version) {
		manifestData, err := manifest("the Gardener Operator's Extension, applied to the garden runtime cluster", ext)
		if err != nil {
			return nil, err
		}
		files[filepath.Join("example", "operator", ext.Name+".yaml")] = manifestData

		registration, deployment := operator.ControllerRegistrationForExtension(ext)
		registration.TypeMeta = metav1.TypeMeta{APIVersion: gardencorev1beta1.SchemeGroupVersion.String(), Kind: "ControllerRegistration"}
		deployment.TypeMeta = metav1.TypeMeta{APIVersion: gardencorev1.SchemeGroupVersion.String(), Kind: "ControllerDeployment"}
		registrationData, err := manifest("what the Gardener Operator derives from example/operator/"+ext.Name+".yaml; apply it to the garden (virtual) cluster where no operator runs", deployment, registration)
		if err != nil {
			return nil, err
		}
		files[filepath.Join("example", "registration", ext.Name+".yaml")] = registrationData
	}
	return files, nil
}

// Extensions returns the Extension manifests of the release version.
func Extensions(version string) []*operatorv1alpha1.Extension {
	oci := func(chart string) *operatorv1alpha1.ExtensionHelm {
		return &operatorv1alpha1.ExtensionHelm{OCIRepository: &gardencorev1.OCIRepository{Repository: new(Registry + "/" + chart), Tag: new(version)}}
	}
	resource := func(kind, typ string) gardencorev1beta1.ControllerResource {
		return gardencorev1beta1.ControllerResource{Kind: kind, Type: typ}
	}
	typeMeta := metav1.TypeMeta{APIVersion: operatorv1alpha1.SchemeGroupVersion.String(), Kind: "Extension"}

	return []*operatorv1alpha1.Extension{
		{
			TypeMeta:   typeMeta,
			ObjectMeta: metav1.ObjectMeta{Name: "provider-metal"},
			Spec: operatorv1alpha1.ExtensionSpec{
				Resources: []gardencorev1beta1.ControllerResource{
					resource("Infrastructure", "metal"),
					resource("ControlPlane", "metal"),
					resource("Worker", "metal"),
				},
				Deployment: &operatorv1alpha1.Deployment{
					ExtensionDeployment: &operatorv1alpha1.ExtensionDeploymentSpec{
						DeploymentSpec: operatorv1alpha1.DeploymentSpec{Helm: oci(charts.ProviderMetal)},
						// Values of the chart in every seed (docs/deployment/values.md).
						Values: values(map[string]any{
							"replicaCount": 2,
							"config": map[string]any{
								"etcd": map[string]any{"storage": map[string]any{"className": "gardener.cloud-fast", "capacity": "25Gi"}},
							},
							"networkPolicy": map[string]any{"metalAPI": map[string]any{
								"cidrs": []any{"203.0.113.0/24", "2001:db8:100::/48"},
								"ports": []any{map[string]any{"protocol": "TCP", "port": 443}},
							}},
						}),
						Policy: new(gardencorev1beta1.ControllerDeploymentPolicyOnDemand),
					},
					AdmissionDeployment: &operatorv1alpha1.AdmissionDeploymentSpec{
						RuntimeCluster: &operatorv1alpha1.DeploymentSpec{Helm: oci(charts.AdmissionMetalRuntime)},
						VirtualCluster: &operatorv1alpha1.DeploymentSpec{Helm: oci(charts.AdmissionMetalApplication)},
						// Values of both admission charts.
						Values: values(map[string]any{"replicaCount": 2}),
					},
				},
			},
		},
		{
			TypeMeta:   typeMeta,
			ObjectMeta: metav1.ObjectMeta{Name: "ontap"},
			Spec: operatorv1alpha1.ExtensionSpec{
				Resources: []gardencorev1beta1.ControllerResource{resource("Extension", "ontap")},
				Deployment: &operatorv1alpha1.Deployment{
					ExtensionDeployment: &operatorv1alpha1.ExtensionDeploymentSpec{
						DeploymentSpec: operatorv1alpha1.DeploymentSpec{Helm: oci(charts.Ontap)},
						// The ONTAP clusters and their admin credentials' Secrets (in each seed, see
						// example/seed/secret-ontap-admin.yaml), the storage network of the SVMs' LIFs.
						Values: values(map[string]any{
							"config": map[string]any{
								"clusters": []any{map[string]any{
									"name":      "cluster-a",
									"secretRef": map[string]any{"name": "ontap-cluster-a", "namespace": "garden"},
								}},
								"dataNetworkID": "storage-fra-equ01",
							},
							"networkPolicy": map[string]any{"ontap": map[string]any{
								"cidrs": []any{"10.10.0.0/24"},
								"ports": []any{map[string]any{"protocol": "TCP", "port": 443}},
							}},
						}),
						Policy: new(gardencorev1beta1.ControllerDeploymentPolicyOnDemand),
					},
				},
			},
		},
	}
}

func values(v map[string]any) *apiextensionsv1.JSON {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshalling example values: %v", err))
	}
	return &apiextensionsv1.JSON{Raw: data}
}

// manifest renders objects as a YAML stream without the fields the API server fills in.
func manifest(purpose string, objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Generated by hack/gen (make generate) from the VERSION file; do not edit.\n# This is %s.\n", purpose)
	for i, obj := range objs {
		data, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		fields := map[string]any{}
		if err := json.Unmarshal(data, &fields); err != nil {
			return nil, err
		}
		delete(fields, "status")
		if meta, ok := fields["metadata"].(map[string]any); ok {
			delete(meta, "creationTimestamp")
		}
		out, err := yaml.Marshal(fields)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			buf.WriteString("---\n")
		}
		buf.Write(out)
	}
	return buf.Bytes(), nil
}
