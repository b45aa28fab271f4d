// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package loader reads the component configuration of gardener-extension-provider-metal.
package loader

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/install"
)

// component names the binary in error messages.
const component = "provider-metal"

var (
	// Scheme holds all versions of the metal.provider.extensions.config.gardener.cloud API group.
	Scheme *runtime.Scheme

	// decoder is strict: a misspelt option must fail the start, not silently fall back to a default.
	decoder runtime.Decoder
)

func init() {
	Scheme = runtime.NewScheme()
	utilruntime.Must(install.AddToScheme(Scheme))
	decoder = serializer.NewCodecFactory(Scheme, serializer.EnableStrict).UniversalDecoder()
}

// Decode decodes a ControllerConfiguration (YAML or JSON, with apiVersion and kind) strictly into the
// internal version with all defaults applied. It does not validate; see the validation package.
func Decode(data []byte) (*metal.ControllerConfiguration, error) {
	// Without apiVersion and kind the decoder would fill the internal type directly, without defaults.
	if err := requireTypeMeta(data); err != nil {
		return nil, err
	}
	config := &metal.ControllerConfiguration{}
	if _, _, err := decoder.Decode(data, nil, config); err != nil {
		return nil, fmt.Errorf("decoding %s controller configuration: %w", component, err)
	}
	return config, nil
}

// LoadFromFile reads the file at path and decodes it with Decode.
func LoadFromFile(path string) (*metal.ControllerConfiguration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s controller configuration: %w", component, err)
	}
	return Decode(data)
}

// requireTypeMeta fails unless the YAML or JSON document names its apiVersion and kind.
func requireTypeMeta(data []byte) error {
	jsonData, err := yaml.ToJSON(data)
	if err != nil {
		return fmt.Errorf("decoding %s controller configuration: %w", component, err)
	}
	gvk, err := json.DefaultMetaFactory.Interpret(jsonData)
	if err != nil {
		return fmt.Errorf("decoding %s controller configuration: %w", component, err)
	}
	if gvk.GroupVersion().Empty() || gvk.Kind == "" {
		return fmt.Errorf("decoding %s controller configuration: apiVersion and kind must be set", component)
	}
	return nil
}
