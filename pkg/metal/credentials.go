// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Keys of the credentials Secret of a shoot (the cloudprovider secret in the shoot namespace).
const (
	// SecretKeyAPIKey holds a bearer token of the metal-api.
	SecretKeyAPIKey = "metalAPIKey"
	// SecretKeyHMAC holds an HMAC key of the metal-api.
	SecretKeyHMAC = "metalAPIHMac"
	// SecretKeyHMACAuthType optionally names the metal-api user the HMAC key belongs to (the scheme of the
	// Authorization header); DefaultHMACAuthType when absent.
	SecretKeyHMACAuthType = "metalAPIHMacAuthType"
)

// DefaultHMACAuthType is the HMAC auth type of metal-go's clients when the secret names none.
const DefaultHMACAuthType = "Metal-Admin"

// hmacAuthTypes are the HMAC users metal-api knows.
var hmacAuthTypes = []string{"Metal-View", "Metal-Edit", "Metal-Admin"}

// Credentials authenticate a metal-api client: a bearer token or an HMAC key. The zero value is invalid;
// build them with CredentialsFromSecret, BearerToken or HMAC. They never print their secret.
type Credentials struct {
	token        string
	hmac         string
	hmacAuthType string
}

// BearerToken returns credentials with a bearer token.
func BearerToken(token string) Credentials { return Credentials{token: token} }

// HMAC returns credentials with an HMAC key of the given auth type (DefaultHMACAuthType when empty).
func HMAC(key, authType string) Credentials {
	if authType == "" {
		authType = DefaultHMACAuthType
	}
	return Credentials{hmac: key, hmacAuthType: authType}
}

// CredentialsFromSecret reads the credentials from a Secret: exactly one of metalAPIKey or metalAPIHMac must
// be set (surrounding white space, e.g. a trailing newline of a file-based secret, is ignored; an empty value
// counts as unset). The error names the secret and the keys, never their values.
func CredentialsFromSecret(secret *corev1.Secret) (Credentials, error) {
	name := "<nil>"
	if secret != nil {
		name = secret.Namespace + "/" + secret.Name
	}
	if secret == nil {
		return Credentials{}, ConfigurationError("credentials secret %s is missing", name)
	}
	value := func(key string) string { return strings.TrimSpace(string(secret.Data[key])) }
	token, hmac, authType := value(SecretKeyAPIKey), value(SecretKeyHMAC), value(SecretKeyHMACAuthType)

	switch {
	case token != "" && hmac != "":
		return Credentials{}, ConfigurationError("credentials secret %s sets both %q and %q; exactly one of a bearer token (%s) or an HMAC key (%s) must be set",
			name, SecretKeyAPIKey, SecretKeyHMAC, SecretKeyAPIKey, SecretKeyHMAC)
	case token == "" && hmac == "":
		return Credentials{}, ConfigurationError("credentials secret %s sets neither %q nor %q; exactly one of a bearer token (%s) or an HMAC key (%s) must be set",
			name, SecretKeyAPIKey, SecretKeyHMAC, SecretKeyAPIKey, SecretKeyHMAC)
	case token != "":
		if authType != "" {
			return Credentials{}, ConfigurationError("credentials secret %s sets %q, which only applies to %q, together with %q",
				name, SecretKeyHMACAuthType, SecretKeyHMAC, SecretKeyAPIKey)
		}
		return BearerToken(token), nil
	}
	if authType != "" && !slices.Contains(hmacAuthTypes, authType) {
		// The auth type is not secret: it names a metal-api user.
		return Credentials{}, ConfigurationError("credentials secret %s: %q is %q, which is none of %s",
			name, SecretKeyHMACAuthType, authType, strings.Join(hmacAuthTypes, ", "))
	}
	return HMAC(hmac, authType), nil
}

// Kind is "bearer token" or "HMAC (<auth type>)".
func (c Credentials) Kind() string {
	if c.token != "" {
		return "bearer token"
	}
	return fmt.Sprintf("HMAC (%s)", c.hmacAuthType)
}

// IsHMAC tells whether the credentials are an HMAC key (else a bearer token).
func (c Credentials) IsHMAC() bool { return c.hmac != "" }

// String describes the credentials without their secret.
func (c Credentials) String() string { return c.Kind() }

// GoString keeps %#v from printing the secret.
func (c Credentials) GoString() string { return "metal.Credentials{" + c.Kind() + "}" }

// Hash is a SHA-256 over the kind and secret of the credentials: equal for equal credentials, different after
// a rotation, and useless for recovering the secret.
func (c Credentials) Hash() string {
	h := sha256.New()
	for _, part := range []string{c.token, c.hmac, c.hmacAuthType} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// valid tells whether exactly one secret is set.
func (c Credentials) valid() bool { return (c.token == "") != (c.hmac == "") }
