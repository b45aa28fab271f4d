package ontapapi_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/go-openapi/runtime"
	httptransport "github.com/go-openapi/runtime/client"
	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/cluster"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_a_s"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/n_v_me"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/networking"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/s_a_n"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/security"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/storage"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	. "github.com/onsi/gomega/gstruct"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
)

var _ = Describe("Server", func() {
	var (
		ctx context.Context
		cfg ontapapi.Config
		srv *ontapapi.Server
		api *client.ONTAPRESTAPIOnlineReference
	)

	BeforeEach(func() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
		DeferCleanup(cancel)
		cfg = ontapapi.Config{}
	})

	JustBeforeEach(func() {
		var err error
		srv, err = ontapapi.Start(ctx, cfg)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(srv.Close)
		api = tridentClient(srv)
	})

	waitJob := func(link *models.JobLinkResponse, auth runtime.ClientAuthInfoWriter) *models.Job {
		GinkgoHelper()
		Expect(link).NotTo(BeNil())
		var job *models.Job
		Eventually(func() string {
			resp, err := api.Cluster.JobGet(cluster.NewJobGetParams().WithUUID(link.Job.UUID.String()), auth)
			Expect(err).NotTo(HaveOccurred())
			job = resp.Payload
			return *job.State
		}).WithTimeout(10 * time.Second).WithPolling(10 * time.Millisecond).Should(BeElementOf("success", "failure"))
		return job
	}

	createSVM := func(name string) string {
		GinkgoHelper()
		resp, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new(name)}), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
		list, err := api.Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams().WithName(&name), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		Expect(list.Payload.SvmResponseInlineRecords).To(HaveLen(1))
		return *list.Payload.SvmResponseInlineRecords[0].UUID
	}

	createLIF := func(svmUUID, name, address, mask string) {
		GinkgoHelper()
		a, m := models.IPAddress(address), models.IPNetmask(mask)
		_, err := api.Networking.NetworkIPInterfacesCreate(networking.NewNetworkIPInterfacesCreateParams().WithInfo(&models.IPInterface{
			Name: new(name), Svm: &models.IPInterfaceInlineSvm{UUID: new(svmUUID)},
			IP:            &models.IPInfo{Address: &a, Netmask: &m},
			Location:      &models.IPInterfaceInlineLocation{HomeNode: &models.IPInterfaceInlineLocationInlineHomeNode{Name: new("sim-cluster-01")}},
			ServicePolicy: &models.IPInterfaceInlineServicePolicy{Name: new("default-data-nvme-tcp")},
		}), admin(srv))
		Expect(err).NotTo(HaveOccurred())
	}

	createAccount := func(svmUUID, name, password string) {
		GinkgoHelper()
		pw := strfmt.Password(password)
		_, err := api.Security.AccountCreate(security.NewAccountCreateParams().WithInfo(&models.Account{
			Name: new(name), Owner: &models.AccountInlineOwner{UUID: new(svmUUID)}, Role: &models.AccountInlineRole{Name: new("vsadmin")},
			AccountInlineApplications: []*models.AccountApplication{{Application: new("http"), AuthenticationMethods: []*string{new("password")}}},
			Password:                  &pw,
		}), admin(srv))
		Expect(err).NotTo(HaveOccurred())
	}

	createStorage := func(svmUUID, vol string, auth runtime.ClientAuthInfoWriter) {
		GinkgoHelper()
		resp, err := api.Storage.VolumeCreate(storage.NewVolumeCreateParams().WithInfo(&models.Volume{
			Name: new(vol), Svm: &models.VolumeInlineSvm{UUID: new(svmUUID)}, Size: new(int64(1 << 30)),
		}), auth)
		Expect(err).NotTo(HaveOccurred())
		Expect(*waitJob(resp.Payload, auth).State).To(Equal("success"))
		_, err = api.San.LunCreate(s_a_n.NewLunCreateParams().WithInfo(&models.Lun{
			Name: new("/vol/" + vol + "/lun0"), Svm: &models.LunInlineSvm{UUID: new(svmUUID)}, OsType: new("linux"),
			Space: &models.LunInlineSpace{Size: new(int64(1 << 20))},
		}), auth)
		Expect(err).NotTo(HaveOccurred())
		_, err = api.NvMe.NvmeNamespaceCreate(n_v_me.NewNvmeNamespaceCreateParams().WithInfo(&models.NvmeNamespace{
			Name: new("/vol/" + vol + "/ns0"), Svm: &models.NvmeNamespaceInlineSvm{UUID: new(svmUUID)}, OsType: new("linux"),
			Space: &models.NvmeNamespaceInlineSpace{Size: new(int64(1 << 20))},
		}), auth)
		Expect(err).NotTo(HaveOccurred())
	}

	Describe("the wire protocol", func() {
		It("answers in ONTAP's error shape with ONTAP's status codes", func() {
			user, password := srv.AdminCredentials()
			status, body := rawCall(srv, "GET", "/api/svm/svms/0000", user, password, "")
			Expect(status).To(Equal(404))
			Expect(body).To(Equal(map[string]any{"error": map[string]any{"code": "4", "message": "entry doesn't exist", "target": "uuid"}}))

			status, body = rawCall(srv, "GET", "/api/cluster", "", "", "")
			Expect(status).To(Equal(401))
			Expect(body).To(HaveKeyWithValue("error", HaveKey("message")))

			status, _ = rawCall(srv, "GET", "/api/cluster", user, "wrong", "")
			Expect(status).To(Equal(401))

			status, body = rawCall(srv, "POST", "/api/svm/svms", user, password, `{"name":"x","bogus":true}`)
			Expect(status).To(Equal(400))
			Expect(body).To(HaveKeyWithValue("error", HaveKeyWithValue("code", ontapapi.CodeUnexpectedField)))

			status, _ = rawCall(srv, "GET", "/api/no/such/thing", user, password, "")
			Expect(status).To(Equal(404))
		})

		It("returns key fields only unless fields= asks for more, and filters with ONTAP's query syntax", func() {
			for _, n := range []string{"alpha1", "alpha2", "beta1"} {
				createSVM(n)
			}
			user, password := srv.AdminCredentials()
			names := func(query string) []any {
				GinkgoHelper()
				status, body := rawCall(srv, "GET", "/api/svm/svms?"+query, user, password, "")
				Expect(status).To(Equal(200))
				Expect(body["num_records"]).To(BeNumerically("==", len(body["records"].([]any))))
				var out []any
				for _, r := range body["records"].([]any) {
					out = append(out, r.(map[string]any)["name"])
				}
				return out
			}
			Expect(names("name=alpha*")).To(ConsistOf("alpha1", "alpha2"))
			Expect(names("name=alpha1|beta1")).To(ConsistOf("alpha1", "beta1"))
			Expect(names("name=!alpha1")).To(ConsistOf("alpha2", "beta1"))
			Expect(names("name=ALPHA2")).To(ConsistOf("alpha2"))
			Expect(names("state=running&name=beta*")).To(ConsistOf("beta1"))

			_, body := rawCall(srv, "GET", "/api/svm/svms?name=alpha1", user, password, "")
			Expect(body["records"].([]any)[0]).To(HaveLen(3)) // uuid, name, _links
			_, body = rawCall(srv, "GET", "/api/svm/svms?name=alpha1&fields=state,ipspace.name", user, password, "")
			rec := body["records"].([]any)[0].(map[string]any)
			Expect(rec).To(HaveKeyWithValue("state", "running"))
			Expect(rec).To(HaveKeyWithValue("ipspace", map[string]any{"name": "Default"}))
			Expect(rec).NotTo(HaveKey("language"))
		})

		It("serves aggregates with their space for placement", func() {
			resp, err := api.Storage.AggregateCollectionGet(storage.NewAggregateCollectionGetParams().
				WithFields([]string{"name", "space.block_storage.available", "space.block_storage.size", "space.block_storage.used", "home_node.name"}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Payload.AggregateResponseInlineRecords).To(HaveLen(4))
			for _, a := range resp.Payload.AggregateResponseInlineRecords {
				bs := a.Space.BlockStorage
				Expect(*bs.Available).To(Equal(*bs.Size - *bs.Used))
				Expect(*a.HomeNode.Name).To(HavePrefix("sim-cluster-0"))
			}
		})

		It("answers the password endpoint with 200, which the generated client calls an unexpected success", func() {
			uuid := createSVM("pw")
			createAccount(uuid, "trident", "First-pw-1")
			pw := strfmt.Password("Second-pw-2")
			_, err := api.Security.AccountPasswordCreate(security.NewAccountPasswordCreateParams().WithInfo(&models.AccountPassword{
				Name: new("trident"), Owner: &models.AccountPasswordInlineOwner{UUID: new(uuid)}, Password: &pw,
			}), admin(srv))
			var apiErr *runtime.APIError
			Expect(errors.As(err, &apiErr)).To(BeTrue(), "%v", err)
			Expect(apiErr.Code).To(Equal(200))
			Expect(apiErr.Error()).To(ContainSubstring("unexpected success"))
			_, err = api.Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams(), httptransport.BasicAuth("trident", "Second-pw-2"))
			Expect(err).NotTo(HaveOccurred())

			// PATCH on the account answers 200 as the generated client expects.
			pw = strfmt.Password("Third-pw-3")
			_, err = api.Security.AccountModify(security.NewAccountModifyParams().WithOwnerUUID(uuid).WithName("trident").
				WithInfo(&models.Account{Password: &pw}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			_, err = api.Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams(), httptransport.BasicAuth("trident", "Third-pw-3"))
			Expect(err).NotTo(HaveOccurred())
		})
	})

	Describe("asynchronous jobs", func() {
		BeforeEach(func() { cfg.JobDelay = 200 * time.Millisecond })

		It("runs an SVM create job queued -> running -> success with the SVM initializing meanwhile", func() {
			resp, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("slow")}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Location).To(Equal("/api/cluster/jobs/" + resp.Payload.Job.UUID.String()))
			Expect(srv.State().Jobs).To(ConsistOf(HaveField("State", "queued")))
			Expect(srv.State().SVMs).To(ConsistOf(HaveField("State", "initializing")))

			job, err := api.Cluster.JobGet(cluster.NewJobGetParams().WithUUID(resp.Payload.Job.UUID.String()), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*job.Payload.State).To(Equal("running"))
			Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
			Expect(srv.State().SVMs).To(ConsistOf(HaveField("State", "running")))
			Expect(srv.State().ExportPolicies).To(ConsistOf(HaveField("Name", "default")))
		})

		It("limits parallel SVM jobs as ONTAP does", func() {
			for i := range ontapapi.DefaultMaxSVMJobs {
				_, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new(fmt.Sprintf("p%d", i))}), admin(srv))
				Expect(err).NotTo(HaveOccurred())
			}
			_, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("one-too-many")}), admin(srv))
			var def *svm.SvmCreateDefault
			Expect(errors.As(err, &def)).To(BeTrue(), "%v", err)
			Expect(def.Code()).To(Equal(409))
			Expect(*def.Payload.Error.Code).To(Equal(ontapapi.CodeMaxSVMJobs))
		})
	})

	It("fails the SVM delete job while volumes exist and deletes the SVM's objects once they are gone", func() {
		aggregatesBefore := srv.State().Aggregates
		uuid := createSVM("full")
		createLIF(uuid, "data", "10.1.0.10", "255.255.255.0")
		createAccount(uuid, "trident", "Full-pw-1")
		createStorage(uuid, "vol1", admin(srv))

		resp, err := api.Svm.SvmDelete(svm.NewSvmDeleteParams().WithUUID(uuid), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		job := waitJob(resp.Payload, admin(srv))
		Expect(*job.State).To(Equal("failure"))
		Expect(*job.Message).To(ContainSubstring(`Cannot delete SVM "full" because it still contains 1 volume(s) (vol1), 1 LUN(s), 1 NVMe namespace(s)`))
		Expect(srv.LeftoversForSVM("full")).To(ContainElements("svm full ("+uuid+", running)", "volume full/vol1", "lun full/vol/vol1/lun0"))

		vols, err := api.Storage.VolumeCollectionGet(storage.NewVolumeCollectionGetParams().WithSvmUUID(&uuid), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		del, err := api.Storage.VolumeDelete(storage.NewVolumeDeleteParams().WithUUID(*vols.Payload.VolumeResponseInlineRecords[0].UUID), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		Expect(*waitJob(del.Payload, admin(srv)).State).To(Equal("success"))

		resp, err = api.Svm.SvmDelete(svm.NewSvmDeleteParams().WithUUID(uuid), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
		Expect(srv.LeftoversForSVM("full")).To(BeEmpty())
		// The volume's space went back to its aggregate.
		Expect(srv.State().Aggregates).To(Equal(aggregatesBefore))
	})

	It("shows each SVM-scoped account only its own SVM's objects", func() {
		svms := map[string]string{}
		for _, name := range []string{"shoot-a", "shoot-b"} {
			uuid := createSVM(name)
			svms[name] = uuid
			createLIF(uuid, "data", map[string]string{"shoot-a": "10.2.0.10", "shoot-b": "10.3.0.10"}[name], "24")
			// Both shoots' accounts have the same name.
			createAccount(uuid, "trident", "Pw-of-"+name+"-1")
		}
		for name, uuid := range svms {
			auth := httptransport.BasicAuth("trident", "Pw-of-"+name+"-1")
			createStorage(uuid, "vol_"+name[len(name)-1:], auth)
		}
		for name, uuid := range svms {
			auth := httptransport.BasicAuth("trident", "Pw-of-"+name+"-1")
			svmList, err := api.Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams(), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(svmList.Payload.SvmResponseInlineRecords).To(ConsistOf(HaveField("Name", HaveValue(Equal(name)))))

			vols, err := api.Storage.VolumeCollectionGet(storage.NewVolumeCollectionGetParams().WithFields([]string{"svm"}), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(vols.Payload.VolumeResponseInlineRecords).To(ConsistOf(HaveField("Svm.UUID", HaveValue(Equal(uuid)))))
			luns, err := api.San.LunCollectionGet(s_a_n.NewLunCollectionGetParams().WithFields([]string{"svm"}), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(luns.Payload.LunResponseInlineRecords).To(ConsistOf(HaveField("Svm.UUID", HaveValue(Equal(uuid)))))
			nss, err := api.NvMe.NvmeNamespaceCollectionGet(n_v_me.NewNvmeNamespaceCollectionGetParams().WithFields([]string{"svm"}), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(nss.Payload.NvmeNamespaceResponseInlineRecords).To(ConsistOf(HaveField("Svm.UUID", HaveValue(Equal(uuid)))))
			lifs, err := api.Networking.NetworkIPInterfacesGet(networking.NewNetworkIPInterfacesGetParams().WithFields([]string{"svm"}), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(lifs.Payload.IPInterfaceResponseInlineRecords).To(ConsistOf(HaveField("Svm.UUID", HaveValue(Equal(uuid)))))

			for otherName, otherUUID := range svms {
				if otherName == name {
					continue
				}
				_, err := api.Svm.SvmGet(svm.NewSvmGetParams().WithUUID(otherUUID), auth)
				var def *svm.SvmGetDefault
				Expect(errors.As(err, &def)).To(BeTrue())
				Expect(def.Code()).To(Equal(404))
				all, err := api.Storage.VolumeCollectionGet(storage.NewVolumeCollectionGetParams().WithFields([]string{"svm"}), admin(srv))
				Expect(err).NotTo(HaveOccurred())
				for _, v := range all.Payload.VolumeResponseInlineRecords {
					if *v.Svm.UUID == otherUUID {
						_, err := api.Storage.VolumeGet(storage.NewVolumeGetParams().WithUUID(*v.UUID), auth)
						var gdef *storage.VolumeGetDefault
						Expect(errors.As(err, &gdef)).To(BeTrue())
						Expect(gdef.Code()).To(Equal(404))
					}
				}
				// Creating storage in the other SVM is refused.
				_, err = api.Storage.VolumeCreate(storage.NewVolumeCreateParams().WithInfo(&models.Volume{
					Name: new("intruder"), Svm: &models.VolumeInlineSvm{UUID: new(otherUUID)}, Size: new(int64(1 << 30)),
				}), auth)
				var vdef *storage.VolumeCreateDefault
				Expect(errors.As(err, &vdef)).To(BeTrue())
				Expect(vdef.Code()).To(Equal(403))
			}
			// SVM administrators do not create SVMs or LIFs.
			_, err = api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("rogue")}), auth)
			Expect(err).To(HaveOccurred())
		}
		// The cluster administrator sees both.
		all, err := api.Networking.NetworkIPInterfacesGet(networking.NewNetworkIPInterfacesGetParams(), admin(srv))
		Expect(err).NotTo(HaveOccurred())
		Expect(all.Payload.IPInterfaceResponseInlineRecords).To(HaveLen(2))
	})

	Describe("QoS policies and volume limits", func() {
		createPolicy := func(svmUUID, name string, fixed *models.QosPolicyInlineFixed) string {
			GinkgoHelper()
			resp, err := api.Storage.QosPolicyCreate(storage.NewQosPolicyCreateParams().WithInfo(&models.QosPolicy{
				Name: new(name), Svm: &models.QosPolicyInlineSvm{UUID: new(svmUUID)}, Fixed: fixed,
			}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
			list, err := api.Storage.QosPolicyCollectionGet(storage.NewQosPolicyCollectionGetParams().WithName(&name), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(list.Payload.QosPolicyResponseInlineRecords).To(HaveLen(1))
			return *list.Payload.QosPolicyResponseInlineRecords[0].UUID
		}
		modifySVM := func(uuid string, patch *models.Svm) *models.Job {
			GinkgoHelper()
			resp, err := api.Svm.SvmModify(svm.NewSvmModifyParams().WithUUID(uuid).WithInfo(patch), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			return waitJob(resp.Payload, admin(srv))
		}
		// errorCode is "<HTTP status> <ONTAP error code>" of a failed call.
		errorCode := func(err error) string {
			GinkgoHelper()
			var def interface {
				Code() int
				GetPayload() *models.ErrorResponse
			}
			Expect(errors.As(err, &def)).To(BeTrue(), "%v", err)
			return fmt.Sprintf("%d %s", def.Code(), *def.GetPayload().Error.Code)
		}

		It("creates SVM-scoped policies in jobs, renders them in ONTAP's shape and applies them to their SVM", func() {
			uuid := createSVM("capped")
			policyUUID := createPolicy(uuid, "capped_qos", &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(5000)), CapacityShared: new(true)})

			user, password := srv.AdminCredentials()
			status, body := rawCall(srv, "GET", "/api/storage/qos/policies/"+policyUUID, user, password, "")
			Expect(status).To(Equal(200))
			Expect(body).To(And(
				HaveKeyWithValue("name", "capped_qos"), HaveKeyWithValue("uuid", policyUUID),
				HaveKeyWithValue("scope", "svm"), HaveKeyWithValue("policy_class", "user_defined"),
				HaveKeyWithValue("pgid", BeNumerically(">=", 1000)), HaveKeyWithValue("object_count", BeNumerically("==", 0)),
				HaveKeyWithValue("svm", HaveKeyWithValue("name", "capped")),
				HaveKeyWithValue("fixed", And(HaveKeyWithValue("max_throughput_iops", BeNumerically("==", 5000)),
					HaveKeyWithValue("max_throughput_mbps", BeNumerically("==", 0)), HaveKeyWithValue("capacity_shared", true))),
			))

			Expect(*modifySVM(uuid, &models.Svm{QosPolicy: &models.SvmInlineQosPolicy{Name: new("capped_qos")}, MaxVolumes: new("10")}).State).To(Equal("success"))
			got, err := api.Svm.SvmGet(svm.NewSvmGetParams().WithUUID(uuid).WithFields([]string{"qos_policy", "max_volumes"}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Payload.QosPolicy).To(PointTo(MatchFields(IgnoreExtras, Fields{"Name": HaveValue(Equal("capped_qos")), "UUID": HaveValue(Equal(policyUUID))})))
			Expect(got.Payload.MaxVolumes).To(HaveValue(Equal("10")))
			_, body = rawCall(srv, "GET", "/api/storage/qos/policies/"+policyUUID, user, password, "")
			Expect(body).To(HaveKeyWithValue("object_count", BeNumerically("==", 1)))

			By("filtering by SVM")
			list, err := api.Storage.QosPolicyCollectionGet(storage.NewQosPolicyCollectionGetParams().WithSvmUUID(&uuid).WithFields([]string{"fixed"}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(list.Payload.QosPolicyResponseInlineRecords).To(ConsistOf(HaveField("Fixed.MaxThroughputIops", HaveValue(BeNumerically("==", 5000)))))
			other := createSVM("other")
			list, err = api.Storage.QosPolicyCollectionGet(storage.NewQosPolicyCollectionGetParams().WithSvmUUID(&other), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(list.Payload.QosPolicyResponseInlineRecords).To(BeEmpty())

			By("changing the limits, but not capacity_shared")
			mod, err := api.Storage.QosPolicyModify(storage.NewQosPolicyModifyParams().WithUUID(policyUUID).
				WithInfo(&models.QosPolicy{Fixed: &models.QosPolicyInlineFixed{MaxThroughputMbps: new(int64(300))}}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*waitJob(mod.Payload, admin(srv)).State).To(Equal("success"))
			Expect(srv.State().QoSPolicies).To(ConsistOf(And(HaveField("MaxThroughputIOPS", int64(5000)), HaveField("MaxThroughputMBps", int64(300)),
				HaveField("UsedBy", []string{"capped"}))))
			_, err = api.Storage.QosPolicyModify(storage.NewQosPolicyModifyParams().WithUUID(policyUUID).
				WithInfo(&models.QosPolicy{Fixed: &models.QosPolicyInlineFixed{CapacityShared: new(false)}}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("400 "))
		})

		It("refuses duplicate names in the cluster, invalid limits and policies of other SVMs", func() {
			a, b := createSVM("svm_a"), createSVM("svm_b")
			createPolicy(a, "pol", &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(100))})

			_, err := api.Storage.QosPolicyCreate(storage.NewQosPolicyCreateParams().WithInfo(&models.QosPolicy{
				Name: new("pol"), Svm: &models.QosPolicyInlineSvm{UUID: new(b)}, Fixed: &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(100))},
			}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("409 "))
			_, err = api.Storage.QosPolicyCreate(storage.NewQosPolicyCreateParams().WithInfo(&models.QosPolicy{
				Name: new("neg"), Svm: &models.QosPolicyInlineSvm{UUID: new(b)}, Fixed: &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(-1))},
			}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("400 "))
			_, err = api.Storage.QosPolicyCreate(storage.NewQosPolicyCreateParams().WithInfo(&models.QosPolicy{
				Name: new("nolimits"), Svm: &models.QosPolicyInlineSvm{UUID: new(b)},
			}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("400 "))

			_, err = api.Svm.SvmModify(svm.NewSvmModifyParams().WithUUID(b).
				WithInfo(&models.Svm{QosPolicy: &models.SvmInlineQosPolicy{Name: new("pol")}}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("400 "))
		})

		It("keeps a policy in use and an SVM that owns policies from being deleted", func() {
			uuid := createSVM("owner")
			policyUUID := createPolicy(uuid, "owned", &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(100))})
			Expect(*modifySVM(uuid, &models.Svm{QosPolicy: &models.SvmInlineQosPolicy{UUID: new(policyUUID)}}).State).To(Equal("success"))

			_, err := api.Storage.QosPolicyDelete(storage.NewQosPolicyDeleteParams().WithUUID(policyUUID), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("409 "))

			resp, err := api.Svm.SvmDelete(svm.NewSvmDeleteParams().WithUUID(uuid), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			job := waitJob(resp.Payload, admin(srv))
			Expect(*job.State).To(Equal("failure"))
			Expect(*job.Message).To(ContainSubstring(`Cannot delete SVM "owner" because it owns QoS policy groups (owned)`))
			Expect(srv.LeftoversForSVM("owner")).To(ContainElement("qos policy owner/owned"))

			Expect(*modifySVM(uuid, &models.Svm{QosPolicy: &models.SvmInlineQosPolicy{Name: new("none")}}).State).To(Equal("success"))
			del, err := api.Storage.QosPolicyDelete(storage.NewQosPolicyDeleteParams().WithUUID(policyUUID), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*waitJob(del.Payload, admin(srv)).State).To(Equal("success"))
			resp, err = api.Svm.SvmDelete(svm.NewSvmDeleteParams().WithUUID(uuid), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
			Expect(srv.LeftoversForSVM("owner")).To(BeEmpty())
		})

		It("lets SVM accounts see their own SVM's policies but not change them", func() {
			uuid := createSVM("tenant")
			createPolicy(uuid, "tenant_qos", &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(100))})
			createPolicy(createSVM("neighbour"), "neighbour_qos", &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(100))})
			createAccount(uuid, "trident", "Tenant-pw-1")
			auth := httptransport.BasicAuth("trident", "Tenant-pw-1")

			list, err := api.Storage.QosPolicyCollectionGet(storage.NewQosPolicyCollectionGetParams(), auth)
			Expect(err).NotTo(HaveOccurred())
			Expect(list.Payload.QosPolicyResponseInlineRecords).To(ConsistOf(HaveField("Name", HaveValue(Equal("tenant_qos")))))
			_, err = api.Storage.QosPolicyCreate(storage.NewQosPolicyCreateParams().WithInfo(&models.QosPolicy{
				Name: new("mine"), Svm: &models.QosPolicyInlineSvm{UUID: new(uuid)}, Fixed: &models.QosPolicyInlineFixed{MaxThroughputIops: new(int64(1))},
			}), auth)
			Expect(errorCode(err)).To(Equal("403 " + ontapapi.CodeNotAuthorized))
		})

		It("reports unlimited volumes by default and enforces max_volumes on volume creation", func() {
			uuid := createSVM("small")
			got, err := api.Svm.SvmGet(svm.NewSvmGetParams().WithUUID(uuid).WithFields([]string{"max_volumes"}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(got.Payload.MaxVolumes).To(HaveValue(Equal("unlimited")))

			Expect(*modifySVM(uuid, &models.Svm{MaxVolumes: new("1")}).State).To(Equal("success"))
			createVolume := func(name string) error {
				resp, err := api.Storage.VolumeCreate(storage.NewVolumeCreateParams().WithInfo(&models.Volume{
					Name: new(name), Svm: &models.VolumeInlineSvm{UUID: new(uuid)}, Size: new(int64(1 << 30)),
				}), admin(srv))
				if err != nil {
					return err
				}
				Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
				return nil
			}
			Expect(createVolume("first")).To(Succeed())
			Expect(errorCode(createVolume("second"))).To(Equal("400 " + ontapapi.CodeVolumeLimit))
			_, err = api.Svm.SvmModify(svm.NewSvmModifyParams().WithUUID(uuid).WithInfo(&models.Svm{MaxVolumes: new("lots")}), admin(srv))
			Expect(errorCode(err)).To(HavePrefix("400 "))
			Expect(srv.State().SVMs).To(ContainElement(And(HaveField("Name", "small"), HaveField("MaxVolumes", "1"))))
		})
	})

	Describe("interfaces", func() {
		It("normalizes masks, supports IPv6 and refuses duplicates and unknown references", func() {
			uuid := createSVM("lifs")
			createLIF(uuid, "v4", "10.4.0.10", "255.255.255.0")
			createLIF(uuid, "v6", "fd00:4::10", "64")
			Expect(srv.State().Interfaces).To(ConsistOf(
				And(HaveField("Name", "v4"), HaveField("PrefixLength", "24"), HaveField("HomeNode", "sim-cluster-01"), HaveField("Services", ConsistOf("data-core", "data-nvme-tcp"))),
				And(HaveField("Name", "v6"), HaveField("Address", "fd00:4::10"), HaveField("PrefixLength", "64")),
			))
			user, password := srv.AdminCredentials()
			for body, code := range map[string]string{
				`{"name":"dup","svm":{"uuid":"` + uuid + `"},"ip":{"address":"10.4.0.10","netmask":"24"}}`:                                           ontapapi.CodeDuplicateIP,
				`{"name":"v4","svm":{"uuid":"` + uuid + `"},"ip":{"address":"10.4.0.11","netmask":"24"}}`:                                            ontapapi.CodeDuplicate,
				`{"name":"x","svm":{"uuid":"` + uuid + `"},"ip":{"address":"10.4.0.12","netmask":"24"},"service_policy":{"name":"nope"}}`:            ontapapi.CodeUnknownPolicy,
				`{"name":"y","svm":{"uuid":"` + uuid + `"},"ip":{"address":"10.4.0.13","netmask":"24"},"location":{"home_node":{"name":"nowhere"}}}`: ontapapi.CodeUnknownHomeNode,
				`{"name":"z","svm":{"uuid":"` + uuid + `"},"ip":{"address":"10.4.0.14","netmask":"255.0.255.0"}}`:                                    ontapapi.CodeInvalidValue,
			} {
				_, resp := rawCall(srv, "POST", "/api/network/ip/interfaces", user, password, body)
				Expect(resp).To(HaveKeyWithValue("error", HaveKeyWithValue("code", code)), body)
			}
		})

		It("refuses to delete an enabled iSCSI service", func() {
			uuid := createSVM("iscsi")
			_, err := api.San.IscsiServiceCreate(s_a_n.NewIscsiServiceCreateParams().WithInfo(&models.IscsiService{
				Svm: &models.IscsiServiceInlineSvm{UUID: new(uuid)}, Enabled: new(true)}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			_, err = api.San.IscsiServiceDelete(s_a_n.NewIscsiServiceDeleteParams().WithSvmUUID(uuid), admin(srv))
			var def *s_a_n.IscsiServiceDeleteDefault
			Expect(errors.As(err, &def)).To(BeTrue())
			Expect(def.Code()).To(Equal(409))
			_, err = api.San.IscsiServiceModify(s_a_n.NewIscsiServiceModifyParams().WithSvmUUID(uuid).WithInfo(&models.IscsiService{Enabled: new(false)}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			_, err = api.San.IscsiServiceDelete(s_a_n.NewIscsiServiceDeleteParams().WithSvmUUID(uuid), admin(srv))
			Expect(err).NotTo(HaveOccurred())
		})

		It("keeps export policies with rules", func() {
			uuid := createSVM("nfs")
			Expect(uuid).NotTo(BeEmpty())
			resp, err := api.Nas.ExportPolicyCreate(n_a_s.NewExportPolicyCreateParams().WithReturnRecords(new(true)).WithInfo(&models.ExportPolicy{
				Name: new("nodes"), Svm: &models.ExportPolicyInlineSvm{UUID: new(uuid)},
				ExportPolicyInlineRules: []*models.ExportRules{{ExportRulesInlineClients: []*models.ExportClients{{Match: new("10.0.0.0/8")}}}},
			}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(resp.Payload.ExportPolicyResponseInlineRecords).To(HaveLen(1))
			id := *resp.Payload.ExportPolicyResponseInlineRecords[0].ID
			_, err = api.Nas.ExportRuleCreate(n_a_s.NewExportRuleCreateParams().WithPolicyID(id).WithInfo(&models.ExportRule{
				ExportRuleInlineClients: []*models.ExportClients{{Match: new("fd00::/8")}}}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			rules, err := api.Nas.ExportRuleCollectionGet(n_a_s.NewExportRuleCollectionGetParams().WithPolicyID(id).WithFields([]string{"clients"}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(rules.Payload.ExportRuleResponseInlineRecords).To(HaveLen(2))
			Expect(srv.State().ExportPolicies).To(ContainElement(And(HaveField("Name", "nodes"), HaveField("Clients", [][]string{{"10.0.0.0/8"}, {"fd00::/8"}}))))
		})
	})

	Describe("faults and call accounting", func() {
		It("fails the next N matching calls without applying them", func() {
			srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/svms", Times: 2, Status: 503})
			mark := srv.Mark()
			for range 2 {
				_, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("f")}), admin(srv))
				var def *svm.SvmCreateDefault
				Expect(errors.As(err, &def)).To(BeTrue())
				Expect(def.Code()).To(Equal(503))
			}
			Expect(srv.State().SVMs).To(BeEmpty())
			createSVM("f")
			calls := srv.CallsSince(mark)
			Expect(calls.Count("POST", "/api/svm/svms")).To(Equal(3))
			Expect(calls.Writes()).To(HaveLen(3))
			Expect(calls.ByEndpoint()).To(HaveKeyWithValue("GET /api/cluster/jobs/{uuid}", BeNumerically(">=", 1)))
		})

		It("applies a write and then drops the answer", func() {
			srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/*", Times: 1, DropResponse: true})
			_, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("ghost")}), admin(srv))
			Expect(err).To(HaveOccurred())
			Eventually(func() []ontapapi.SVMState { return srv.State().SVMs }).Should(ConsistOf(And(HaveField("Name", "ghost"), HaveField("State", "running"))))
			Expect(srv.CallsSince(0)).To(ContainElement(And(HaveField("Route", "/api/svm/svms"), HaveField("Dropped", true))))
		})

		It("delays calls", func() {
			srv.InjectFault(ontapapi.Fault{Path: "/api/cluster", Times: 1, Latency: 200 * time.Millisecond})
			start := time.Now()
			_, err := api.Cluster.ClusterGet(cluster.NewClusterGetParams(), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(time.Since(start)).To(BeNumerically(">=", 200*time.Millisecond))
		})

		It("fails jobs on request", func() {
			srv.InjectFault(ontapapi.Fault{Method: "POST", Path: "/api/svm/svms", JobFailure: "licence missing"})
			resp, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("nolicence")}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			job := waitJob(resp.Payload, admin(srv))
			Expect(*job.State).To(Equal("failure"))
			Expect(*job.Message).To(Equal("licence missing"))
			Expect(srv.State().SVMs).To(BeEmpty())
		})
	})

	Describe("seeds and state files", func() {
		BeforeEach(func() {
			seed, err := ontapapi.LoadSeedYAML([]byte(`
clusterName: lab
version: 9.15.1
nodes:
- name: lab-01
aggregates:
- name: aggr1
  node: lab-01
  size: 2Ti
  used: 512Gi
`))
			Expect(err).NotTo(HaveOccurred())
			cfg.Seed = &seed
			cfg.StateFile = filepath.Join(GinkgoT().TempDir(), "state", "ontap.json")
		})

		It("seeds from YAML and keeps objects across a restart", func() {
			state := srv.State()
			Expect(state.ClusterName).To(Equal("lab"))
			Expect(state.Version).To(Equal("9.15.1"))
			Expect(state.Aggregates).To(ConsistOf(ontapapi.AggregateState{Name: "aggr1", UUID: state.Aggregates[0].UUID, Node: "lab-01", Size: 2 << 40, Used: 512 << 30}))

			resp, err := api.Svm.SvmCreate(svm.NewSvmCreateParams().WithInfo(&models.Svm{Name: new("kept")}), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			Expect(*waitJob(resp.Payload, admin(srv)).State).To(Equal("success"))
			list, err := api.Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams(), admin(srv))
			Expect(err).NotTo(HaveOccurred())
			createAccount(*list.Payload.SvmResponseInlineRecords[0].UUID, "trident", "Kept-pw-1")
			Expect(srv.Close()).To(Succeed())
			raw, err := os.ReadFile(cfg.StateFile)
			Expect(err).NotTo(HaveOccurred())
			Expect(string(raw)).To(ContainSubstring(`"kept"`))

			again, err := ontapapi.Start(ctx, cfg)
			Expect(err).NotTo(HaveOccurred())
			DeferCleanup(again.Close)
			Expect(again.State().SVMs).To(ConsistOf(HaveField("Name", "kept")))
			_, err = tridentClient(again).Svm.SvmCollectionGet(svm.NewSvmCollectionGetParams(), httptransport.BasicAuth("trident", "Kept-pw-1"))
			Expect(err).NotTo(HaveOccurred())
		})
	})

	DescribeTable("invalid seeds",
		func(doc, want string) {
			_, err := ontapapi.LoadSeedYAML([]byte(doc))
			Expect(err).To(MatchError(ContainSubstring(want)))
		},
		Entry("no cluster name", "nodes: [{name: a}]", "clusterName is required"),
		Entry("no nodes", "clusterName: x", "at least one node"),
		Entry("aggregate on an unknown node", "clusterName: x\nnodes: [{name: a}]\naggregates: [{name: g, node: b, size: 1Ti}]", "unknown node"),
		Entry("used above size", "clusterName: x\nnodes: [{name: a}]\naggregates: [{name: g, node: a, size: 1Gi, used: 2Gi}]", "used <= size"),
		Entry("bad size", "clusterName: x\nnodes: [{name: a}]\naggregates: [{name: g, node: a, size: lots}]", "invalid size"),
		Entry("unknown field", "clusterName: x\nnodez: []", "unknown field"),
		Entry("bad version", "clusterName: x\nversion: nine\nnodes: [{name: a}]", "not of the form"),
	)

	Context("under concurrent load", func() {
		BeforeEach(func() { cfg.MaxSVMJobs = 100 })

		It("keeps its state consistent", func() {
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Go(func() {
					defer GinkgoRecover()
					uuid := createSVM(fmt.Sprintf("c%02d", i))
					createLIF(uuid, "data", fmt.Sprintf("10.20.%d.10", i), "24")
					createAccount(uuid, "trident", fmt.Sprintf("Conc-pw-%d", i))
				})
			}
			wg.Wait()
			state := srv.State()
			Expect(state.SVMs).To(HaveLen(20))
			Expect(state.Interfaces).To(HaveLen(20))
			Expect(srv.LeftoversWithPrefix("c0")).To(HaveLen(10 * 4)) // svm, lif, account, default export policy
		})
	})
})
