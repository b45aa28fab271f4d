package ontap

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Keys of a credentials Secret for one cluster.
const (
	// SecretKeyName optionally names the cluster; the Secret's name is used
	// otherwise.
	SecretKeyName = "name"
	// SecretKeyAddress is the cluster management address, host[:port].
	SecretKeyAddress  = "address"
	SecretKeyUsername = "username"
	SecretKeyPassword = "password"
	// SecretKeyCABundle is the PEM bundle that signs the cluster's
	// certificate.
	SecretKeyCABundle = "caBundle"
	// SecretKeyInsecureSkipVerify, when "true", turns TLS verification off.
	// For labs only.
	SecretKeyInsecureSkipVerify = "insecureSkipVerify"
	// SecretKeyClusters holds several clusters in one Secret: a YAML (or
	// JSON) list of objects with the keys above.
	SecretKeyClusters = "clusters"
)

// Defaults of ClientConfig.
const (
	DefaultRequestTimeout  = 30 * time.Second
	DefaultJobTimeout      = 10 * time.Minute
	DefaultJobPollInterval = 20 * time.Millisecond
	maxJobPollInterval     = 2 * time.Second
)

// ClientConfig is how to reach one ONTAP cluster. Its String and GoString
// never print the password.
type ClientConfig struct {
	// Name identifies the cluster in this installation (and in errors).
	Name string
	// Address is the cluster management address, host[:port].
	Address  string
	Username string
	Password string
	// CABundle (PEM) verifies the cluster's certificate; empty means the
	// system roots.
	CABundle []byte
	// InsecureSkipVerify turns TLS verification off. For labs only.
	InsecureSkipVerify bool

	// RequestTimeout bounds one HTTP request (DefaultRequestTimeout).
	RequestTimeout time.Duration
	// JobTimeout bounds waiting for an asynchronous job (DefaultJobTimeout).
	JobTimeout time.Duration
	// JobPollInterval is the first wait between job polls; it doubles up to
	// two seconds (DefaultJobPollInterval).
	JobPollInterval time.Duration
}

// String describes the config without its password.
func (c ClientConfig) String() string {
	return fmt.Sprintf("ontap.ClientConfig{Name: %q, Address: %q, Username: %q, Password: <redacted>, CABundle: %d bytes, InsecureSkipVerify: %t}",
		c.Name, c.Address, c.Username, len(c.CABundle), c.InsecureSkipVerify)
}

// GoString is String, so %#v does not print the password either.
func (c ClientConfig) GoString() string { return c.String() }

func (c ClientConfig) withDefaults() ClientConfig {
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.JobTimeout == 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.JobPollInterval == 0 {
		c.JobPollInterval = DefaultJobPollInterval
	}
	return c
}

// Validate checks the config.
func (c ClientConfig) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("cluster name is empty"))
	}
	if _, err := normalizeAddress(c.Address); err != nil {
		errs = append(errs, err)
	}
	if c.Username == "" {
		errs = append(errs, fmt.Errorf("%s is empty", SecretKeyUsername))
	}
	if c.Password == "" {
		errs = append(errs, fmt.Errorf("%s is empty", SecretKeyPassword))
	}
	if len(c.CABundle) > 0 && !x509.NewCertPool().AppendCertsFromPEM(c.CABundle) {
		errs = append(errs, fmt.Errorf("%s holds no PEM certificate", SecretKeyCABundle))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("invalid configuration of ONTAP cluster %q: %w", c.Name, err)
	}
	return nil
}

// normalizeAddress accepts host, host:port, [v6]:port and an https:// URL
// without path, and returns host[:port].
func normalizeAddress(addr string) (string, error) {
	a := strings.TrimSpace(addr)
	if rest, ok := strings.CutPrefix(a, "https://"); ok {
		a = rest
	} else if strings.Contains(a, "://") {
		return "", fmt.Errorf("%s %q: only https is supported", SecretKeyAddress, addr)
	}
	a = strings.TrimSuffix(a, "/")
	if a == "" {
		return "", fmt.Errorf("%s is empty", SecretKeyAddress)
	}
	if strings.ContainsAny(a, "/?#@ ") {
		return "", fmt.Errorf("%s %q must be host[:port]", SecretKeyAddress, addr)
	}
	if host, port, err := net.SplitHostPort(a); err == nil {
		if host == "" {
			return "", fmt.Errorf("%s %q has no host", SecretKeyAddress, addr)
		}
		if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
			return "", fmt.Errorf("%s %q has an invalid port", SecretKeyAddress, addr)
		}
		return a, nil
	}
	if ip := net.ParseIP(strings.Trim(a, "[]")); ip != nil && ip.To4() == nil {
		return "[" + ip.String() + "]", nil
	}
	if strings.Contains(a, ":") {
		return "", fmt.Errorf("%s %q must be host[:port]", SecretKeyAddress, addr)
	}
	return a, nil
}

// clusterEntry is one element of the "clusters" key.
type clusterEntry struct {
	Name               string `json:"name"`
	Address            string `json:"address"`
	Username           string `json:"username"`
	Password           string `json:"password"`
	CABundle           string `json:"caBundle"`
	InsecureSkipVerify bool   `json:"insecureSkipVerify"`
}

// ClientConfigsFromSecret reads the clusters of a credentials Secret: either
// one cluster from the keys address, username, password, caBundle,
// insecureSkipVerify (and optionally name), or several from the key
// "clusters". Errors name the Secret but never contain a password.
func ClientConfigsFromSecret(secret *corev1.Secret) ([]ClientConfig, error) {
	if secret == nil {
		return nil, errors.New("credentials secret is nil")
	}
	ref := secret.Namespace + "/" + secret.Name
	if raw, ok := secret.Data[SecretKeyClusters]; ok {
		var entries []clusterEntry
		if err := yaml.UnmarshalStrict(raw, &entries); err != nil {
			// The YAML error may quote the document, which holds passwords.
			return nil, fmt.Errorf("secret %s: key %q is not a list of clusters (name, address, username, password, caBundle, insecureSkipVerify)", ref, SecretKeyClusters)
		}
		if len(entries) == 0 {
			return nil, fmt.Errorf("secret %s: key %q lists no cluster", ref, SecretKeyClusters)
		}
		var (
			out  []ClientConfig
			errs []error
			seen = map[string]bool{}
		)
		for i, e := range entries {
			cfg := ClientConfig{
				Name: e.Name, Address: e.Address, Username: e.Username, Password: e.Password,
				CABundle: []byte(e.CABundle), InsecureSkipVerify: e.InsecureSkipVerify,
			}
			if cfg.Name == "" {
				errs = append(errs, fmt.Errorf("secret %s: cluster #%d has no name", ref, i+1))
				continue
			}
			if seen[cfg.Name] {
				errs = append(errs, fmt.Errorf("secret %s: cluster %q is listed twice", ref, cfg.Name))
				continue
			}
			seen[cfg.Name] = true
			if err := cfg.Validate(); err != nil {
				errs = append(errs, fmt.Errorf("secret %s: %w", ref, err))
				continue
			}
			out = append(out, cfg)
		}
		return out, errors.Join(errs...)
	}
	cfg := ClientConfig{
		Name:     string(secret.Data[SecretKeyName]),
		Address:  string(secret.Data[SecretKeyAddress]),
		Username: string(secret.Data[SecretKeyUsername]),
		Password: string(secret.Data[SecretKeyPassword]),
		CABundle: secret.Data[SecretKeyCABundle],
	}
	if cfg.Name == "" {
		cfg.Name = secret.Name
	}
	if v, ok := secret.Data[SecretKeyInsecureSkipVerify]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(string(v)))
		if err != nil {
			return nil, fmt.Errorf("secret %s: %s must be \"true\" or \"false\"", ref, SecretKeyInsecureSkipVerify)
		}
		cfg.InsecureSkipVerify = b
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("secret %s: %w", ref, err)
	}
	return []ClientConfig{cfg}, nil
}
