// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package helper decodes the providerConfig and providerStatus of the shoot's Extension of type "ontap".
package helper

import (
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"

	"github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/install"
	"github.com/metalgarden/metalgarden/pkg/apis/ontap/v1alpha1"
)

var (
	// Scheme holds all versions of the ontap.extensions.gardener.cloud API group.
	Scheme *runtime.Scheme

	// strictDecoder rejects unknown and duplicate fields: the providerConfig is written by users, and a
	// typo must not silently fall back to a default.
	strictDecoder runtime.Decoder
	// lenientDecoder ignores unknown fields: the providerStatus is written by the controller, and a status
	// written by a newer version must still be readable after a rollback.
	lenientDecoder runtime.Decoder
)

func init() {
	Scheme = runtime.NewScheme()
	utilruntime.Must(install.AddToScheme(Scheme))

	strictDecoder = serializer.NewCodecFactory(Scheme, serializer.EnableStrict).UniversalDecoder()
	lenientDecoder = serializer.NewCodecFactory(Scheme).UniversalDecoder()
}

// OntapConfigFromRawExtension decodes the providerConfig of the shoot's Extension strictly (an unknown
// field is an error naming it) into the internal OntapConfig with all defaults applied. An absent
// providerConfig yields the defaulted empty configuration.
func OntapConfigFromRawExtension(raw *runtime.RawExtension) (*ontap.OntapConfig, error) {
	config := &ontap.OntapConfig{}
	if raw == nil || len(raw.Raw) == 0 {
		versioned := &v1alpha1.OntapConfig{}
		Scheme.Default(versioned)
		if err := Scheme.Convert(versioned, config, nil); err != nil {
			return nil, fmt.Errorf("converting default OntapConfig: %w", err)
		}
		return config, nil
	}
	if err := requireTypeMeta(raw.Raw); err != nil {
		return nil, fmt.Errorf("decoding OntapConfig: %w", err)
	}
	if _, _, err := strictDecoder.Decode(raw.Raw, nil, config); err != nil {
		return nil, fmt.Errorf("decoding OntapConfig: %w", err)
	}
	return config, nil
}

// OntapStatusFromRaw decodes the providerStatus of the shoot's Extension leniently into the internal
// OntapStatus. An absent providerStatus (nothing created yet) yields nil and no error. A RawExtension that
// carries a typed object instead of bytes (as set in memory before it reached the API server) is converted.
func OntapStatusFromRaw(raw *runtime.RawExtension) (*ontap.OntapStatus, error) {
	status := &ontap.OntapStatus{}
	if raw != nil && len(raw.Raw) == 0 && raw.Object != nil {
		if err := Scheme.Convert(raw.Object, status, nil); err != nil {
			return nil, fmt.Errorf("converting OntapStatus: %w", err)
		}
		return status, nil
	}
	if raw == nil || len(raw.Raw) == 0 {
		return nil, nil
	}
	if err := requireTypeMeta(raw.Raw); err != nil {
		return nil, fmt.Errorf("decoding OntapStatus: %w", err)
	}
	if _, _, err := lenientDecoder.Decode(raw.Raw, nil, status); err != nil {
		return nil, fmt.Errorf("decoding OntapStatus: %w", err)
	}
	return status, nil
}

// requireTypeMeta fails unless the JSON document names its apiVersion and kind: without them the decoder
// would fill the internal type directly, skipping conversion and defaults.
func requireTypeMeta(data []byte) error {
	gvk, err := json.DefaultMetaFactory.Interpret(data)
	if err != nil {
		return err
	}
	if gvk.GroupVersion().Empty() || gvk.Kind == "" {
		return fmt.Errorf("apiVersion and kind must be set")
	}
	return nil
}
