// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"fmt"
	"net/url"
	"time"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	configv1alpha1 "github.com/metalgarden/metalgarden/pkg/apis/config/metal/v1alpha1"
)

// ClientConfig shapes every client of a ClientCache.
type ClientConfig struct {
	// RequestTimeout bounds each request, from sending it to reading the whole answer.
	RequestTimeout time.Duration
	// QPS is the sustained rate of requests per second of one client; Burst the requests it may send at once.
	QPS   float32
	Burst int
}

// ClientConfigFrom returns the client configuration of the component configuration's metalAPI section, with the
// component configuration's defaults for anything left unset.
func ClientConfigFrom(cfg configmetal.MetalAPIClientConfig) ClientConfig {
	defaults := configv1alpha1.MetalAPIClientConfig{}
	configv1alpha1.SetDefaults_MetalAPIClientConfig(&defaults)

	out := ClientConfig{
		RequestTimeout: defaults.RequestTimeout.Duration,
		QPS:            *defaults.QPS,
		Burst:          *defaults.Burst,
	}
	if cfg.RequestTimeout != nil {
		out.RequestTimeout = cfg.RequestTimeout.Duration
	}
	if cfg.QPS != nil {
		out.QPS = *cfg.QPS
	}
	if cfg.Burst != nil {
		out.Burst = *cfg.Burst
	}
	return out
}

// DefaultClientConfig is the client configuration of a component configuration without a metalAPI section.
func DefaultClientConfig() ClientConfig { return ClientConfigFrom(configmetal.MetalAPIClientConfig{}) }

func (c ClientConfig) validate() error {
	switch {
	case c.RequestTimeout <= 0:
		return fmt.Errorf("metal-api request timeout must be positive, is %s", c.RequestTimeout)
	case c.QPS <= 0:
		return fmt.Errorf("metal-api QPS must be positive, is %g", c.QPS)
	case c.Burst <= 0:
		return fmt.Errorf("metal-api burst must be positive, is %d", c.Burst)
	}
	return nil
}

// parseEndpoint checks a metal-api endpoint of a cloud profile: an http or https URL with a host.
func parseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, ConfigurationError("metal-api endpoint %q of the cloud profile is no URL: %v", endpoint, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, ConfigurationError("metal-api endpoint %q of the cloud profile must be an http or https URL with a host", endpoint)
	}
	return u, nil
}
