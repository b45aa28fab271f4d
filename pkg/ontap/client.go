package ontap

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/cluster"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/storage"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

// Client talks to one ONTAP cluster through trident's generated REST client.
// It is safe for concurrent use.
type Client struct {
	cfg  ClientConfig
	api  *client.ONTAPRESTAPIOnlineReference
	rt   *httptransport.Runtime
	auth runtime.ClientAuthInfoWriter

	mu           sync.Mutex
	reportedName string
}

var _ Cluster = (*Client)(nil)

// NewClient builds a client. TLS is verified against cfg.CABundle (or the
// system roots) unless cfg.InsecureSkipVerify is set. No request is made.
func NewClient(cfg ClientConfig) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, &Error{Class: ClassConfiguration, Message: err.Error(), cause: err}
	}
	cfg = cfg.withDefaults()
	host, _ := normalizeAddress(cfg.Address)

	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.InsecureSkipVerify {
		tlsConfig.InsecureSkipVerify = true //nolint:gosec // explicitly requested for labs
	} else if len(cfg.CABundle) > 0 {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(cfg.CABundle)
		tlsConfig.RootCAs = pool
	}
	transport := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       tlsConfig,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConns:          64,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	rt := httptransport.NewWithClient(host, client.DefaultBasePath, []string{"https"}, &http.Client{Transport: drainingTransport{transport}})
	// ONTAP answers application/hal+json; the generated constructor
	// registers the same codecs.
	rt.Consumers["application/hal+json"] = runtime.JSONConsumer()
	rt.Producers["application/hal+json"] = runtime.JSONProducer()
	// Debug dumps carry the Authorization header and passwords in bodies:
	// never on, whatever DEBUG or SWAGGER_DEBUG say. Only this runtime's
	// flag: SetDebug also writes go-openapi's process-wide middleware.Debug
	// (server side, unused here), a data race when clients are built from
	// several goroutines.
	rt.Debug = false

	return &Client{
		cfg:  cfg,
		api:  client.New(rt, strfmt.Default),
		rt:   rt,
		auth: httptransport.BasicAuth(cfg.Username, cfg.Password),
	}, nil
}

// Name is the configured name of the cluster.
func (c *Client) Name() string { return c.cfg.Name }

// ReportedName is the name the cluster reported at the last Info call, empty
// before.
func (c *Client) ReportedName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reportedName
}

// Info reads the cluster's identity, version and nodes.
func (c *Client) Info(ctx context.Context) (ClusterInfo, error) {
	cp := cluster.NewClusterGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithFields([]string{"name", "uuid", "version"})
	resp, err := c.api.Cluster.ClusterGet(cp, c.auth)
	if err != nil {
		return ClusterInfo{}, c.wrap("reading cluster information", err)
	}
	info := ClusterInfo{ConfiguredName: c.cfg.Name}
	if p := resp.Payload; p != nil {
		info.Name = deref(p.Name)
		if p.UUID != nil {
			info.UUID = p.UUID.String()
		}
		if p.Version != nil {
			info.Version = fmt.Sprintf("%d.%d.%d", deref(p.Version.Generation), deref(p.Version.Major), deref(p.Version.Minor))
		}
	}
	np := cluster.NewNodesGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithFields([]string{"name"})
	nodes, err := c.api.Cluster.NodesGet(np, c.auth)
	if err != nil {
		return ClusterInfo{}, c.wrap("listing cluster nodes", err)
	}
	if nodes.Payload != nil {
		for _, n := range nodes.Payload.NodeResponseInlineRecords {
			info.Nodes = append(info.Nodes, deref(n.Name))
		}
	}
	c.mu.Lock()
	c.reportedName = info.Name
	c.mu.Unlock()
	return info, nil
}

// PickAggregates returns the n online aggregates with the most free space.
func (c *Client) PickAggregates(ctx context.Context, n int) ([]Aggregate, error) {
	p := storage.NewAggregateCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithFields([]string{"name", "uuid", "state", "home_node.name", "space.block_storage.size", "space.block_storage.used", "space.block_storage.available"})
	resp, err := c.api.Storage.AggregateCollectionGet(p, c.auth)
	if err != nil {
		return nil, c.wrap("listing aggregates", err)
	}
	var out []Aggregate
	if resp.Payload != nil {
		for _, a := range resp.Payload.AggregateResponseInlineRecords {
			if deref(a.State) != "online" {
				continue
			}
			agg := Aggregate{Name: deref(a.Name), UUID: deref(a.UUID)}
			if a.HomeNode != nil {
				agg.Node = deref(a.HomeNode.Name)
			}
			if a.Space != nil && a.Space.BlockStorage != nil {
				bs := a.Space.BlockStorage
				agg.Size, agg.Used, agg.Available = deref(bs.Size), deref(bs.Used), deref(bs.Available)
			}
			out = append(out, agg)
		}
	}
	slices.SortFunc(out, func(a, b Aggregate) int {
		return cmp.Or(cmp.Compare(b.Available, a.Available), cmp.Compare(a.Name, b.Name))
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// findSVM looks an SVM up by name; nil without error when it does not exist.
func (c *Client) findSVM(ctx context.Context, name string) (*models.Svm, error) {
	p := svm.NewSvmCollectionGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).
		WithName(&name).WithFields([]string{"name", "uuid", "state", "comment", "aggregates", "max_volumes", "qos_policy"})
	resp, err := c.api.Svm.SvmCollectionGet(p, c.auth)
	if err != nil {
		return nil, err
	}
	if resp.Payload != nil {
		for _, s := range resp.Payload.SvmResponseInlineRecords {
			if deref(s.Name) == name {
				return s, nil
			}
		}
	}
	return nil, nil
}

// svmUUID resolves an SVM name for operations on its objects; secrets are
// redacted from its errors.
func (c *Client) svmUUID(ctx context.Context, op, name string, secrets ...string) (string, error) {
	s, err := c.findSVM(ctx, name)
	if err != nil {
		return "", c.wrap(op, err, secrets...)
	}
	if s == nil {
		return "", c.wrap(op, notFoundError(fmt.Sprintf("SVM %s", name)), secrets...)
	}
	return deref(s.UUID), nil
}

// waitJob polls an asynchronous job until it ends. A missing job link means
// the cluster finished the work before answering.
func (c *Client) waitJob(ctx context.Context, link *models.JobLinkResponse) error {
	if link == nil || link.Job == nil || link.Job.UUID == nil {
		return nil
	}
	uuid := link.Job.UUID.String()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.JobTimeout)
	defer cancel()
	interval := c.cfg.JobPollInterval
	for {
		p := cluster.NewJobGetParams().WithContext(ctx).WithTimeout(c.cfg.RequestTimeout).WithUUID(uuid).
			WithFields([]string{"state", "message", "code", "error"})
		resp, err := c.api.Cluster.JobGet(p, c.auth)
		if err != nil {
			return err
		}
		job := resp.Payload
		switch deref(job.State) {
		case "success":
			return nil
		case "failure":
			e := &Error{Class: ClassRetriable, Job: uuid, Message: deref(job.Message)}
			if job.Code != nil {
				e.Code = fmt.Sprint(*job.Code)
			}
			if job.Error != nil {
				e.Code = cmp.Or(deref(job.Error.Code), e.Code)
				e.Message = cmp.Or(deref(job.Error.Message), e.Message)
			}
			e.Class = classForStatus(0, e.Code)
			if e.Class == ClassUnknown {
				e.Class = ClassRetriable
			}
			return e
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return &Error{Class: ClassRetriable, Job: uuid, Message: "timed out waiting for the job", cause: ctx.Err()}
		case <-t.C:
		}
		interval = min(2*interval, maxJobPollInterval)
	}
}

// drainingTransport reads what is left of a response body before closing it.
// The generated client does not read bodies it has no model for (e.g. the
// "{}" of a 201), and an unread body costs the keep-alive connection, i.e. a
// new TLS handshake per write.
type drainingTransport struct{ next http.RoundTripper }

func (t drainingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.Body != nil {
		resp.Body = drainingBody{resp.Body}
	}
	return resp, err
}

type drainingBody struct{ io.ReadCloser }

func (b drainingBody) Close() error {
	_, _ = io.Copy(io.Discard, io.LimitReader(b.ReadCloser, 64<<10))
	return b.ReadCloser.Close()
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
