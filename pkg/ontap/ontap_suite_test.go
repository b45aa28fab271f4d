package ontap_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func TestOntap(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "ONTAP client suite")
}

// clientFor builds a client for the simulator with TLS verification on.
func clientFor(srv *ontapapi.Server, user, password string) *ontap.Client {
	GinkgoHelper()
	c, err := ontap.NewClient(configFor(srv, user, password))
	Expect(err).NotTo(HaveOccurred())
	return c
}

func configFor(srv *ontapapi.Server, user, password string) ontap.ClientConfig {
	return ontap.ClientConfig{
		Name:            "sim",
		Address:         srv.Address(),
		Username:        user,
		Password:        password,
		CABundle:        srv.CACert(),
		JobPollInterval: ontap.DefaultJobPollInterval,
	}
}

func adminClient(srv *ontapapi.Server) *ontap.Client {
	GinkgoHelper()
	user, password := srv.AdminCredentials()
	return clientFor(srv, user, password)
}

// shoot is what the ontap controller sets up for one shoot.
type shoot struct {
	svm, user, password string
	index               int
}

func (s shoot) lifs() []ontap.LIFSpec {
	return []ontap.LIFSpec{
		{Name: "data-v4", Address: netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.10/24", s.index/250, s.index%250)), HomeNode: "sim-cluster-01", ServicePolicy: "default-data-nvme-tcp"},
		{Name: "data-v6", Address: netip.MustParsePrefix(fmt.Sprintf("fd00:%x::10/64", s.index+1)), HomeNode: "sim-cluster-02", ServicePolicy: "default-data-nvme-tcp"},
		{Name: "mgmt", Address: netip.MustParsePrefix(fmt.Sprintf("10.%d.%d.11/24", s.index/250, s.index%250)), HomeNode: "sim-cluster-01", ServicePolicy: "default-management"},
	}
}

func (s shoot) route() ontap.RouteSpec {
	return ontap.RouteSpec{
		Destination: netip.MustParsePrefix("0.0.0.0/0"),
		Gateway:     netip.MustParseAddr(fmt.Sprintf("10.%d.%d.1", s.index/250, s.index%250)),
	}
}

// provision runs the controller's reconcile steps against a cluster.
func provision(ctx context.Context, c ontap.Cluster, s shoot) error {
	aggrs, err := c.PickAggregates(ctx, 2)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(aggrs))
	for _, a := range aggrs {
		names = append(names, a.Name)
	}
	if _, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: s.svm, Comment: "metalgarden shoot " + s.svm, Aggregates: names}); err != nil {
		return err
	}
	for _, l := range s.lifs() {
		if _, err := c.EnsureInterface(ctx, s.svm, l); err != nil {
			return err
		}
	}
	if err := c.EnsureProtocols(ctx, s.svm, ontap.ProtocolNVMe, ontap.ProtocolNFS); err != nil {
		return err
	}
	if err := c.EnsureExportPolicy(ctx, s.svm, ontap.ExportPolicySpec{Name: "shoot-nodes", Clients: []netip.Prefix{netip.MustParsePrefix("10.250.0.0/16")}}); err != nil {
		return err
	}
	if err := c.EnsureAccount(ctx, s.svm, s.user, s.password); err != nil {
		return err
	}
	_, err = c.EnsureRoute(ctx, s.svm, s.route())
	return err
}
