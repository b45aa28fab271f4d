package ontapapi

import (
	"net/http"
	"slices"
	"strings"
	"unicode"

	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Roles the simulator knows, per scope.
var (
	clusterRoles = []string{"admin", "readonly", "backup", "autosupport", "none"}
	svmRoles     = []string{"vsadmin", "vsadmin-volume", "vsadmin-protocol", "vsadmin-backup", "vsadmin-readonly", "vsadmin-snaplock"}
	applications = []string{"http", "ontapi", "ssh", "console", "service_processor", "amqp"}
	authMethods  = []string{"password", "publickey", "certificate", "domain", "nsswitch", "saml", "usm"}
)

// checkPassword applies ONTAP's default password rules: at least eight
// characters with at least one letter and one digit.
func checkPassword(pw string) *apiError {
	hasLetter := strings.IndexFunc(pw, unicode.IsLetter) >= 0
	hasDigit := strings.IndexFunc(pw, unicode.IsDigit) >= 0
	if len(pw) < 8 || !hasLetter || !hasDigit {
		return badRequest(CodeWeakPassword, "password", "The password must be at least 8 characters long and contain at least one letter and one number.")
	}
	return nil
}

func validateApplications(apps []*models.AccountApplication) *apiError {
	for _, a := range apps {
		if a == nil || !slices.Contains(applications, deref(a.Application)) {
			return badRequest(CodeInvalidValue, "applications.application", "Invalid application %q.", deref(a.Application))
		}
		if len(a.AuthenticationMethods) == 0 {
			return badRequest(CodeMissingField, "applications.authentication_methods", `Missing value for required field "authentication_methods".`)
		}
		for _, m := range a.AuthenticationMethods {
			if !slices.Contains(authMethods, deref(m)) {
				return badRequest(CodeInvalidValue, "applications.authentication_methods", "Invalid authentication method %q.", deref(m))
			}
		}
	}
	return nil
}

func accountHref(a *accountRec) string { return "/api/security/accounts/" + a.OwnerUUID + "/" + a.Name }

// accountModel renders an account; passwords are never returned.
func accountModel(a *accountRec) *models.Account {
	m := &models.Account{
		Name:                      new(a.Name),
		Owner:                     &models.AccountInlineOwner{Name: new(a.OwnerName), UUID: new(a.OwnerUUID)},
		Role:                      &models.AccountInlineRole{Name: new(a.Role)},
		Scope:                     new(a.Scope),
		Locked:                    new(a.Locked),
		AccountInlineApplications: a.Applications,
	}
	if a.Comment != "" {
		m.Comment = new(a.Comment)
	}
	return m
}

// ownerOf resolves an owner reference: absent or the cluster means cluster
// scope, otherwise an SVM.
func (s *Server) ownerOf(name, uuid *string) (ownerUUID, ownerName, scope string, aerr *apiError) {
	if (uuid == nil || *uuid == "" || *uuid == s.st.Cluster.UUID) && (name == nil || *name == "" || *name == s.st.Cluster.Name) {
		return s.st.Cluster.UUID, s.st.Cluster.Name, "cluster", nil
	}
	svm, aerr := s.st.svmByRef(name, uuid, "owner")
	if aerr != nil {
		return "", "", "", aerr
	}
	return deref(svm.UUID), deref(svm.Name), "svm", nil
}

func (s *Server) listAccounts(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, a := range s.st.sortedAccounts() {
		if rc.p.cluster() || a.OwnerUUID == rc.p.owner {
			items = append(items, listItem{rec: accountModel(a), href: accountHref(a), svmUUID: a.OwnerUUID, name: a.Name})
		}
	}
	return rc.list(items, "owner", "name")
}

func (s *Server) accountFor(rc *reqCtx) (*accountRec, *apiError) {
	owner := rc.r.PathValue("owner_uuid")
	a, ok := s.st.Accounts[owner+"/"+rc.r.PathValue("name")]
	if !ok || (!rc.p.cluster() && owner != rc.p.owner) {
		return nil, notFound("name")
	}
	return a, nil
}

func (s *Server) getAccount(rc *reqCtx) (int, any, *apiError) {
	a, aerr := s.accountFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	return rc.single(accountModel(a), accountHref(a), "owner", "name")
}

func (s *Server) createAccount(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	var in models.Account
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	name := deref(in.Name)
	if name == "" {
		return 0, nil, badRequest(CodeMissingField, "name", `Missing value for required field "name".`)
	}
	var ownerName, ownerUUID *string
	if in.Owner != nil {
		ownerName, ownerUUID = in.Owner.Name, in.Owner.UUID
	}
	owner, oname, scope, aerr := s.ownerOf(ownerName, ownerUUID)
	if aerr != nil {
		return 0, nil, aerr
	}
	if _, exists := s.st.Accounts[owner+"/"+name]; exists {
		return 0, nil, conflict(CodeDuplicate, "name", "User %q already exists in %q.", name, oname)
	}
	role := "admin"
	roles := clusterRoles
	if scope == "svm" {
		role, roles = "vsadmin", svmRoles
	}
	if in.Role != nil && deref(in.Role.Name) != "" {
		role = deref(in.Role.Name)
	}
	if !slices.Contains(roles, role) {
		return 0, nil, badRequest(CodeInvalidValue, "role.name", "Role %q does not exist for %s-scoped accounts.", role, scope)
	}
	if len(in.AccountInlineApplications) == 0 {
		return 0, nil, badRequest(CodeMissingField, "applications", `Missing value for required field "applications".`)
	}
	if aerr := validateApplications(in.AccountInlineApplications); aerr != nil {
		return 0, nil, aerr
	}
	a := &accountRec{
		Name: name, OwnerUUID: owner, OwnerName: oname, Scope: scope, Role: role,
		Applications: in.AccountInlineApplications, Comment: deref(in.Comment), Locked: deref(in.Locked),
	}
	if a.canLogin() || in.Password != nil {
		if in.Password == nil {
			return 0, nil, badRequest(CodeMissingField, "password", `Missing value for required field "password".`)
		}
		if aerr := checkPassword(string(*in.Password)); aerr != nil {
			return 0, nil, aerr
		}
		a.Password = string(*in.Password)
	}
	s.st.Accounts[a.key()] = a
	return rc.created(accountModel(a), accountHref(a))
}

func (s *Server) modifyAccount(rc *reqCtx) (int, any, *apiError) {
	a, aerr := s.accountFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := rc.onlyKeys("password", "role", "applications", "locked", "comment", "password_hash_algorithm"); aerr != nil {
		return 0, nil, aerr
	}
	// An SVM-scoped account may change its own password, nothing else.
	if !rc.p.cluster() && (a.Name != rc.p.user || slices.ContainsFunc(rc.bodyKeys(), func(k string) bool { return k != "password" })) {
		return 0, nil, forbidden()
	}
	var in models.Account
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	if in.Password != nil {
		if aerr := checkPassword(string(*in.Password)); aerr != nil {
			return 0, nil, aerr
		}
	}
	if in.Role != nil {
		roles := clusterRoles
		if a.Scope == "svm" {
			roles = svmRoles
		}
		if !slices.Contains(roles, deref(in.Role.Name)) {
			return 0, nil, badRequest(CodeInvalidValue, "role.name", "Role %q does not exist for %s-scoped accounts.", deref(in.Role.Name), a.Scope)
		}
	}
	if in.AccountInlineApplications != nil {
		if aerr := validateApplications(in.AccountInlineApplications); aerr != nil {
			return 0, nil, aerr
		}
	}
	if in.Password != nil {
		a.Password = string(*in.Password)
	}
	if in.Role != nil {
		a.Role = deref(in.Role.Name)
	}
	if in.AccountInlineApplications != nil {
		a.Applications = in.AccountInlineApplications
	}
	if in.Locked != nil {
		a.Locked = *in.Locked
	}
	if in.Comment != nil {
		a.Comment = *in.Comment
	}
	return okEmpty()
}

func (s *Server) deleteAccount(rc *reqCtx) (int, any, *apiError) {
	if !rc.p.cluster() {
		return 0, nil, forbidden()
	}
	a, aerr := s.accountFor(rc)
	if aerr != nil {
		return 0, nil, aerr
	}
	if a.OwnerUUID == s.st.Cluster.UUID && a.Name == s.cfg.AdminUser {
		return 0, nil, conflict(CodeInUse, "name", "The cluster administrator %q cannot be deleted.", a.Name)
	}
	delete(s.st.Accounts, a.key())
	return okEmpty()
}

// changePassword serves POST /api/security/authentication/password. ONTAP
// answers 200 here, while trident's generated client (from the published
// OpenAPI document) expects 201 and reports an "unexpected success".
func (s *Server) changePassword(rc *reqCtx) (int, any, *apiError) {
	var in models.AccountPassword
	if aerr := rc.decode(&in); aerr != nil {
		return 0, nil, aerr
	}
	var ownerName, ownerUUID *string
	if in.Owner != nil {
		ownerName, ownerUUID = in.Owner.Name, in.Owner.UUID
	}
	owner, _, _, aerr := s.ownerOf(ownerName, ownerUUID)
	if aerr != nil {
		return 0, nil, aerr
	}
	a, ok := s.st.Accounts[owner+"/"+deref(in.Name)]
	if !ok {
		return 0, nil, notFound("name")
	}
	if !rc.p.cluster() && (a.OwnerUUID != rc.p.owner || a.Name != rc.p.user) {
		return 0, nil, forbidden()
	}
	if in.Password == nil {
		return 0, nil, badRequest(CodeMissingField, "password", `Missing value for required field "password".`)
	}
	if aerr := checkPassword(string(*in.Password)); aerr != nil {
		return 0, nil, aerr
	}
	a.Password = string(*in.Password)
	return http.StatusOK, map[string]any{}, nil
}
