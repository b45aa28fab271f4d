// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package install_test

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/apitesting/roundtrip"
	runtimeserializer "k8s.io/apimachinery/pkg/runtime/serializer"
	"sigs.k8s.io/randfill"

	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/metal/install"
)

// TestRoundTripFuzzed round-trips randomly filled internal objects of every kind through v1alpha1 and JSON. It is
// a plain Go test because apimachinery's round-trip tester needs a *testing.T.
func TestRoundTripFuzzed(t *testing.T) {
	roundtrip.RoundTripTestForAPIGroup(t, install.Install, fuzzerFuncs)
}

// fuzzerFuncs keep fuzzed objects in their defaulted form: decoding applies the defaults, so a field the
// defaulting would fill must not be left empty by the fuzzer, or the round trip would differ for that reason.
func fuzzerFuncs(_ runtimeserializer.CodecFactory) []any {
	return []any{
		func(obj *metal.ControlPlaneConfig, c randfill.Continue) {
			c.FillNoCustom(obj)
			if obj.NetworkAccessType == nil {
				obj.NetworkAccessType = new(metal.NetworkAccessBaseline)
			}
			if obj.FeatureGates.CSILVM == nil {
				obj.FeatureGates.CSILVM = new(true)
			}
		},
		func(obj *metal.Firewall, c randfill.Continue) {
			c.FillNoCustom(obj)
			if obj.ControllerVersion == "" {
				obj.ControllerVersion = metal.FirewallControllerVersionAuto
			}
		},
		func(obj *metal.FirewallControllerVersion, c randfill.Continue) {
			c.FillNoCustom(obj)
			if obj.Classification == nil {
				obj.Classification = new(metal.ClassificationSupported)
			}
		},
		func(obj *metal.RegistryMirror, c randfill.Continue) {
			c.FillNoCustom(obj)
			if obj.Port == 0 {
				obj.Port = 443
			}
		},
	}
}
