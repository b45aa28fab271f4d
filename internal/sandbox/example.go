// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	metalconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	configontap "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	ontapconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/loader"
	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// Files of the example folder the sandbox is made of.
const (
	exampleCloudProfile = "garden/cloudprofile.yaml"
	exampleCredentials  = "garden/secret-metal-credentials.yaml"
	exampleShoot        = "garden/shoot.yaml"
	exampleMetalConfig  = "config/provider-metal.yaml"
	exampleOntapConfig  = "config/ontap.yaml"
	exampleOntapSecret  = "seed/secret-ontap-admin.yaml"
)

// example is what the operator's and the user's manifests of example/ say: the garden's CloudProfile, the shoot's
// credentials and the Shoot itself, the component configurations of the extensions and the ONTAP admin Secret of
// the seed. The sandbox runs exactly these, with the endpoints and credentials of the simulators filled in.
type example struct {
	dir string

	cloudProfile       *gardencorev1beta1.CloudProfile
	credentials        *corev1.Secret
	credentialsBinding *securityv1alpha1.CredentialsBinding
	shoot              *gardencorev1beta1.Shoot
	metalConfig        *configmetal.ControllerConfiguration
	ontapConfig        *configontap.ControllerConfiguration
	ontapSecret        *corev1.Secret

	// infra is the shoot's InfrastructureConfig; controlPlane the metal control plane of its partition in the
	// CloudProfile (named controlPlaneName) and partition the partition there.
	infra            *apismetal.InfrastructureConfig
	controlPlaneName string
	controlPlane     *apismetal.MetalControlPlane
	partition        *apismetal.Partition
}

// loadExample reads and decodes the example manifests strictly.
func loadExample(dir string) (*example, error) {
	ex := &example{
		dir:                dir,
		cloudProfile:       &gardencorev1beta1.CloudProfile{},
		credentials:        &corev1.Secret{},
		credentialsBinding: &securityv1alpha1.CredentialsBinding{},
		shoot:              &gardencorev1beta1.Shoot{},
		ontapSecret:        &corev1.Secret{},
	}
	for _, f := range []struct {
		name string
		into []any
	}{
		{exampleCloudProfile, []any{ex.cloudProfile}},
		{exampleCredentials, []any{ex.credentials, ex.credentialsBinding}},
		{exampleShoot, []any{ex.shoot}},
		{exampleOntapSecret, []any{ex.ontapSecret}},
	} {
		if err := readManifests(filepath.Join(dir, filepath.FromSlash(f.name)), f.into...); err != nil {
			return nil, err
		}
	}
	for _, s := range []*corev1.Secret{ex.credentials, ex.ontapSecret} {
		applyStringData(s)
	}

	var err error
	if ex.metalConfig, err = metalconfigloader.LoadFromFile(filepath.Join(dir, filepath.FromSlash(exampleMetalConfig))); err != nil {
		return nil, fmt.Errorf("example %s: %w", exampleMetalConfig, err)
	}
	if ex.ontapConfig, err = ontapconfigloader.LoadFromFile(filepath.Join(dir, filepath.FromSlash(exampleOntapConfig))); err != nil {
		return nil, fmt.Errorf("example %s: %w", exampleOntapConfig, err)
	}

	if ex.infra, err = metalhelper.InfrastructureConfigFromRawExtension(ex.shoot.Spec.Provider.InfrastructureConfig); err != nil {
		return nil, fmt.Errorf("example %s: infrastructureConfig: %w", exampleShoot, err)
	}
	cpc, err := metalhelper.CloudProfileConfigFromRawExtension(ex.cloudProfile.Spec.ProviderConfig)
	if err != nil {
		return nil, fmt.Errorf("example %s: providerConfig: %w", exampleCloudProfile, err)
	}
	if ex.controlPlaneName, ex.controlPlane, ex.partition, err = metalhelper.FindMetalControlPlane(cpc, ex.infra.PartitionID); err != nil {
		return nil, fmt.Errorf("example %s: %w", exampleCloudProfile, err)
	}
	return ex, nil
}

// readManifests decodes the YAML documents of a file strictly into the objects given, in order.
func readManifests(path string, into ...any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading the example: %w", err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	i := 0
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
		if len(bytes.TrimSpace(stripComments(doc))) == 0 {
			continue
		}
		if i >= len(into) {
			return fmt.Errorf("%s holds more than the %d documents expected", path, len(into))
		}
		if err := yaml.UnmarshalStrict(doc, into[i]); err != nil {
			return fmt.Errorf("decoding document %d of %s: %w", i+1, path, err)
		}
		i++
	}
	if i != len(into) {
		return fmt.Errorf("%s holds %d documents, expected %d", path, i, len(into))
	}
	return nil
}

// stripComments drops the comment lines of a YAML document, to tell an empty document from one with content.
func stripComments(doc []byte) []byte {
	var out bytes.Buffer
	for line := range bytes.Lines(doc) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' {
			out.Write(line)
		}
	}
	return out.Bytes()
}

// applyStringData moves stringData into data, as the API server does on write.
func applyStringData(s *corev1.Secret) {
	if len(s.StringData) == 0 {
		return
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	for k, v := range s.StringData {
		s.Data[k] = []byte(v)
	}
	s.StringData = nil
}

// withEndpoint returns a copy of the CloudProfile whose metal control plane of the shoot's partition points to
// endpoint.
func (ex *example) cloudProfileWithEndpoint(endpoint string) (*gardencorev1beta1.CloudProfile, error) {
	cp := ex.cloudProfile.DeepCopy()
	doc := map[string]any{}
	if err := json.Unmarshal(cp.Spec.ProviderConfig.Raw, &doc); err != nil {
		return nil, fmt.Errorf("decoding the CloudProfile's providerConfig: %w", err)
	}
	planes, _ := doc["metalControlPlanes"].(map[string]any)
	plane, ok := planes[ex.controlPlaneName].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("the CloudProfile has no metal control plane %q", ex.controlPlaneName)
	}
	plane["endpoint"] = endpoint
	raw, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	cp.Spec.ProviderConfig = &runtime.RawExtension{Raw: raw}
	return cp, nil
}
