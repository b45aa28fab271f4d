// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"time"

	metalgo "github.com/metal-stack/metal-go"
	"github.com/metal-stack/metal-go/api/client/network"
	"github.com/metal-stack/metal-go/api/client/project"
	"github.com/metal-stack/metal-go/api/client/version"
	"github.com/metal-stack/metal-go/api/models"
	"github.com/metal-stack/metal-lib/httperrors"
	"github.com/metal-stack/security"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

var _ = Describe("authentication and authorization", func() {
	listNetworks := func(c metalgo.Client) error {
		_, err := c.Network().ListNetworks(network.NewListNetworksParams(), nil)
		return err
	}

	It("accepts metal-go's HMAC (NewDriver and NewClient) and bearer tokens", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		//nolint:staticcheck // NewDriver is deprecated but still how many callers build the client.
		driver, err := metalgo.NewDriver(srv.URL(), "", metalapi.DefaultHMACKey)
		Expect(err).NotTo(HaveOccurred())
		Expect(listNetworks(driver)).To(Succeed())
		Expect(listNetworks(hmacClient(srv.URL(), metalapi.DefaultHMACKey))).To(Succeed())
		Expect(listNetworks(tokenClient(srv.URL(), metalapi.DefaultToken))).To(Succeed())
		//nolint:staticcheck // see above
		bearerDriver, err := metalgo.NewDriver(srv.URL(), metalapi.DefaultToken, "")
		Expect(err).NotTo(HaveOccurred())
		Expect(listNetworks(bearerDriver)).To(Succeed())
	})

	It("answers missing and wrong credentials with 401 and a metal-api error body", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		noAuth, err := metalgo.NewClient(srv.URL())
		Expect(err).NotTo(HaveOccurred())
		for _, c := range []metalgo.Client{noAuth, hmacClient(srv.URL(), "wrong"), tokenClient(srv.URL(), "wrong")} {
			err := listNetworks(c)
			Expect(statusCode(err)).To(Equal(http.StatusUnauthorized), "%v", err)
			Expect(err.Error()).To(ContainSubstring("unauthenticated"))
		}
		edit, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth(metalapi.DefaultHMACKey, "Metal-Edit"))
		Expect(err).NotTo(HaveOccurred())
		Expect(statusCode(listNetworks(edit))).To(Equal(http.StatusUnauthorized), "the key belongs to another auth type")

		resp, err := http.Get(srv.URL() + "/v1/network")
		Expect(err).NotTo(HaveOccurred())
		defer func() { _ = resp.Body.Close() }()
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))
		Expect(resp.Header.Get("Content-Type")).To(Equal("application/json"))
		body, err := io.ReadAll(resp.Body)
		Expect(err).NotTo(HaveOccurred())
		var payload httperrors.HTTPErrorResponse
		Expect(json.Unmarshal(body, &payload)).To(Succeed(), "the body decodes into metal-lib's HTTPErrorResponse: %s", body)
		Expect(payload.StatusCode).To(Equal(http.StatusUnauthorized))
		Expect(payload.Message).To(ContainSubstring("unauthenticated"))
	})

	It("rejects HMACs with an outdated X-Date like metal-stack/security", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		req, err := http.NewRequest(http.MethodGet, srv.URL()+"/v1/network", nil)
		Expect(err).NotTo(HaveOccurred())
		auth := security.NewHMACAuth("Metal-Admin", []byte(metalapi.DefaultHMACKey))
		auth.AddAuth(req, time.Now().Add(-time.Minute), nil)
		resp, err := http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(http.StatusUnauthorized))

		req, err = http.NewRequest(http.MethodGet, srv.URL()+"/v1/network", nil)
		Expect(err).NotTo(HaveOccurred())
		auth.AddAuth(req, time.Now(), nil)
		resp, err = http.DefaultClient.Do(req)
		Expect(err).NotTo(HaveOccurred())
		Expect(resp.Body.Close()).To(Succeed())
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	})

	It("can answer 403 like the real metal-api", func() {
		cfg := metalapi.DefaultConfig()
		cfg.UnauthenticatedStatus = http.StatusForbidden
		srv := startSimulator(cfg)
		Expect(statusCode(listNetworks(hmacClient(srv.URL(), "wrong")))).To(Equal(http.StatusForbidden))
	})

	It("serves version and health without credentials", func() {
		srv := startSimulator(metalapi.DefaultConfig())
		noAuth, err := metalgo.NewClient(srv.URL())
		Expect(err).NotTo(HaveOccurred())
		_, err = noAuth.Version().Info(version.NewInfoParams(), nil)
		Expect(err).NotTo(HaveOccurred())
	})

	It("enforces roles: view reads, edit allocates, admin creates", func() {
		cfg := metalapi.DefaultConfig()
		cfg.HMAC = append(cfg.HMAC,
			metalapi.HMACCredential{AuthType: "Metal-View", Key: "view-key"},
			metalapi.HMACCredential{AuthType: "Metal-Edit", Key: "edit-key"})
		srv := startSimulator(cfg)
		view, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth("view-key", "Metal-View"))
		Expect(err).NotTo(HaveOccurred())
		edit, err := metalgo.NewClient(srv.URL(), metalgo.HMACAuth("edit-key", "Metal-Edit"))
		Expect(err).NotTo(HaveOccurred())

		Expect(listNetworks(view)).To(Succeed())
		_, err = allocateChild(view, &models.V1NetworkAllocateRequest{})
		Expect(statusCode(err)).To(Equal(http.StatusForbidden))
		Expect(err.Error()).To(ContainSubstring("you are not member in one of"))
		child, err := allocateChild(edit, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		_, err = edit.Network().DeleteNetwork(network.NewDeleteNetworkParams().WithID(*child.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusForbidden), "deleting networks needs admin")
	})

	It("restricts a token to its projects", func() {
		cfg := metalapi.DefaultConfig()
		cfg.Tokens = append(cfg.Tokens, metalapi.TokenCredential{Token: "tenant", Role: metalapi.RoleEdit, Projects: []string{metalapi.SecondProjectID}})
		srv := startSimulator(cfg)
		admin := hmacClient(srv.URL(), metalapi.DefaultHMACKey)
		tenant := tokenClient(srv.URL(), "tenant")

		mine, err := allocateChild(admin, &models.V1NetworkAllocateRequest{})
		Expect(err).NotTo(HaveOccurred())
		theirs, err := allocateChild(tenant, &models.V1NetworkAllocateRequest{Projectid: metalapi.SecondProjectID})
		Expect(err).NotTo(HaveOccurred())
		_, err = allocateChild(tenant, &models.V1NetworkAllocateRequest{Projectid: metalapi.DefaultProjectID})
		Expect(statusCode(err)).To(Equal(http.StatusForbidden))

		list, err := tenant.Network().ListNetworks(network.NewListNetworksParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		var ids []string
		for _, n := range list.Payload {
			ids = append(ids, *n.ID)
		}
		Expect(ids).To(ContainElement(*theirs.ID))
		Expect(ids).To(ContainElement(metalapi.InternetNetworkID), "networks without project are visible to all")
		Expect(ids).NotTo(ContainElement(*mine.ID))
		_, err = tenant.Network().FindNetwork(network.NewFindNetworkParams().WithID(*mine.ID), nil)
		Expect(statusCode(err)).To(Equal(http.StatusForbidden))
		projects, err := tenant.Project().ListProjects(project.NewListProjectsParams(), nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(projects.Payload).To(HaveLen(1))
	})

	It("refuses a configuration without credentials unless insecure", func() {
		cfg := metalapi.DefaultConfig()
		cfg.HMAC, cfg.Tokens = nil, nil
		_, err := metalapi.New(cfg)
		Expect(err).To(MatchError(ContainSubstring("no credentials configured")))
		cfg.Insecure = true
		srv := startSimulator(cfg)
		noAuth, err := metalgo.NewClient(srv.URL())
		Expect(err).NotTo(HaveOccurred())
		Expect(listNetworks(noAuth)).To(Succeed())
	})
})
