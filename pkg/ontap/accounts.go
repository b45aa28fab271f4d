package ontap

import (
	"context"
	"fmt"
	"net/http"
	"slices"

	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/security"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// accountApplications are what Trident needs: the REST API (http) and ONTAPI,
// both with password authentication.
func accountApplications() []*models.AccountApplication {
	return []*models.AccountApplication{
		{Application: new("http"), AuthenticationMethods: []*string{new("password")}},
		{Application: new("ontapi"), AuthenticationMethods: []*string{new("password")}},
	}
}

func hasApplications(have []*models.AccountApplication) bool {
	for _, want := range accountApplications() {
		if !slices.ContainsFunc(have, func(a *models.AccountApplication) bool {
			return deref(a.Application) == deref(want.Application) &&
				slices.ContainsFunc(a.AuthenticationMethods, func(m *string) bool { return deref(m) == "password" })
		}) {
			return false
		}
	}
	return true
}

// EnsureAccount creates the SVM-scoped account (role AccountRole, http and
// ontapi with password) or brings an existing one in line. Whether the
// password is still current is checked by logging in with it (a read), so an
// account that is already right costs no write. The password never appears
// in errors.
func (c *Client) EnsureAccount(ctx context.Context, svmName, user, password string) error {
	op := fmt.Sprintf("ensuring account %s of SVM %s", user, svmName)
	if user == "" || password == "" {
		return c.wrap(op, &Error{Class: ClassConfiguration, Message: "user and password are required"}, password)
	}
	uuid, err := c.svmUUID(ctx, op, svmName, password)
	if err != nil {
		return err
	}
	gp := security.NewAccountGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithOwnerUUID(uuid).WithName(user).WithFields([]string{"name", "owner", "role", "applications", "locked"})
	resp, err := c.api.Security.AccountGet(gp, c.auth)
	if err != nil && !IsNotFound(classify(err)) {
		return c.wrap(op, err, password)
	}
	if err != nil {
		op = fmt.Sprintf("creating account %s of SVM %s", user, svmName)
		pw := strfmt.Password(password)
		info := &models.Account{
			Name:                      new(user),
			Owner:                     &models.AccountInlineOwner{UUID: new(uuid)},
			Role:                      &models.AccountInlineRole{Name: new(AccountRole)},
			AccountInlineApplications: accountApplications(),
			Password:                  &pw,
		}
		cp := security.NewAccountCreateParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithInfo(info)
		if _, err := c.api.Security.AccountCreate(cp, c.auth); tolerate(err) != nil {
			return c.wrap(op, err, password)
		}
		return nil
	}

	acct := resp.Payload
	patch := &models.Account{}
	changed := false
	if acct.Role == nil || deref(acct.Role.Name) != AccountRole {
		patch.Role, changed = &models.AccountInlineRole{Name: new(AccountRole)}, true
	}
	if !hasApplications(acct.AccountInlineApplications) {
		patch.AccountInlineApplications, changed = accountApplications(), true
	}
	if deref(acct.Locked) {
		patch.Locked, changed = new(false), true
	}
	current := false
	if !changed {
		if current, err = c.passwordWorks(ctx, user, password); err != nil {
			return c.wrap(op+": checking the password", err, password)
		}
	}
	if !current {
		pw := strfmt.Password(password)
		patch.Password, changed = &pw, true
	}
	if !changed {
		return nil
	}
	op = fmt.Sprintf("updating account %s of SVM %s", user, svmName)
	// PATCH /security/accounts/{owner.uuid}/{name} answers 200, as the
	// generated client expects; tolerate covers clusters that answer
	// another 2xx (the generated client reports those as errors).
	mp := security.NewAccountModifyParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithOwnerUUID(uuid).WithName(user).WithInfo(patch)
	if _, err := c.api.Security.AccountModify(mp, c.auth); tolerate(err) != nil {
		return c.wrap(op, err, password)
	}
	return nil
}

// passwordWorks logs in as the account with a cheap read. 401 means the
// password is not (or no longer) the one given.
func (c *Client) passwordWorks(ctx context.Context, user, password string) (bool, error) {
	p := svm.NewSvmCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithFields([]string{"uuid"})
	_, err := c.api.Svm.SvmCollectionGet(p, httptransport.BasicAuth(user, password))
	if err == nil {
		return true, nil
	}
	if e := classify(err); e.Status == http.StatusUnauthorized {
		return false, nil
	}
	return false, err
}

// DeleteAccount deletes the SVM-scoped account; a missing account or SVM is
// not an error.
func (c *Client) DeleteAccount(ctx context.Context, svmName, user string) error {
	op := fmt.Sprintf("deleting account %s of SVM %s", user, svmName)
	s, err := c.findSVM(ctx, svmName)
	if err != nil {
		return c.wrap(op, err)
	}
	if s == nil {
		return nil
	}
	p := security.NewAccountDeleteParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithOwnerUUID(deref(s.UUID)).WithName(user)
	_, err = c.api.Security.AccountDelete(p, c.auth)
	if err = tolerate(err); err != nil && !IsNotFound(classify(err)) {
		return c.wrap(op, err)
	}
	return nil
}
