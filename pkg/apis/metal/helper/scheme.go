// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package helper

import (
	"encoding/json"
	"fmt"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/install"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/v1alpha1"
)

var (
	// Scheme holds the metal provider API (internal and served versions, defaults and conversions).
	Scheme *runtime.Scheme

	// strictDecoder rejects unknown and duplicate fields: shoot owners get told about their typos.
	strictDecoder runtime.Decoder
	// lenientDecoder ignores unknown fields: for documents written by others that may be newer than this code.
	lenientDecoder runtime.Decoder
)

func init() {
	Scheme = runtime.NewScheme()
	install.Install(Scheme)

	strictDecoder = serializer.NewCodecFactory(Scheme, serializer.EnableStrict).UniversalDecoder()
	lenientDecoder = serializer.NewCodecFactory(Scheme).UniversalDecoder()
}

// InfrastructureConfigFromRawExtension strictly decodes the providerConfig of an Infrastructure. The config is
// required, so a missing one is an error.
func InfrastructureConfigFromRawExtension(raw *runtime.RawExtension) (*metal.InfrastructureConfig, error) {
	return decode[*metal.InfrastructureConfig](strictDecoder, raw, "InfrastructureConfig", nil)
}

// ControlPlaneConfigFromRawExtension strictly decodes the providerConfig of a ControlPlane. Every field of it is
// optional, so a missing config yields the defaulted empty one.
func ControlPlaneConfigFromRawExtension(raw *runtime.RawExtension) (*metal.ControlPlaneConfig, error) {
	return decode[*metal.ControlPlaneConfig](strictDecoder, raw, "ControlPlaneConfig", &v1alpha1.ControlPlaneConfig{})
}

// WorkerConfigFromRawExtension strictly decodes the providerConfig of a worker pool. Pools without one get the
// empty config.
func WorkerConfigFromRawExtension(raw *runtime.RawExtension) (*metal.WorkerConfig, error) {
	return decode[*metal.WorkerConfig](strictDecoder, raw, "WorkerConfig", &v1alpha1.WorkerConfig{})
}

// CloudProfileConfigFromRawExtension leniently decodes the providerConfig of a CloudProfile. Seeds read it from
// the garden, where it may have been written for a newer version of this extension; unknown fields are
// ignored for that reason.
func CloudProfileConfigFromRawExtension(raw *runtime.RawExtension) (*metal.CloudProfileConfig, error) {
	return decode[*metal.CloudProfileConfig](lenientDecoder, raw, "CloudProfileConfig", nil)
}

// CloudProfileConfigFromRawExtensionStrict strictly decodes the providerConfig of a CloudProfile, for admission
// where an operator's typo must be reported.
func CloudProfileConfigFromRawExtensionStrict(raw *runtime.RawExtension) (*metal.CloudProfileConfig, error) {
	return decode[*metal.CloudProfileConfig](strictDecoder, raw, "CloudProfileConfig", nil)
}

// InfrastructureStatusFromRaw leniently decodes the providerStatus of an Infrastructure (a status written by a
// newer version of the extension must not block an older one). A missing status yields the empty status.
func InfrastructureStatusFromRaw(raw *runtime.RawExtension) (*metal.InfrastructureStatus, error) {
	return decode[*metal.InfrastructureStatus](lenientDecoder, raw, "InfrastructureStatus", &v1alpha1.InfrastructureStatus{})
}

// WorkerStatusFromRaw leniently decodes the providerStatus of a Worker. A missing status yields the empty status.
func WorkerStatusFromRaw(raw *runtime.RawExtension) (*metal.WorkerStatus, error) {
	return decode[*metal.WorkerStatus](lenientDecoder, raw, "WorkerStatus", &v1alpha1.WorkerStatus{})
}

// decode decodes raw into the internal type T, which is the kind named kind. The document must name its
// apiVersion and kind: without them the decoder would fill the internal type directly, skipping conversion and
// defaulting. When raw is empty, the result is whenMissing defaulted and converted, or an error if whenMissing is
// nil because the document is required.
func decode[T runtime.Object](decoder runtime.Decoder, raw *runtime.RawExtension, kind string, whenMissing runtime.Object) (T, error) {
	var zero T

	data, err := rawBytes(raw)
	if err != nil {
		return zero, fmt.Errorf("decoding %s: %w", kind, err)
	}

	var (
		obj runtime.Object
		gvk *schema.GroupVersionKind
	)
	switch {
	case len(data) > 0:
		if obj, gvk, err = decoder.Decode(data, nil, nil); err != nil {
			return zero, fmt.Errorf("decoding %s: %w", kind, err)
		}
	case whenMissing != nil:
		Scheme.Default(whenMissing)
		if obj, err = Scheme.ConvertToVersion(whenMissing, metal.SchemeGroupVersion); err != nil {
			return zero, fmt.Errorf("defaulting empty %s: %w", kind, err)
		}
	default:
		return zero, fmt.Errorf("decoding %s: no providerConfig given", kind)
	}

	out, ok := obj.(T)
	if !ok {
		return zero, fmt.Errorf("decoding %s: the document is a %s", kind, gvk.Kind)
	}
	return out, nil
}

// rawBytes returns the serialized form of a RawExtension, which in memory may carry an object instead.
func rawBytes(raw *runtime.RawExtension) ([]byte, error) {
	switch {
	case raw == nil:
		return nil, nil
	case len(raw.Raw) > 0:
		return raw.Raw, nil
	case raw.Object != nil:
		return json.Marshal(raw.Object)
	}
	return nil, nil
}
