package ontap_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

var _ = Describe("Client against the ONTAP simulator", func() {
	var (
		ctx    context.Context
		cancel context.CancelFunc
		srv    *ontapapi.Server
		c      *ontap.Client
		cfg    ontapapi.Config
	)

	JustBeforeEach(func() {
		var err error
		srv, err = ontapapi.Start(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		c = adminClient(srv)
	})

	BeforeEach(func() {
		ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
		DeferCleanup(func() { cancel() })
		cfg = ontapapi.Config{}
	})

	svmCount := func(name string) int {
		n := 0
		for _, s := range srv.State().SVMs {
			if s.Name == name {
				n++
			}
		}
		return n
	}

	Describe("cluster information and placement", func() {
		It("reads the cluster and picks the aggregates with the most room", func() {
			info, err := c.Info(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(info.Name).To(Equal("sim-cluster"))
			Expect(info.Version).To(Equal("9.14.1"))
			Expect(info.Nodes).To(ConsistOf("sim-cluster-01", "sim-cluster-02"))

			aggrs, err := c.PickAggregates(ctx, 2)
			Expect(err).NotTo(HaveOccurred())
			Expect(aggrs).To(HaveLen(2))
			Expect(aggrs[0].Name).To(Equal("sim_02_aggr1"))
			Expect(aggrs[1].Name).To(Equal("sim_01_aggr1"))
			Expect(aggrs[0].Available).To(BeNumerically(">", aggrs[1].Available))
		})

		It("follows the free space when volumes take it", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "filler", Aggregates: []string{"sim_02_aggr1"}})).Error().NotTo(HaveOccurred())
			Expect(srv.CreateVolume("filler", "big", 10<<40)).To(Succeed())
			aggrs, err := c.PickAggregates(ctx, 1)
			Expect(err).NotTo(HaveOccurred())
			Expect(aggrs[0].Name).To(Equal("sim_01_aggr1"))
		})
	})

	Describe("provisioning a shoot", func() {
		s := shoot{svm: "shoot--p--a", user: "trident", password: "Trident-pw-1", index: 1}

		It("creates everything and a second run makes zero write calls", func() {
			Expect(provision(ctx, c, s)).To(Succeed())

			state := srv.State()
			Expect(svmCount(s.svm)).To(Equal(1))
			svm := state.SVMs[slices.IndexFunc(state.SVMs, func(v ontapapi.SVMState) bool { return v.Name == s.svm })]
			Expect(svm.State).To(Equal("running"))
			Expect(svm.Comment).To(Equal("metalgarden shoot " + s.svm))
			Expect(svm.Aggregates).To(ConsistOf("sim_02_aggr1", "sim_01_aggr1"))
			Expect(state.Interfaces).To(ContainElements(
				And(HaveField("SVM", s.svm), HaveField("Name", "data-v4"), HaveField("Address", "10.0.1.10"), HaveField("PrefixLength", "24"),
					HaveField("ServicePolicy", "default-data-nvme-tcp"), HaveField("Services", ContainElement("data-nvme-tcp"))),
				And(HaveField("SVM", s.svm), HaveField("Name", "data-v6"), HaveField("Address", "fd00:2::10"), HaveField("PrefixLength", "64"), HaveField("HomeNode", "sim-cluster-02")),
				And(HaveField("SVM", s.svm), HaveField("Name", "mgmt"), HaveField("ServicePolicy", "default-management")),
			))
			Expect(state.Services).To(ConsistOf(
				ontapapi.ServiceState{SVM: s.svm, Protocol: "nvme", Enabled: true},
				ontapapi.ServiceState{SVM: s.svm, Protocol: "nfs", Enabled: true},
			))
			Expect(state.Accounts).To(ContainElement(ontapapi.AccountState{
				Owner: s.svm, Name: s.user, Scope: "svm", Role: "vsadmin", Applications: []string{"http", "ontapi"},
			}))
			Expect(state.Routes).To(ContainElement(And(HaveField("SVM", s.svm), HaveField("Destination", "0.0.0.0/0"), HaveField("Gateway", "10.0.1.1"))))

			mark := srv.Mark()
			Expect(provision(ctx, c, s)).To(Succeed())
			calls := srv.CallsSince(mark)
			Expect(calls.Writes().Endpoints()).To(BeEmpty())
			Expect(calls).NotTo(BeEmpty())
		})
	})

	Context("with slow jobs", func() {
		BeforeEach(func() { cfg.JobDelay = 150 * time.Millisecond })

		It("polls the create job through queued/running until success", func() {
			mark := srv.Mark()
			svm, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "slow"})
			Expect(err).NotTo(HaveOccurred())
			Expect(svm.State).To(Equal("running"))
			Expect(srv.CallsSince(mark).Count("GET", "/api/cluster/jobs/{uuid}")).To(BeNumerically(">=", 2))
			Expect(srv.State().Jobs).To(ContainElement(And(HaveField("Description", "POST /api/svm/svms"), HaveField("State", "success"))))
		})
	})

	It("retries a lost answer to the SVM create request without creating a second SVM", func() {
		srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/svms", Times: 1, DropResponse: true})
		mark := srv.Mark()
		_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "lost-answer"})
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("creating SVM lost-answer on ONTAP cluster sim"))
		Expect(ontap.IsRetriable(err)).To(BeTrue(), "%v", err)

		svm, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "lost-answer"})
		Expect(err).NotTo(HaveOccurred())
		Expect(svm.State).To(Equal("running"))
		Expect(svmCount("lost-answer")).To(Equal(1))
		Expect(srv.CallsSince(mark).Count("POST", "/api/svm/svms")).To(Equal(1))
	})

	Context("with jobs still running when the retry comes", func() {
		BeforeEach(func() { cfg.JobDelay = 300 * time.Millisecond })

		It("finds the initializing SVM, waits for it and does not create a second", func() {
			srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/svms", Times: 1, DropResponse: true})
			mark := srv.Mark()
			_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "lost-answer"})
			Expect(ontap.IsRetriable(err)).To(BeTrue(), "%v", err)
			Expect(srv.State().SVMs).To(ContainElement(And(HaveField("Name", "lost-answer"), HaveField("State", "initializing"))))

			svm, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "lost-answer"})
			Expect(err).NotTo(HaveOccurred())
			Expect(svm.State).To(Equal("running"))
			Expect(svmCount("lost-answer")).To(Equal(1))
			Expect(srv.CallsSince(mark).Count("POST", "/api/svm/svms")).To(Equal(1))
		})
	})

	It("reports a failed create job with its message", func() {
		srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/svms", Times: 1, JobFailure: "Insufficient licences for another SVM"})
		_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "doomed"})
		Expect(err).To(MatchError(ContainSubstring("creating SVM doomed on ONTAP cluster sim: job ")))
		Expect(err).To(MatchError(ContainSubstring("Insufficient licences for another SVM")))
		Expect(svmCount("doomed")).To(BeZero())
	})

	It("repairs the SVM's comment and aggregates", func() {
		Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "drifty", Comment: "old", Aggregates: []string{"sim_01_aggr1"}})).Error().NotTo(HaveOccurred())
		mark := srv.Mark()
		svm, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "drifty", Comment: "new", Aggregates: []string{"sim_02_aggr1", "sim_01_aggr2"}})
		Expect(err).NotTo(HaveOccurred())
		Expect(svm.Comment).To(Equal("new"))
		Expect(svm.Aggregates).To(Equal([]string{"sim_01_aggr2", "sim_02_aggr1"}))
		Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/svm/svms/{uuid}"}))
	})

	Describe("interfaces", func() {
		base := ontap.LIFSpec{Name: "data", Address: netip.MustParsePrefix("10.9.0.10/24"), HomeNode: "sim-cluster-01", ServicePolicy: "default-data-nvme-tcp"}

		JustBeforeEach(func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "net"})).Error().NotTo(HaveOccurred())
			Expect(c.EnsureInterface(ctx, "net", base)).Error().NotTo(HaveOccurred())
		})

		DescribeTable("drift is repaired with one write",
			func(drift func(), spec ontap.LIFSpec, wantWrite string) {
				drift()
				mark := srv.Mark()
				lif, err := c.EnsureInterface(ctx, "net", spec)
				Expect(err).NotTo(HaveOccurred())
				Expect(lif.Address).To(Equal(spec.Address))
				Expect(lif.HomeNode).To(Equal(spec.HomeNode))
				Expect(lif.ServicePolicy).To(Equal(spec.ServicePolicy))
				Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{wantWrite}))

				mark = srv.Mark()
				Expect(c.EnsureInterface(ctx, "net", spec)).Error().NotTo(HaveOccurred())
				Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			},
			Entry("wrong IPv4 address", func() {
				Expect(srv.DriftInterface("net", "data", ontapapi.InterfaceDrift{Address: "10.9.0.99"})).To(Succeed())
			}, base, "PATCH /api/network/ip/interfaces/{uuid}"),
			Entry("wrong prefix length", func() {
				Expect(srv.DriftInterface("net", "data", ontapapi.InterfaceDrift{Address: "10.9.0.10", PrefixLength: 16})).To(Succeed())
			}, base, "PATCH /api/network/ip/interfaces/{uuid}"),
			Entry("moved to IPv6 in the spec", func() {}, func() ontap.LIFSpec {
				s := base
				s.Address = netip.MustParsePrefix("fd00:9::10/64")
				return s
			}(), "PATCH /api/network/ip/interfaces/{uuid}"),
			Entry("wrong home node", func() {
				Expect(srv.DriftInterface("net", "data", ontapapi.InterfaceDrift{HomeNode: "sim-cluster-02"})).To(Succeed())
			}, base, "PATCH /api/network/ip/interfaces/{uuid}"),
			Entry("wrong service policy", func() {
				Expect(srv.DriftInterface("net", "data", ontapapi.InterfaceDrift{ServicePolicy: "default-data-files"})).To(Succeed())
			}, base, "PATCH /api/network/ip/interfaces/{uuid}"),
			Entry("missing interface", func() {
				Expect(c.DeleteInterface(ctx, "net", "data")).To(Succeed())
			}, base, "POST /api/network/ip/interfaces"),
		)

		It("lists and deletes interfaces; deleting a missing one is fine", func() {
			lifs, err := c.ListInterfaces(ctx, "net")
			Expect(err).NotTo(HaveOccurred())
			Expect(lifs).To(ConsistOf(And(HaveField("Name", "data"), HaveField("SVM", "net"), HaveField("Enabled", true),
				HaveField("Services", ContainElements("data-core", "data-nvme-tcp")))))
			Expect(c.DeleteInterface(ctx, "net", "data")).To(Succeed())
			Expect(c.DeleteInterface(ctx, "net", "data")).To(Succeed())
			Expect(c.ListInterfaces(ctx, "net")).To(BeEmpty())
		})

		It("reports an address taken by another SVM as a configuration problem", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "other"})).Error().NotTo(HaveOccurred())
			_, err := c.EnsureInterface(ctx, "other", base)
			Expect(err).To(MatchError(ContainSubstring("creating interface data of SVM other on ONTAP cluster sim: HTTP 409")))
			Expect(ontap.IsConfiguration(err)).To(BeTrue())
		})

		It("replaces a route whose gateway changed", func() {
			spec := ontap.RouteSpec{Destination: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("10.9.0.1")}
			Expect(c.EnsureRoute(ctx, "net", spec)).Error().NotTo(HaveOccurred())
			spec.Gateway = netip.MustParseAddr("10.9.0.254")
			route, err := c.EnsureRoute(ctx, "net", spec)
			Expect(err).NotTo(HaveOccurred())
			Expect(route.Gateway).To(Equal(spec.Gateway))
			Expect(c.ListRoutes(ctx, "net")).To(ConsistOf(HaveField("Gateway", spec.Gateway)))
			Expect(c.DeleteRoute(ctx, "net", spec)).To(Succeed())
			Expect(c.ListRoutes(ctx, "net")).To(BeEmpty())
		})
	})

	Describe("accounts", func() {
		JustBeforeEach(func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "acct"})).Error().NotTo(HaveOccurred())
		})

		canLogIn := func(user, password string) error {
			_, err := clientFor(srv, user, password).GetSVM(ctx, "acct")
			return err
		}

		It("creates the account and changes its password", func() {
			Expect(c.EnsureAccount(ctx, "acct", "trident", "First-pw-1")).To(Succeed())
			Expect(canLogIn("trident", "First-pw-1")).To(Succeed())

			mark := srv.Mark()
			Expect(c.EnsureAccount(ctx, "acct", "trident", "First-pw-1")).To(Succeed())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

			mark = srv.Mark()
			Expect(c.EnsureAccount(ctx, "acct", "trident", "Second-pw-2")).To(Succeed())
			Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/security/accounts/{owner.uuid}/{name}"}))
			Expect(canLogIn("trident", "Second-pw-2")).To(Succeed())
			err := canLogIn("trident", "First-pw-1")
			Expect(err).To(MatchError(ContainSubstring("HTTP 401")))
			Expect(ontap.IsConfiguration(err)).To(BeTrue())
		})

		DescribeTable("a success status the generated client does not expect is still success",
			func(method, path string, status int, act func() error) {
				srv.InjectFault(ontapapi.Fault{Method: method, Path: path, Times: 1, RewriteStatus: status})
				Expect(act()).To(Succeed())
				Expect(srv.CallsSince(0).Count(method, path)).To(BeNumerically(">=", 1))
			},
			Entry("password change answered 201 instead of 200", "PATCH", "/api/security/accounts/*", 201, func() error {
				srv.ClearFaults()
				if err := c.EnsureAccount(ctx, "acct", "trident", "First-pw-1"); err != nil {
					return err
				}
				srv.InjectFault(ontapapi.Fault{Method: "PATCH", Path: "/api/security/accounts/*", Times: 1, RewriteStatus: 201})
				if err := c.EnsureAccount(ctx, "acct", "trident", "Other-pw-3"); err != nil {
					return err
				}
				return canLogIn("trident", "Other-pw-3")
			}),
			Entry("account create answered 200 instead of 201", "POST", "/api/security/accounts", 200, func() error {
				return c.EnsureAccount(ctx, "acct", "quirky", "Quirky-pw-4")
			}),
			Entry("SVM create answered 201 instead of 202 (finished within return_timeout)", "POST", "/api/svm/svms", 201, func() error {
				_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "quick"})
				return err
			}),
			Entry("interface create answered 200 instead of 201", "POST", "/api/network/ip/interfaces", 200, func() error {
				_, err := c.EnsureInterface(ctx, "acct", ontap.LIFSpec{Name: "l", Address: netip.MustParsePrefix("10.8.0.1/24"), HomeNode: "sim-cluster-01", ServicePolicy: "default-data-files"})
				return err
			}),
		)

		It("rejects a weak password as a configuration problem without echoing it", func() {
			err := c.EnsureAccount(ctx, "acct", "trident", "weakpass")
			Expect(err).To(HaveOccurred())
			Expect(ontap.IsConfiguration(err)).To(BeTrue())
			Expect(err.Error()).To(ContainSubstring("creating account trident of SVM acct"))
			Expect(err.Error()).NotTo(ContainSubstring("weakpass"))
		})

		It("deletes the account; deleting a missing one is fine", func() {
			Expect(c.EnsureAccount(ctx, "acct", "trident", "First-pw-1")).To(Succeed())
			Expect(c.DeleteAccount(ctx, "acct", "trident")).To(Succeed())
			Expect(c.DeleteAccount(ctx, "acct", "trident")).To(Succeed())
			Expect(canLogIn("trident", "First-pw-1")).To(MatchError(ContainSubstring("HTTP 401")))
		})
	})

	It("gives two shoots' accounts a view of their own SVM only", func() {
		a := shoot{svm: "shoot-a", user: "trident", password: "Shoot-a-pw-1", index: 1}
		b := shoot{svm: "shoot-b", user: "trident", password: "Shoot-b-pw-2", index: 2}
		Expect(provision(ctx, c, a)).To(Succeed())
		Expect(provision(ctx, c, b)).To(Succeed())

		for _, pair := range [][2]shoot{{a, b}, {b, a}} {
			own, other := pair[0], pair[1]
			sc := clientFor(srv, own.user, own.password)
			Expect(sc.GetSVM(ctx, own.svm)).To(HaveField("Name", own.svm))
			_, err := sc.GetSVM(ctx, other.svm)
			Expect(ontap.IsNotFound(err)).To(BeTrue(), "%s must not see %s: %v", own.svm, other.svm, err)
			lifs, err := sc.ListInterfaces(ctx, own.svm)
			Expect(err).NotTo(HaveOccurred())
			Expect(lifs).To(HaveLen(3))
			for _, l := range lifs {
				Expect(l.SVM).To(Equal(own.svm))
			}
			_, err = sc.ListInterfaces(ctx, other.svm)
			Expect(ontap.IsNotFound(err)).To(BeTrue())
			// An SVM account may not create SVMs.
			_, err = sc.EnsureSVM(ctx, ontap.SVMSpec{Name: own.svm + "-x"})
			Expect(err).To(MatchError(ContainSubstring("HTTP 403")))
		}
	})

	Describe("limits", func() {
		svmState := func(name string) ontapapi.SVMState {
			GinkgoHelper()
			state := srv.State()
			i := slices.IndexFunc(state.SVMs, func(v ontapapi.SVMState) bool { return v.Name == name })
			Expect(i).NotTo(BeNumerically("<", 0), "SVM %s not found", name)
			return state.SVMs[i]
		}
		qosState := func(name string) ontapapi.QoSPolicyState {
			GinkgoHelper()
			state := srv.State()
			i := slices.IndexFunc(state.QoSPolicies, func(p ontapapi.QoSPolicyState) bool { return p.Name == name })
			Expect(i).NotTo(BeNumerically("<", 0), "QoS policy %s not found", name)
			return state.QoSPolicies[i]
		}

		It("sets the SVM's volume limit, which the cluster enforces, and repairs it with one write", func() {
			svm, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "limited", MaxVolumes: 2})
			Expect(err).NotTo(HaveOccurred())
			Expect(svm.MaxVolumes).To(Equal(2))
			Expect(svmState("limited").MaxVolumes).To(Equal("2"))

			mark := srv.Mark()
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "limited", MaxVolumes: 2})).Error().NotTo(HaveOccurred())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

			Expect(srv.CreateVolume("limited", "pvc_1", 1<<30)).To(Succeed())
			Expect(srv.CreateVolume("limited", "pvc_2", 1<<30)).To(Succeed())
			Expect(srv.CreateVolume("limited", "pvc_3", 1<<30)).To(MatchError(ContainSubstring("limit of 2 volumes")))

			By("repairing a limit changed by hand")
			Expect(srv.SetSVMMaxVolumes("limited", "unlimited")).To(Succeed())
			mark = srv.Mark()
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "limited", MaxVolumes: 2})).To(HaveField("MaxVolumes", 2))
			Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/svm/svms/{uuid}"}))

			By("lifting the limit")
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "limited"})).To(HaveField("MaxVolumes", 0))
			Expect(svmState("limited").MaxVolumes).To(Equal("unlimited"))
			Expect(srv.CreateVolume("limited", "pvc_3", 1<<30)).To(Succeed())

			By("refusing a limit below the volumes the SVM holds")
			_, err = c.EnsureSVM(ctx, ontap.SVMSpec{Name: "limited", MaxVolumes: 1})
			Expect(err).To(MatchError(ContainSubstring("updating SVM limited on ONTAP cluster sim")))
			Expect(ontap.IsConfiguration(err)).To(BeTrue(), "%v", err)
		})

		It("creates a shared QoS policy, applies it to the SVM and writes nothing when all is in place", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "capped"})).Error().NotTo(HaveOccurred())
			spec := ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 5000, MaxThroughputMBps: 200}

			mark := srv.Mark()
			policy, err := c.EnsureQoSPolicy(ctx, "capped", spec)
			Expect(err).NotTo(HaveOccurred())
			Expect(policy).To(And(HaveField("Name", "capped_qos"), HaveField("SVM", "capped"), HaveField("MaxIOPS", int64(5000)),
				HaveField("MaxThroughputMBps", int64(200)), HaveField("Shared", true), HaveField("UUID", Not(BeEmpty()))))
			Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"POST /api/storage/qos/policies", "PATCH /api/svm/svms/{uuid}"}))
			Expect(qosState("capped_qos")).To(Equal(ontapapi.QoSPolicyState{
				SVM: "capped", Name: "capped_qos", UUID: policy.UUID, MaxThroughputIOPS: 5000, MaxThroughputMBps: 200,
				CapacityShared: true, UsedBy: []string{"capped"},
			}))
			Expect(svmState("capped").QoSPolicy).To(Equal("capped_qos"))
			Expect(c.GetSVM(ctx, "capped")).To(HaveField("QoSPolicy", "capped_qos"))

			mark = srv.Mark()
			Expect(c.EnsureQoSPolicy(ctx, "capped", spec)).To(Equal(policy))
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			Expect(srv.CallsSince(mark)).NotTo(BeEmpty())
		})

		DescribeTable("drift of the QoS policy is repaired with one write",
			func(drift func(), spec ontap.QoSPolicySpec, wantWrite string) {
				Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "capped"})).Error().NotTo(HaveOccurred())
				Expect(c.EnsureQoSPolicy(ctx, "capped", ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 5000})).Error().NotTo(HaveOccurred())
				drift()

				mark := srv.Mark()
				Expect(c.EnsureQoSPolicy(ctx, "capped", spec)).Error().NotTo(HaveOccurred())
				Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{wantWrite}))
				Expect(qosState("capped_qos")).To(And(HaveField("MaxThroughputIOPS", spec.MaxIOPS), HaveField("MaxThroughputMBps", spec.MaxThroughputMBps),
					HaveField("UsedBy", []string{"capped"})))

				mark = srv.Mark()
				Expect(c.EnsureQoSPolicy(ctx, "capped", spec)).Error().NotTo(HaveOccurred())
				Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			},
			Entry("limits changed by hand", func() { Expect(srv.SetQoSPolicyLimits("capped_qos", 100, 0)).To(Succeed()) },
				ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 5000}, "PATCH /api/storage/qos/policies/{uuid}"),
			Entry("new limits in the spec", func() {},
				ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 8000, MaxThroughputMBps: 400}, "PATCH /api/storage/qos/policies/{uuid}"),
			Entry("policy removed from the SVM by hand", func() { Expect(srv.SetSVMQoSPolicy("capped", "")).To(Succeed()) },
				ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 5000}, "PATCH /api/svm/svms/{uuid}"),
		)

		It("refuses a policy name another SVM owns as a configuration problem", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "first"})).Error().NotTo(HaveOccurred())
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "second"})).Error().NotTo(HaveOccurred())
			Expect(c.EnsureQoSPolicy(ctx, "first", ontap.QoSPolicySpec{Name: "taken", MaxIOPS: 100})).Error().NotTo(HaveOccurred())

			mark := srv.Mark()
			_, err := c.EnsureQoSPolicy(ctx, "second", ontap.QoSPolicySpec{Name: "taken", MaxIOPS: 100})
			Expect(err).To(MatchError(ContainSubstring(`ensuring QoS policy taken of SVM second on ONTAP cluster sim: QoS policy taken belongs to SVM "first"`)))
			Expect(ontap.IsConfiguration(err)).To(BeTrue())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())

			By("leaving the other SVM's policy alone when asked to delete it")
			Expect(c.DeleteQoSPolicy(ctx, "second", "taken")).To(Succeed())
			Expect(qosState("taken").UsedBy).To(Equal([]string{"first"}))
		})

		It("removes the policy from the SVM before deleting it; deleting a missing one writes nothing", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "capped"})).Error().NotTo(HaveOccurred())
			Expect(c.EnsureQoSPolicy(ctx, "capped", ontap.QoSPolicySpec{Name: "capped_qos", MaxThroughputMBps: 100})).Error().NotTo(HaveOccurred())

			mark := srv.Mark()
			Expect(c.DeleteQoSPolicy(ctx, "capped", "capped_qos")).To(Succeed())
			Expect(srv.CallsSince(mark).Writes().Endpoints()).To(Equal([]string{"PATCH /api/svm/svms/{uuid}", "DELETE /api/storage/qos/policies/{uuid}"}))
			Expect(srv.State().QoSPolicies).To(BeEmpty())
			Expect(svmState("capped").QoSPolicy).To(BeEmpty())

			mark = srv.Mark()
			Expect(c.DeleteQoSPolicy(ctx, "capped", "capped_qos")).To(Succeed())
			Expect(c.DeleteQoSPolicy(ctx, "missing-svm", "capped_qos")).To(Succeed())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
		})

		It("creates one policy when the answer to its creation is lost", func() {
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "capped"})).Error().NotTo(HaveOccurred())
			srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/storage/qos/policies", Times: 1, DropResponse: true})
			mark := srv.Mark()
			_, err := c.EnsureQoSPolicy(ctx, "capped", ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 100})
			Expect(ontap.IsRetriable(err)).To(BeTrue(), "%v", err)

			Expect(c.EnsureQoSPolicy(ctx, "capped", ontap.QoSPolicySpec{Name: "capped_qos", MaxIOPS: 100})).Error().NotTo(HaveOccurred())
			Expect(srv.State().QoSPolicies).To(HaveLen(1))
			Expect(srv.CallsSince(mark).Count("POST", "/api/storage/qos/policies")).To(Equal(1))
		})
	})

	Describe("deleting an SVM", func() {
		s := shoot{svm: "shoot--p--gone", user: "trident", password: "Gone-pw-1", index: 3}

		JustBeforeEach(func() {
			Expect(provision(ctx, c, s)).To(Succeed())
		})

		It("deletes services, accounts, LIFs and routes before the SVM and leaves nothing behind", func() {
			mark := srv.Mark()
			Expect(c.DeleteSVM(ctx, s.svm)).To(Succeed())
			writes := srv.CallsSince(mark).Writes().Endpoints()
			Expect(writes).To(Equal([]string{
				"PATCH /api/protocols/nvme/services/{svm.uuid}",
				"DELETE /api/protocols/nvme/services/{svm.uuid}",
				"PATCH /api/protocols/nfs/services/{svm.uuid}",
				"DELETE /api/protocols/nfs/services/{svm.uuid}",
				"DELETE /api/security/accounts/{owner.uuid}/{name}",
				"DELETE /api/protocols/nfs/export-policies/{id}",
				"DELETE /api/network/ip/interfaces/{uuid}",
				"DELETE /api/network/ip/interfaces/{uuid}",
				"DELETE /api/network/ip/interfaces/{uuid}",
				"DELETE /api/network/ip/routes/{uuid}",
				"DELETE /api/svm/svms/{uuid}",
			}))
			Expect(srv.LeftoversForSVM(s.svm)).To(BeEmpty())
			Expect(srv.LeftoversWithPrefix("shoot--")).To(BeEmpty())

			mark = srv.Mark()
			Expect(c.DeleteSVM(ctx, s.svm)).To(Succeed())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
		})

		It("removes the SVM's QoS policy and deletes the policies it owns before the SVM", func() {
			Expect(c.EnsureQoSPolicy(ctx, s.svm, ontap.QoSPolicySpec{Name: s.svm + "_qos", MaxIOPS: 1000})).Error().NotTo(HaveOccurred())
			Expect(srv.LeftoversForSVM(s.svm)).To(ContainElement("qos policy shoot--p--gone/shoot--p--gone_qos"))

			mark := srv.Mark()
			Expect(c.DeleteSVM(ctx, s.svm)).To(Succeed())
			writes := srv.CallsSince(mark).Writes().Endpoints()
			Expect(writes).To(ContainElements("PATCH /api/svm/svms/{uuid}", "DELETE /api/storage/qos/policies/{uuid}"))
			Expect(writes[len(writes)-1]).To(Equal("DELETE /api/svm/svms/{uuid}"))
			Expect(srv.LeftoversForSVM(s.svm)).To(BeEmpty())
			Expect(srv.State().QoSPolicies).To(BeEmpty())
		})

		It("refuses while volumes exist, naming them, and succeeds once they are gone", func() {
			Expect(srv.CreateVolume(s.svm, "pvc_123", 1<<30)).To(Succeed())
			mark := srv.Mark()
			err := c.DeleteSVM(ctx, s.svm)
			Expect(err).To(MatchError(ontap.ErrSVMNotEmpty))
			Expect(err).To(MatchError(ContainSubstring("deleting SVM shoot--p--gone on ONTAP cluster sim: the SVM still holds 1 volume(s) (pvc_123)")))
			Expect(ontap.IsRetriable(err)).To(BeTrue())
			Expect(srv.CallsSince(mark).Writes()).To(BeEmpty())
			Expect(srv.LeftoversForSVM(s.svm)).To(ContainElement("volume shoot--p--gone/pvc_123"))

			Expect(srv.DeleteVolume(s.svm, "pvc_123")).To(Succeed())
			Expect(c.DeleteSVM(ctx, s.svm)).To(Succeed())
			Expect(srv.LeftoversForSVM(s.svm)).To(BeEmpty())
		})
	})

	Describe("failures", func() {
		It("names the operation for a failing cluster and recovers when the fault clears", func() {
			srv.InjectFault(ontapapi.Fault{Status: 503, Message: "service unavailable"})
			_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "later"})
			Expect(err).To(MatchError(ContainSubstring("looking up SVM later on ONTAP cluster sim: HTTP 503")))
			Expect(ontap.IsRetriable(err)).To(BeTrue())

			srv.ClearFaults()
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "later"})).To(HaveField("State", "running"))
		})

		It("treats dropped connections as retriable", func() {
			srv.InjectFault(ontapapi.Fault{DropRequest: true, Times: 3})
			_, err := c.Info(ctx)
			Expect(err).To(MatchError(ContainSubstring("reading cluster information on ONTAP cluster sim")))
			Expect(ontap.IsRetriable(err)).To(BeTrue(), "%v", err)
			srv.ClearFaults()
			Expect(c.Info(ctx)).To(HaveField("Name", "sim-cluster"))
		})

		It("gives up on a slow cluster after the request timeout", func() {
			srv.InjectFault(ontapapi.Fault{Latency: 2 * time.Second, Times: 1})
			conf := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			conf.RequestTimeout = 100 * time.Millisecond
			slow, err := ontap.NewClient(conf)
			Expect(err).NotTo(HaveOccurred())
			_, err = slow.Info(ctx)
			Expect(ontap.IsRetriable(err)).To(BeTrue(), "%v", err)
		})

		DescribeTable("configuration problems",
			func(mutate func(*ontap.ClientConfig), want string) {
				conf := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
				mutate(&conf)
				cl, err := ontap.NewClient(conf)
				Expect(err).NotTo(HaveOccurred())
				_, err = cl.Info(ctx)
				Expect(err).To(MatchError(ContainSubstring(want)))
				Expect(ontap.IsConfiguration(err)).To(BeTrue(), "%v", err)
				Expect(err.Error()).NotTo(ContainSubstring(conf.Password))
			},
			Entry("wrong password", func(c *ontap.ClientConfig) { c.Password = "Wrong-pw-9" }, "HTTP 401"),
			Entry("CA that did not sign the certificate", func(c *ontap.ClientConfig) {
				other, err := ontapapi.Start(ctx, ontapapi.Config{})
				Expect(err).NotTo(HaveOccurred())
				DeferCleanup(other.Close)
				c.CABundle = other.CACert()
			}, "certificate"),
			Entry("no CA bundle and a private CA", func(c *ontap.ClientConfig) { c.CABundle = nil }, "certificate"),
		)

		It("connects with verification off only when asked to", func() {
			conf := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			conf.CABundle = nil
			conf.InsecureSkipVerify = true
			cl, err := ontap.NewClient(conf)
			Expect(err).NotTo(HaveOccurred())
			Expect(cl.Info(ctx)).To(HaveField("Name", "sim-cluster"))
		})

		// A regression test for make test-race: building a client once wrote process-wide state of go-openapi's
		// runtime, which the race detector reported when two sandboxes built theirs at the same time.
		It("builds clients in several goroutines at once, each of which works", func() {
			conf := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			const n = 4
			names := make(chan string, n)
			errs := make(chan error, n)
			for range n {
				go func() {
					defer GinkgoRecover()
					cl, err := ontap.NewClient(conf)
					if err != nil {
						errs <- err
						return
					}
					info, err := cl.Info(ctx)
					if err != nil {
						errs <- err
						return
					}
					names <- info.Name
				}()
			}
			for range n {
				select {
				case err := <-errs:
					Fail(err.Error())
				case name := <-names:
					Expect(name).To(Equal("sim-cluster"))
				}
			}
		})
	})

	Describe("credentials in errors", func() {
		It("never shows the cluster password or an account password", func() {
			user, adminPassword := srv.AdminCredentials()
			accountPassword := "Secret-acct-pw-7"
			Expect(c.EnsureSVM(ctx, ontap.SVMSpec{Name: "sec"})).Error().NotTo(HaveOccurred())

			var errs []error
			// A cluster that quotes the secrets back in its error messages.
			srv.InjectFault(ontapapi.Fault{Status: 500, Message: "rejected " + adminPassword + " and " + accountPassword})
			errs = append(errs, c.EnsureAccount(ctx, "sec", "trident", accountPassword))
			srv.ClearFaults()
			srv.InjectFault(ontapapi.Fault{Status: 500, Message: "rejected " + adminPassword})
			_, err := c.EnsureSVM(ctx, ontap.SVMSpec{Name: "sec2"})
			errs = append(errs, err)
			srv.ClearFaults()
			// The account's password change is refused with the password quoted.
			Expect(c.EnsureAccount(ctx, "sec", "trident", "Before-pw-1")).To(Succeed())
			srv.InjectFault(ontapapi.Fault{Method: "PATCH", Status: 400, Message: "password " + accountPassword + " was used before"})
			errs = append(errs, c.EnsureAccount(ctx, "sec", "trident", accountPassword))
			srv.ClearFaults()
			// Wrong credentials and unreachable clusters.
			_, err = clientFor(srv, user, "Wrong-"+adminPassword).Info(ctx)
			errs = append(errs, err)
			_, err = clientFor(srv, "trident", accountPassword).Info(ctx)
			errs = append(errs, err)
			errs = append(errs, c.EnsureAccount(ctx, "missing-svm", "trident", accountPassword))
			_, err = ontap.NewClient(ontap.ClientConfig{Name: "broken", Address: "a/b", Username: user, Password: adminPassword})
			errs = append(errs, err)

			for _, e := range errs {
				Expect(e).To(HaveOccurred())
				for err := e; err != nil; err = errors.Unwrap(err) {
					Expect(err.Error()).NotTo(ContainSubstring(adminPassword))
					Expect(err.Error()).NotTo(ContainSubstring(accountPassword))
				}
				Expect(fmt.Sprintf("%+v %#v", e, e)).NotTo(Or(ContainSubstring(adminPassword), ContainSubstring(accountPassword)))
			}
			conf := configFor(srv, user, adminPassword)
			Expect(fmt.Sprintf("%v %+v %#v %s", conf, conf, conf, conf)).NotTo(ContainSubstring(adminPassword))
		})
	})

	Describe("several clusters", func() {
		var dead string

		JustBeforeEach(func() {
			// An address where nothing listens.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			Expect(err).NotTo(HaveOccurred())
			dead = ln.Addr().String()
			Expect(ln.Close()).To(Succeed())
		})

		It("keeps working with the reachable clusters and names the unreachable one", func() {
			live := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			live.Name = "sim-cluster"
			down := live
			down.Name, down.Address = "down", dead
			cs, err := ontap.NewClusters(live, down)
			Expect(err).NotTo(HaveOccurred())
			Expect(cs.Names()).To(Equal([]string{"sim-cluster", "down"}))

			infos, err := cs.Info(ctx)
			Expect(infos).To(ConsistOf(HaveField("Name", "sim-cluster")))
			Expect(err).To(MatchError(ContainSubstring("reading cluster information on ONTAP cluster down")))
			Expect(ontap.IsRetriable(err)).To(BeTrue())

			picked, err := cs.PickCluster(ctx)
			Expect(picked.Name()).To(Equal("sim-cluster"))
			Expect(err).To(MatchError(ContainSubstring("ONTAP cluster down")))

			err = cs.Each(ctx, func(ctx context.Context, cl *ontap.Client) error {
				_, err := cl.EnsureSVM(ctx, ontap.SVMSpec{Name: "everywhere"})
				return err
			})
			Expect(err).To(MatchError(ContainSubstring("looking up SVM everywhere on ONTAP cluster down")))
			Expect(svmCount("everywhere")).To(Equal(1))
		})

		It("finds a MetroCluster cluster under its switched-over name", func() {
			live := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			live.Name = "sim-cluster"
			cs, err := ontap.NewClusters(live)
			Expect(err).NotTo(HaveOccurred())

			srv.SetClusterName("sim-cluster-mc")
			infos, err := cs.Info(ctx)
			Expect(err).NotTo(HaveOccurred())
			Expect(infos[0].Name).To(Equal("sim-cluster-mc"))
			Expect(infos[0].ConfiguredName).To(Equal("sim-cluster"))
			for _, name := range []string{"sim-cluster", "sim-cluster-mc", "SIM-CLUSTER-MC"} {
				cl, err := cs.Get(name)
				Expect(err).NotTo(HaveOccurred())
				Expect(cl.Name()).To(Equal("sim-cluster"))
			}
			_, err = cs.Get("elsewhere")
			Expect(err).To(MatchError(ontap.ErrUnknownCluster))
			Expect(ontap.IsConfiguration(err)).To(BeTrue())
		})

		It("finds a cluster configured under its -mc name when it reports the plain one", func() {
			live := configFor(srv, "admin", ontapapi.DefaultAdminPassword)
			live.Name = "metro-a-mc"
			cs, err := ontap.NewClusters(live)
			Expect(err).NotTo(HaveOccurred())
			Expect(cs.Get("metro-a")).To(HaveField("Name()", "metro-a-mc"))
		})
	})

	It("keeps the simulator's call accounting consistent with the client's requests", func() {
		mark := srv.Mark()
		Expect(c.Info(ctx)).Error().NotTo(HaveOccurred())
		Expect(srv.CallsSince(mark).ByEndpoint()).To(Equal(map[string]int{"GET /api/cluster": 1, "GET /api/cluster/nodes": 1}))
		Expect(strings.Join(srv.CallsSince(mark).Endpoints(), ",")).To(Equal("GET /api/cluster,GET /api/cluster/nodes"))
	})
})
