// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/metal-stack/security"
)

// identity is an authenticated caller.
type identity struct {
	name string
	role Role
	// projects restricts visibility; nil means every project.
	projects map[string]bool
}

var anonymousAdmin = &identity{name: "anonymous", role: RoleAdmin}

// sees reports whether the caller may see objects of the project. Objects without a project (super
// networks, the internet, free machines) are visible to all.
func (id *identity) sees(project string) bool {
	return id.projects == nil || project == "" || id.projects[project]
}

// mayUse returns a 403 unless the caller may act on the project.
func (id *identity) mayUse(project string) error {
	if id.projects == nil || id.projects[project] {
		return nil
	}
	return forbidden("project %q is not accessible with the credentials of %s", project, id.name)
}

func rolesFrom(r Role) string {
	var out []string
	for _, candidate := range []Role{RoleView, RoleEdit, RoleAdmin} {
		if candidate.rank() >= r.rank() {
			out = append(out, string(candidate))
		}
	}
	return strings.Join(out, " ")
}

func projectSet(projects []string) map[string]bool {
	if len(projects) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, p := range projects {
		set[p] = true
	}
	return set
}

// setupAuth builds the credential checker the way metal-api does: one metal-stack/security HMACAuth per
// auth type, then the bearer token check, evaluated by security.UserCreds (the first authenticator that
// recognises its scheme decides).
func (s *Server) setupAuth() {
	s.identities = map[string]*identity{}
	var opts []security.CredsOpt
	for _, h := range s.cfg.HMAC {
		user := security.User{Name: h.AuthType, EMail: strings.ToLower(h.AuthType) + "@metal-stack.io"}
		hopts := []security.HMACAuthOption{security.WithUser(user)}
		switch {
		case s.cfg.HMACLifetime > 0:
			hopts = append(hopts, security.WithLifetime(s.cfg.HMACLifetime))
		case s.cfg.HMACLifetime < 0:
			hopts = append(hopts, security.WithLifetime(0))
		}
		opts = append(opts, security.WithHMAC(security.NewHMACAuth(h.AuthType, []byte(h.Key), hopts...)))
		s.identities[user.Name] = &identity{name: "hmac " + h.AuthType, role: h.Role, projects: projectSet(h.Projects)}
	}
	tg := &tokenGetter{}
	for i, t := range s.cfg.Tokens {
		name := fmt.Sprintf("token#%d", i)
		tg.tokens = append(tg.tokens, t.Token)
		tg.names = append(tg.names, name)
		s.identities[name] = &identity{name: "bearer " + name, role: t.Role, projects: projectSet(t.Projects)}
	}
	opts = append(opts, security.WithDex(tg))
	s.creds = security.NewCreds(opts...)
}

// authenticate returns the caller or an error with the configured unauthenticated status.
func (s *Server) authenticate(r *http.Request) (*identity, error) {
	user, err := s.creds.User(r)
	if err == nil {
		if id, ok := s.identities[user.Name]; ok {
			return id, nil
		}
		err = errors.New("no credentials found, use an hmac or a bearer token")
	}
	if s.cfg.Insecure {
		return anonymousAdmin, nil
	}
	var wrong *security.WrongHMAC
	if errors.As(err, &wrong) {
		// The computed HMACs stay in the server; they would help an attacker.
		err = errors.New("wrong hmac")
	}
	return nil, newAPIError(s.cfg.UnauthenticatedStatus, "unauthenticated: %v", err)
}

// tokenGetter checks bearer tokens against the configured list. A request without a bearer token gets
// security's own "no auth found" error, which security.UserCreds treats as "not my scheme".
type tokenGetter struct {
	tokens []string
	names  []string
}

func (t *tokenGetter) User(r *http.Request) (*security.User, error) {
	token, err := security.ExtractBearer(r)
	if err != nil {
		return nil, err
	}
	idx := slices.IndexFunc(t.tokens, func(candidate string) bool {
		return subtle.ConstantTimeCompare([]byte(candidate), []byte(token)) == 1
	})
	if idx < 0 {
		return nil, errors.New("invalid bearer token")
	}
	return &security.User{Name: t.names[idx]}, nil
}
