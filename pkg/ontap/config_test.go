package ontap_test

import (
	"context"
	"net/netip"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func secret(name string, data map[string]string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "garden"}, Data: map[string][]byte{}}
	for k, v := range data {
		s.Data[k] = []byte(v)
	}
	return s
}

var _ = Describe("ClientConfigsFromSecret", func() {
	DescribeTable("valid secrets",
		func(s *corev1.Secret, want []ontap.ClientConfig) {
			got, err := ontap.ClientConfigsFromSecret(s)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(HaveLen(len(want)))
			for i := range want {
				Expect(got[i].Name).To(Equal(want[i].Name))
				Expect(got[i].Address).To(Equal(want[i].Address))
				Expect(got[i].Username).To(Equal(want[i].Username))
				Expect(got[i].Password).To(Equal(want[i].Password))
				Expect(got[i].InsecureSkipVerify).To(Equal(want[i].InsecureSkipVerify))
			}
		},
		Entry("one cluster named after the secret",
			secret("ontap-a", map[string]string{"address": "10.0.0.1", "username": "admin", "password": "pw-1234567"}),
			[]ontap.ClientConfig{{Name: "ontap-a", Address: "10.0.0.1", Username: "admin", Password: "pw-1234567"}}),
		Entry("one cluster with name, port and insecureSkipVerify",
			secret("x", map[string]string{"name": "lab", "address": "lab.example:8443", "username": "u", "password": "p", "insecureSkipVerify": "true"}),
			[]ontap.ClientConfig{{Name: "lab", Address: "lab.example:8443", Username: "u", Password: "p", InsecureSkipVerify: true}}),
		Entry("an IPv6 address and an https URL",
			secret("v6", map[string]string{"address": "https://[fd00::1]:443", "username": "u", "password": "p"}),
			[]ontap.ClientConfig{{Name: "v6", Address: "https://[fd00::1]:443", Username: "u", Password: "p"}}),
		Entry("several clusters in one secret",
			secret("many", map[string]string{"clusters": `
- name: site-a
  address: 10.0.0.1
  username: admin
  password: pw-a
- name: site-b
  address: 10.0.0.2:443
  username: admin
  password: pw-b
  insecureSkipVerify: true
`}),
			[]ontap.ClientConfig{
				{Name: "site-a", Address: "10.0.0.1", Username: "admin", Password: "pw-a"},
				{Name: "site-b", Address: "10.0.0.2:443", Username: "admin", Password: "pw-b", InsecureSkipVerify: true},
			}),
	)

	DescribeTable("invalid secrets are reported without their passwords",
		func(s *corev1.Secret, want string) {
			_, err := ontap.ClientConfigsFromSecret(s)
			Expect(err).To(MatchError(ContainSubstring(want)))
			Expect(err.Error()).NotTo(ContainSubstring("Top-secret-1"))
		},
		Entry("no address", secret("a", map[string]string{"username": "u", "password": "Top-secret-1"}), "address is empty"),
		Entry("no password", secret("a", map[string]string{"address": "h", "username": "u"}), "password is empty"),
		Entry("a path in the address", secret("a", map[string]string{"address": "h/api", "username": "u", "password": "Top-secret-1"}), "must be host[:port]"),
		Entry("http instead of https", secret("a", map[string]string{"address": "http://h", "username": "u", "password": "Top-secret-1"}), "only https"),
		Entry("a bad port", secret("a", map[string]string{"address": "h:99999", "username": "u", "password": "Top-secret-1"}), "invalid port"),
		Entry("a CA bundle without certificates", secret("a", map[string]string{"address": "h", "username": "u", "password": "Top-secret-1", "caBundle": "nope"}), "caBundle holds no PEM"),
		Entry("insecureSkipVerify not a bool", secret("a", map[string]string{"address": "h", "username": "u", "password": "Top-secret-1", "insecureSkipVerify": "yes please"}), "insecureSkipVerify"),
		Entry("a clusters key that is not a list", secret("a", map[string]string{"clusters": "password: Top-secret-1"}), "not a list of clusters"),
		Entry("a cluster listed twice", secret("a", map[string]string{"clusters": "[{name: x, address: h, username: u, password: Top-secret-1}, {name: x, address: h, username: u, password: Top-secret-1}]"}), "listed twice"),
	)

	It("keeps the valid clusters of a set and reports the broken ones", func() {
		cs, err := ontap.ClustersFromSecrets(
			secret("good", map[string]string{"address": "10.0.0.1", "username": "u", "password": "Top-secret-1"}),
			secret("bad", map[string]string{"address": "", "username": "u", "password": "Top-secret-1"}),
		)
		Expect(err).To(MatchError(ContainSubstring("secret garden/bad")))
		Expect(ontap.IsConfiguration(err)).To(BeTrue())
		Expect(cs.Names()).To(Equal([]string{"good"}))
	})

	It("takes the CA bundle as PEM", func() {
		srv, err := ontapapi.Start(context.Background(), ontapapi.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		cfgs, err := ontap.ClientConfigsFromSecret(secret("ca", map[string]string{
			"address": srv.Address(), "username": "admin", "password": ontapapi.DefaultAdminPassword, "caBundle": string(srv.CACert()),
		}))
		Expect(err).NotTo(HaveOccurred())
		Expect(cfgs[0].CABundle).To(Equal(srv.CACert()))
		cl, err := ontap.NewClient(cfgs[0])
		Expect(err).NotTo(HaveOccurred())
		Expect(cl.Info(context.Background())).To(HaveField("Name", "sim-cluster"))
	})
})

var _ = Describe("protocols and export policies", func() {
	var (
		ctx context.Context
		srv *ontapapi.Server
		c   *ontap.Client
	)

	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
		DeferCleanup(cancel)
		var err error
		srv, err = ontapapi.Start(ctx, ontapapi.Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		c = adminClient(srv)
		Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "proto"})).Error().NotTo(HaveOccurred())
	})

	It("creates, then re-enables a disabled service with one write", func() {
		Expect(c.EnsureProtocols(ctx, "proto", ontap.ProtocolISCSI, ontap.ProtocolNVMe)).To(Succeed())
		Expect(srv.State().Services).To(ConsistOf(
			ontapapi.ServiceState{SVM: "proto", Protocol: "iscsi", Enabled: true},
			ontapapi.ServiceState{SVM: "proto", Protocol: "nvme", Enabled: true},
		))
		mark := srv.Mark()
		Expect(c.EnsureProtocols(ctx, "proto", ontap.ProtocolISCSI, ontap.ProtocolNVMe)).To(Succeed())
		Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

		// Someone disables iSCSI on the cluster.
		Expect(srv.SetServiceEnabled("proto", "iscsi", false)).To(Succeed())
		mark = srv.Mark()
		Expect(c.EnsureProtocols(ctx, "proto", ontap.ProtocolISCSI, ontap.ProtocolNVMe)).To(Succeed())
		Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/protocols/san/iscsi/services/{svm.uuid}"}))
		Expect(srv.State().Services).To(ContainElement(ontapapi.ServiceState{SVM: "proto", Protocol: "iscsi", Enabled: true}))
	})

	It("rejects unknown protocols as configuration errors", func() {
		err := c.EnsureProtocols(ctx, "proto", ontap.Protocol("smb"))
		Expect(ontap.IsConfiguration(err)).To(BeTrue())
		Expect(err).To(MatchError(ContainSubstring(`unknown protocol "smb"`)))
	})

	It("creates an export policy and replaces drifted rules", func() {
		spec := ontap.ExportPolicySpec{Name: "nodes", Clients: []netip.Prefix{netip.MustParsePrefix("10.250.0.0/16"), netip.MustParsePrefix("fd00:250::/64")}}
		Expect(c.EnsureExportPolicy(ctx, "proto", spec)).To(Succeed())
		Expect(srv.State().ExportPolicies).To(ContainElement(And(HaveField("Name", "nodes"), HaveField("Clients", [][]string{{"10.250.0.0/16"}, {"fd00:250::/64"}}))))

		mark := srv.Mark()
		Expect(c.EnsureExportPolicy(ctx, "proto", spec)).To(Succeed())
		Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

		spec.Clients = spec.Clients[:1]
		Expect(c.EnsureExportPolicy(ctx, "proto", spec)).To(Succeed())
		Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/protocols/nfs/export-policies/{id}"}))
		Expect(srv.State().ExportPolicies).To(ContainElement(And(HaveField("Name", "nodes"), HaveField("Clients", [][]string{{"10.250.0.0/16"}}))))
	})
})
