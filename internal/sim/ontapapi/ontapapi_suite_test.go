package ontapapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
)

func TestOntapAPI(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ONTAP REST simulator suite")
}

// httpClient trusts only the simulator's CA.
func httpClient(srv *ontapapi.Server) *http.Client {
	pool := x509.NewCertPool()
	Expect(pool.AppendCertsFromPEM(srv.CACert())).To(BeTrue())
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// tridentClient is trident's generated client, unchanged, over verified TLS.
func tridentClient(srv *ontapapi.Server) *client.ONTAPRESTAPIOnlineReference {
	rt := httptransport.NewWithClient(srv.Address(), client.DefaultBasePath, []string{"https"}, httpClient(srv))
	rt.Consumers["application/hal+json"] = runtime.JSONConsumer()
	rt.Producers["application/hal+json"] = runtime.JSONProducer()
	return client.New(rt, strfmt.Default)
}

func admin(srv *ontapapi.Server) runtime.ClientAuthInfoWriter {
	user, password := srv.AdminCredentials()
	return httptransport.BasicAuth(user, password)
}

// rawCall sends a request and decodes the JSON answer.
func rawCall(srv *ontapapi.Server, method, path, user, password, body string) (int, map[string]any) {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(context.Background(), method, srv.URL()+path, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := httpClient(srv).Do(req)
	Expect(err).NotTo(HaveOccurred())
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	out := map[string]any{}
	Expect(json.Unmarshal(raw, &out)).To(Succeed(), string(raw))
	return resp.StatusCode, out
}
