// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package validator_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gardener/gardener/pkg/apis/core"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"k8s.io/apimachinery/pkg/runtime"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/metalgarden/metalgarden/pkg/admission"
	fx "github.com/metalgarden/metalgarden/pkg/admission/internal/testfixtures"
	"github.com/metalgarden/metalgarden/pkg/admission/mutator"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

// FuzzProviderConfig feeds arbitrary bytes as every providerConfig the webhooks decode: the InfrastructureConfig,
// ControlPlaneConfig and WorkerConfig of a shoot, its ontap Extension's config, a CloudProfile's config, and the
// credentials of a Secret. Nothing may panic, and every refusal must be a list of field errors with a path; a
// providerConfig that does not decode is refused at its own path with a message that names the decoded kind.
func FuzzProviderConfig(f *testing.F) {
	shoot, cloudProfile := fx.Shoot(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6), fx.CloudProfile()
	for _, raw := range []*runtime.RawExtension{
		shoot.Spec.Provider.InfrastructureConfig,
		shoot.Spec.Provider.ControlPlaneConfig,
		shoot.Spec.Provider.Workers[0].ProviderConfig,
		shoot.Spec.Extensions[0].ProviderConfig,
		cloudProfile.Spec.ProviderConfig,
	} {
		f.Add(raw.Raw)
	}

	scheme, err := admission.NewScheme()
	if err != nil {
		f.Fatal(err)
	}
	reader := fake.NewClientBuilder().WithScheme(scheme).WithObjects(cloudProfile).Build()
	var (
		ctx                = context.Background()
		shootValidator     = validator.NewShootValidator(reader)
		ontapValidator     = validator.NewOntapValidator()
		profileValidator   = validator.NewCloudProfileValidator()
		secretValidator    = validator.NewSecretValidator()
		shootMutator       = mutator.NewShootMutator(reader, mutator.DefaultDefaults())
		providerConfigKind = map[string]string{
			"spec.provider.infrastructureConfig":      "InfrastructureConfig",
			"spec.provider.controlPlaneConfig":        "ControlPlaneConfig",
			"spec.provider.workers[0].providerConfig": "WorkerConfig",
			"spec.extensions[0].providerConfig":       "OntapConfig",
			"spec.providerConfig":                     "CloudProfileConfig",
		}
	)

	f.Fuzz(func(t *testing.T, data []byte) {
		internalShoot := func(s *gardencorev1beta1.Shoot) client.Object { return convert(t, scheme, s, &core.Shoot{}) }
		internalProfile := func(p *gardencorev1beta1.CloudProfile) client.Object {
			return convert(t, scheme, p, &core.CloudProfile{})
		}
		raw := func() *runtime.RawExtension { return &runtime.RawExtension{Raw: append([]byte(nil), data...)} }
		check := func(what string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			var agg utilerrors.Aggregate
			if !errors.As(err, &agg) {
				t.Fatalf("%s: refused without field errors: %v", what, err)
			}
			for _, e := range agg.Errors() {
				var fe *field.Error
				if !errors.As(e, &fe) || fe.Field == "" {
					t.Fatalf("%s: refused without a field path: %v", what, e)
				}
				if kind, ok := providerConfigKind[fe.Field]; ok && fe.Type == field.ErrorTypeInvalid && !strings.HasPrefix(fe.Detail, "decoding "+kind) {
					t.Fatalf("%s: a providerConfig refused without naming what was decoded: %v", what, fe)
				}
			}
		}

		s := fx.Shoot(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6)
		s.Spec.Provider.InfrastructureConfig = raw()
		check("InfrastructureConfig", shootValidator.Validate(ctx, internalShoot(s), nil))
		old := fx.Shoot(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6)
		check("InfrastructureConfig update", shootValidator.Validate(ctx, internalShoot(s), internalShoot(old)))

		s = fx.Shoot(gardencorev1beta1.IPFamilyIPv6)
		s.Spec.Provider.ControlPlaneConfig = raw()
		check("ControlPlaneConfig", shootValidator.Validate(ctx, internalShoot(s), nil))

		s = fx.Shoot()
		s.Spec.Provider.Workers[0].ProviderConfig = raw()
		check("WorkerConfig", shootValidator.Validate(ctx, internalShoot(s), nil))

		s = fx.Shoot()
		s.Spec.Extensions[0].ProviderConfig = raw()
		check("OntapConfig", ontapValidator.Validate(ctx, internalShoot(s), nil))
		check("OntapConfig update", ontapValidator.Validate(ctx, internalShoot(s), internalShoot(fx.Shoot())))

		p := fx.CloudProfile()
		p.Spec.ProviderConfig = raw()
		check("CloudProfileConfig", profileValidator.Validate(ctx, internalProfile(p), nil))

		// A marker in front of the value makes an echo of it recognizable.
		value := "s3cr3t-" + string(data)
		for _, key := range []string{"metalAPIKey", "metalAPIHMac"} {
			secret := fx.Secret("fuzz")
			secret.Data = map[string][]byte{key: []byte(value), string(data): []byte(value)}
			err := secretValidator.Validate(ctx, secret, nil)
			check("Secret", err)
			if err != nil && strings.Contains(err.Error(), value) {
				t.Fatalf("the secret value appears in the refusal: %v", err)
			}
		}

		// The mutator must take any InfrastructureConfig and networking providerConfig without failing or
		// panicking; what it cannot default is left to the validator.
		m := fx.MinimalShoot(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6)
		m.Spec.Provider.InfrastructureConfig = raw()
		m.Spec.Networking.ProviderConfig = raw()
		if err := shootMutator.Mutate(ctx, m, nil); err != nil {
			t.Fatalf("mutation failed: %v", err)
		}
	})
}

func convert[T client.Object](tb testing.TB, scheme *runtime.Scheme, in client.Object, out T) T {
	tb.Helper()
	if err := scheme.Convert(in, out, nil); err != nil {
		tb.Fatal(err)
	}
	return out
}
