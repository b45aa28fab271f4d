// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	secretsutils "github.com/gardener/gardener/pkg/utils/secrets"
	secretsmanager "github.com/gardener/gardener/pkg/utils/secrets/manager"
	"k8s.io/apimachinery/pkg/util/validation"
)

// SeedAPIServerURLAnnotation on a Seed names the address of the seed's API server as the shoots' firewalls reach it
// (firewall-controller-manager hands it to them in their kubeconfig for the seed). It takes precedence over the
// controller option and over the address of the extension's own connection to the seed.
const SeedAPIServerURLAnnotation = "metal.provider.extensions.gardener.cloud/seed-api-server-url"

// fcmWebhookPort is the port of firewall-controller-manager's webhook server (fixed in its main.go).
const fcmWebhookPort = 9443

// NormalizeAPIServerURL checks an API server address and returns it as https://host[:port]. It accepts a DNS name,
// an IPv4 address and an IPv6 address, each with or without the https scheme and a port; an IPv6 address with a
// port or a scheme must be in brackets ("https://[2001:db8::1]:443"). Anything else (another scheme, a path, user
// information, an invalid host or port) is an error that says what is wrong.
func NormalizeAPIServerURL(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", errors.New("the address is empty")
	}
	if addr, err := netip.ParseAddr(s); err == nil {
		// A bare IP address; an IPv6 address cannot be parsed as a URL without brackets.
		if addr.Zone() != "" {
			return "", fmt.Errorf("%q is an IPv6 address with a zone, which other hosts cannot reach", raw)
		}
		return "https://" + hostPort(addr.String(), ""), nil
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	authority, _, _ := strings.Cut(s[strings.Index(s, "://")+3:], "/")
	if _, hostport, found := strings.Cut(authority, "@"); found {
		authority = hostport
	}
	if strings.Count(authority, ":") > 1 && !strings.HasPrefix(authority, "[") {
		return "", fmt.Errorf("%q has an IPv6 address without brackets; write it as https://[<address>]:<port>", raw)
	}
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	switch {
	case u.Scheme != "https":
		return "", fmt.Errorf("%q uses the scheme %q; an API server is reached over https", raw, u.Scheme)
	case u.User != nil:
		return "", fmt.Errorf("%q carries user information; give the address only", raw)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.Opaque != "":
		return "", fmt.Errorf("%q has a path, query or fragment; give scheme, host and port only", raw)
	case u.Hostname() == "":
		return "", fmt.Errorf("%q names no host", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("%q has the invalid port %q", raw, port)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return "", fmt.Errorf("%q has an empty port", raw)
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if addr.Zone() != "" {
			return "", fmt.Errorf("%q is an IPv6 address with a zone, which other hosts cannot reach", raw)
		}
		return "https://" + hostPort(addr.String(), port), nil
	}
	if strings.ContainsAny(host, "[]:") {
		return "", fmt.Errorf("%q has the invalid IP address %q", raw, host)
	}
	host = strings.ToLower(host)
	if errs := validation.IsDNS1123Subdomain(host); len(errs) > 0 {
		return "", fmt.Errorf("%q names neither an IP address nor a valid DNS name: %s", raw, strings.Join(errs, "; "))
	}
	labels := strings.Split(host, ".")
	if _, err := strconv.Atoi(labels[len(labels)-1]); err == nil {
		return "", fmt.Errorf("%q names neither an IP address nor a valid DNS name (its last label is a number)", raw)
	}
	return "https://" + hostPort(host, port), nil
}

// hostPort joins a host and an optional port, with brackets around an IPv6 address.
func hostPort(host, port string) string {
	if port != "" {
		return net.JoinHostPort(host, port)
	}
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// seedAPIServerSources are where the seed API server address comes from unless the Seed is annotated: the controller
// option and the address of the extension's own connection to the seed.
type seedAPIServerSources struct {
	configured, connection string
}

// seedAPIServerURL is the seed's API server address that firewall-controller-manager hands to the firewalls: the
// Seed's annotation, else the controller option, else the address of the extension's own connection to the seed
// (in a seed that is a Gardener shoot the DNS name of its API server).
func (vp *valuesProvider) seedAPIServerURL(cluster *extensionscontroller.Cluster) (string, error) {
	if cluster.Seed == nil {
		return "", errors.New("the Cluster of the ControlPlane holds no seed")
	}
	if v, ok := cluster.Seed.Annotations[SeedAPIServerURLAnnotation]; ok {
		u, err := NormalizeAPIServerURL(v)
		if err != nil {
			return "", configurationProblem(fmt.Errorf("annotation %s of Seed %s: %w; set it to the address under which the firewalls reach the seed's API server, e.g. https://api.seed.example.com or https://[2001:db8::1]:443", SeedAPIServerURLAnnotation, cluster.Seed.Name, err))
		}
		return u, nil
	}
	if vp.seedAPIServer.configured != "" {
		u, err := NormalizeAPIServerURL(vp.seedAPIServer.configured)
		if err != nil {
			return "", configurationProblem(fmt.Errorf("the seed API server URL of the controller configuration: %w; fix it or set annotation %s on Seed %s", err, SeedAPIServerURLAnnotation, cluster.Seed.Name))
		}
		return u, nil
	}
	u, err := NormalizeAPIServerURL(vp.seedAPIServer.connection)
	if err != nil {
		return "", configurationProblem(fmt.Errorf("the address of the extension's connection to the seed cannot be handed to the firewalls: %w; set annotation %s on Seed %s", err, SeedAPIServerURLAnnotation, cluster.Seed.Name))
	}
	return u, nil
}

// shootAPIServerURL is the shoot's API server address that firewall-controller-manager publishes to the firewalls:
// the external address gardenlet advertises, else api.<the shoot's domain>, else the unmanaged address gardenlet
// advertises for a shoot without a domain. Without any, firewall-controller-manager would take the seed for the
// shoot, so the reconcile waits for gardenlet to publish one.
func shootAPIServerURL(cluster *extensionscontroller.Cluster) (string, error) {
	raw, what := advertisedAddress(cluster, v1beta1constants.AdvertisedAddressExternal), "advertised address "+v1beta1constants.AdvertisedAddressExternal
	if dns := cluster.Shoot.Spec.DNS; raw == "" && dns != nil && dns.Domain != nil && *dns.Domain != "" {
		raw, what = "api."+*dns.Domain, ".spec.dns.domain"
	}
	if raw == "" {
		raw, what = advertisedAddress(cluster, v1beta1constants.AdvertisedAddressUnmanaged), "advertised address "+v1beta1constants.AdvertisedAddressUnmanaged
	}
	if raw == "" {
		return "", fmt.Errorf("the shoot has no advertised address %q or %q and no .spec.dns.domain yet; firewall-controller-manager needs the shoot's API server address", v1beta1constants.AdvertisedAddressExternal, v1beta1constants.AdvertisedAddressUnmanaged)
	}
	u, err := NormalizeAPIServerURL(raw)
	if err != nil {
		return "", configurationProblem(fmt.Errorf("the shoot's API server address (%s): %w", what, err))
	}
	return u, nil
}

// advertisedAddress is the URL of the shoot's API server address of that name that gardenlet advertises, if any.
func advertisedAddress(cluster *extensionscontroller.Cluster, name string) string {
	for _, a := range cluster.Shoot.Status.AdvertisedAddresses {
		if a.Name == name {
			return a.URL
		}
	}
	return ""
}

// caBundle is the PEM bundle of the control plane CA that signs firewall-controller-manager's serving certificate:
// during a CA rotation the secrets manager's bundle holds the old and the new CA.
func caBundle(secretsReader secretsmanager.Reader) (string, error) {
	secret, ok := secretsReader.Get(caNameControlPlane)
	if !ok {
		return "", fmt.Errorf("secret %q not found", caNameControlPlane)
	}
	for _, key := range []string{secretsutils.DataKeyCertificateBundle, secretsutils.DataKeyCertificateCA} {
		if pem := secret.Data[key]; len(pem) > 0 {
			return string(pem), nil
		}
	}
	return "", fmt.Errorf("secret %s of CA %q holds no certificate", secret.Name, caNameControlPlane)
}
