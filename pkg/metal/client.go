// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"net/http"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	metalclient "github.com/metal-stack/metal-go/api/client"
	"github.com/metal-stack/security"
	"k8s.io/client-go/util/flowcontrol"
)

// Networks is what the controllers do with networks.
type Networks interface {
	// GetNetwork reads one network by ID.
	GetNetwork(ctx context.Context, id string) (*Network, error)
	// GetNetworks reads the named networks one by one (never a list of all networks), in the given order. A
	// network that does not exist is a ClassNotFound error naming it.
	GetNetworks(ctx context.Context, ids []string) ([]Network, error)
	// PrivateSuperNetwork returns the private super network of a partition that node networks are allocated
	// from: the given one after checking that it is the partition's private super network, or, when id is
	// empty, the partition's only one.
	PrivateSuperNetwork(ctx context.Context, partitionID, id string) (*Network, error)
	// NodeNetworks returns the networks labelled with the cluster's ID in its project and partition, oldest
	// first.
	NodeNetworks(ctx context.Context, cluster Cluster) ([]Network, error)
	// EnsureNodeNetwork returns the cluster's node network: the one labelled with the cluster's ID, or, if
	// there is none, a newly allocated child of the partition's private super network with one prefix per
	// family of the spec. It never allocates when a labelled network exists, so retrying after a lost answer
	// yields the same network; should several exist, it keeps one and frees the others.
	EnsureNodeNetwork(ctx context.Context, cluster Cluster, spec NodeNetworkSpec) (*Network, error)
	// FreeNetwork frees an allocated network; one that is gone already is no error.
	FreeNetwork(ctx context.Context, id string) error
}

// IPs is what the controllers do with IPs.
type IPs interface {
	// GetIP reads one IP by address.
	GetIP(ctx context.Context, address string) (*IP, error)
	// FindIPs returns the IPs of a project that match the query.
	FindIPs(ctx context.Context, query IPQuery) ([]IP, error)
	// AllocateIP allocates a new IP.
	AllocateIP(ctx context.Context, req IPAllocation) (*IP, error)
	// FreeIP frees an IP; one that is gone already is no error.
	FreeIP(ctx context.Context, address string) error
	// ReconcileEgressIPs makes exactly the desired static IPs of the cluster's project carry the cluster's
	// egress tag: it adds the tag to desired IPs that lack it and removes it from IPs that are no longer
	// desired, changing no other tag. It checks every desired IP before it writes anything, and returns the
	// desired IPs in the given order (without duplicates).
	ReconcileEgressIPs(ctx context.Context, cluster Cluster, desired []EgressIP) ([]IP, error)
}

// Machines is what the controllers ask about machines.
type Machines interface {
	// NetworkUsers returns the allocated machines and firewalls of a project with an interface in a network.
	NetworkUsers(ctx context.Context, projectID, networkID string) (NetworkUsers, error)
}

// ClusterReleaser frees what a cluster holds.
type ClusterReleaser interface {
	// ReleaseCluster frees what the cluster holds in its project: its ephemeral IPs (load-balancer IPs
	// tagged for its services; an IP tagged for other clusters too only loses this cluster's tags), its egress
	// tags, and its node networks once no machine or firewall uses them (otherwise a ClassInUse error names
	// the users). Objects of other clusters are never changed. It does as much as it can and joins the errors.
	ReleaseCluster(ctx context.Context, cluster Cluster) (Released, error)
}

// Client is a metal-api client for one endpoint and one set of credentials.
type Client interface {
	Networks
	IPs
	Machines
	ClusterReleaser
	// Endpoint is the metal-api URL the client talks to.
	Endpoint() string
}

// apiClient implements Client with metal-go's generated client.
type apiClient struct {
	endpoint string
	api      *metalclient.MetalAPI
	auth     runtime.ClientAuthInfoWriter
	limiter  flowcontrol.RateLimiter
	timeout  time.Duration
}

var _ Client = (*apiClient)(nil)

// NewClient returns a client of the metal-api at endpoint with the credentials and configuration. It checks
// its arguments only; the first request shows whether the endpoint answers and accepts the credentials.
func NewClient(endpoint string, creds Credentials, cfg ClientConfig) (Client, error) {
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	if !creds.valid() {
		return nil, ConfigurationError("metal-api credentials need exactly one of a bearer token or an HMAC key")
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}

	transport := http.DefaultTransport.(*http.Transport).Clone()
	rt := httptransport.NewWithClient(u.Host, u.Path, []string{u.Scheme}, &http.Client{Transport: transport})
	// go-openapi dumps requests, Authorization header included, when DEBUG or SWAGGER_DEBUG is set: never.
	rt.Debug = false
	rt.DefaultAuthentication = authWriter(creds)

	return &apiClient{
		endpoint: u.String(),
		api:      metalclient.New(rt, strfmt.Default),
		auth:     rt.DefaultAuthentication,
		limiter:  flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst),
		timeout:  cfg.RequestTimeout,
	}, nil
}

// authWriter authenticates each request like metal-go's own client: a bearer token, or an HMAC over the
// request date and a salt, computed when the request is built (after the rate limiter let it through, so
// that a wait never makes the signature stale).
func authWriter(creds Credentials) runtime.ClientAuthInfoWriter {
	if creds.token != "" {
		token := creds.token
		return runtime.ClientAuthInfoWriterFunc(func(req runtime.ClientRequest, _ strfmt.Registry) error {
			security.AddUserTokenToClientRequest(req, token)
			return nil
		})
	}
	auth := security.NewHMACAuth(creds.hmacAuthType, []byte(creds.hmac))
	return runtime.ClientAuthInfoWriterFunc(func(req runtime.ClientRequest, _ strfmt.Registry) error {
		auth.AddAuthToClientRequest(req, time.Now())
		return nil
	})
}

func (c *apiClient) Endpoint() string { return c.endpoint }

// call waits for the rate limiter and runs one request of the operation op, converting its error.
func (c *apiClient) call(ctx context.Context, op string, request func() error) error {
	if err := c.limiter.Wait(ctx); err != nil {
		return &Error{Operation: op, Class: ClassRetriable, Message: "waiting for the client-side rate limit: " + err.Error(), cause: err}
	}
	return apiError(op, request())
}

// params are the generated parameter types of metal-go: each takes a context and a timeout.
type params interface {
	SetContext(ctx context.Context)
	SetTimeout(timeout time.Duration)
}

// with sets the context and the request timeout of generated parameters.
func with[P params](c *apiClient, ctx context.Context, p P) P {
	p.SetContext(ctx)
	p.SetTimeout(c.timeout)
	return p
}
