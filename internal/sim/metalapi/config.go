// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Role is the permission level of a credential. It mirrors metal-api's three built-in users: view
// (read-only), edit (allocate and free networks, IPs and machines) and admin (create and delete
// partition-level resources such as super networks and projects).
type Role string

const (
	// RoleView may only read.
	RoleView Role = "view"
	// RoleEdit may additionally allocate, update and free networks, IPs, machines and firewalls.
	RoleEdit Role = "edit"
	// RoleAdmin may do everything, including creating and deleting networks and projects.
	RoleAdmin Role = "admin"
)

func (r Role) rank() int {
	switch r {
	case RoleView:
		return 1
	case RoleEdit:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// HMACCredential is an HMAC key the simulator accepts, verified with metal-stack/security exactly like
// metal-api does: the "Authorization: <AuthType> <hmac>" header over X-Date and X-Data-Salt.
type HMACCredential struct {
	// AuthType is the scheme of the Authorization header: metal-api knows Metal-View, Metal-Edit and
	// Metal-Admin. metal-go's NewDriver uses Metal-Admin by default. Defaults to Metal-Admin.
	AuthType string `json:"authType,omitempty"`
	// Key is the shared secret.
	Key string `json:"key"`
	// Role defaults from AuthType: Metal-View → view, Metal-Edit → edit, anything else → admin.
	Role Role `json:"role,omitempty"`
	// Projects, when set, restricts what this credential sees and may change to these projects.
	Projects []string `json:"projects,omitempty"`
}

// TokenCredential is a bearer token the simulator accepts ("Authorization: Bearer <token>").
type TokenCredential struct {
	// Token is the opaque bearer token.
	Token string `json:"token"`
	// Role defaults to admin.
	Role Role `json:"role,omitempty"`
	// Projects, when set, restricts what this token sees and may change to these projects.
	Projects []string `json:"projects,omitempty"`
}

// Config configures a simulator.
type Config struct {
	// Seed is the initial state: partitions, sizes, images, projects, networks and free machines.
	Seed Seed
	// HMAC lists the accepted HMAC credentials; each AuthType at most once, as in metal-api.
	HMAC []HMACCredential
	// Tokens lists the accepted bearer tokens.
	Tokens []TokenCredential
	// Insecure accepts requests without credentials as admin. Without it, at least one credential
	// must be configured.
	Insecure bool
	// HMACLifetime is how old an X-Date may be. Zero keeps metal-stack/security's default of 15s, a
	// negative value disables the check.
	HMACLifetime time.Duration
	// UnauthenticatedStatus is the status for requests without valid credentials, 401 by default.
	// The real metal-api answers 403 (user "anonymous" lacks the group, or a wrong HMAC); set it to
	// http.StatusForbidden to reproduce that exactly.
	UnauthenticatedStatus int
	// RandomSeed seeds every random choice (IDs, VRFs, ASNs, machine selection, latency jitter), so a
	// sequential run is reproducible.
	RandomSeed uint64
	// ProvisioningTime is how long an allocated machine or firewall reports allocation.succeeded=false
	// (last event "Installing") before it reports "Phoned Home". Zero provisions instantly.
	ProvisioningTime time.Duration
	// ListenAddress is where Start listens; default 127.0.0.1:0 (an ephemeral port).
	ListenAddress string
	// Logger receives one debug line per request; default discards.
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Version is reported by GET /v1/version; default "v0.43.0-simulator".
	Version string
	// CallLogLimit bounds the call log of a long-running simulator: beyond it the oldest calls are
	// forgotten. Zero means 100,000 calls, a negative value keeps every call.
	CallLogLimit int
}

func (c *Config) defaults() {
	if c.UnauthenticatedStatus == 0 {
		c.UnauthenticatedStatus = http.StatusUnauthorized
	}
	if c.ListenAddress == "" {
		c.ListenAddress = "127.0.0.1:0"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Version == "" {
		c.Version = "v0.43.0-simulator"
	}
	if c.CallLogLimit == 0 {
		c.CallLogLimit = 100_000
	}
	for i := range c.HMAC {
		if c.HMAC[i].AuthType == "" {
			c.HMAC[i].AuthType = "Metal-Admin"
		}
		if c.HMAC[i].Role == "" {
			switch c.HMAC[i].AuthType {
			case "Metal-View":
				c.HMAC[i].Role = RoleView
			case "Metal-Edit":
				c.HMAC[i].Role = RoleEdit
			default:
				c.HMAC[i].Role = RoleAdmin
			}
		}
	}
	for i := range c.Tokens {
		if c.Tokens[i].Role == "" {
			c.Tokens[i].Role = RoleAdmin
		}
	}
}

func (c *Config) validate() error {
	var errs []error
	if !c.Insecure && len(c.HMAC) == 0 && len(c.Tokens) == 0 {
		errs = append(errs, errors.New("no credentials configured: set HMAC or Tokens, or Insecure"))
	}
	types := map[string]bool{}
	for _, h := range c.HMAC {
		if h.Key == "" {
			errs = append(errs, fmt.Errorf("hmac credential %q has an empty key", h.AuthType))
		}
		if types[h.AuthType] {
			errs = append(errs, fmt.Errorf("hmac auth type %q configured twice", h.AuthType))
		}
		types[h.AuthType] = true
		if h.Role.rank() == 0 {
			errs = append(errs, fmt.Errorf("hmac credential %q has unknown role %q", h.AuthType, h.Role))
		}
	}
	for i, t := range c.Tokens {
		if t.Token == "" {
			errs = append(errs, fmt.Errorf("token %d is empty", i))
		}
		if t.Role.rank() == 0 {
			errs = append(errs, fmt.Errorf("token %d has unknown role %q", i, t.Role))
		}
	}
	if c.UnauthenticatedStatus < 400 || c.UnauthenticatedStatus > 599 {
		errs = append(errs, fmt.Errorf("unauthenticated status %d is no error status", c.UnauthenticatedStatus))
	}
	return errors.Join(errs...)
}
