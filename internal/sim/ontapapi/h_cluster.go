package ontapapi

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/go-openapi/strfmt"
	"github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
)

func (s *Server) routes() {
	// cluster
	s.handle("GET /api/cluster", s.getCluster)
	s.handle("GET /api/cluster/nodes", s.listNodes)
	s.handle("GET /api/cluster/nodes/{uuid}", s.getNode)
	s.handle("GET /api/cluster/jobs", s.listJobs)
	s.handle("GET /api/cluster/jobs/{uuid}", s.getJob)
	// storage
	s.handle("GET /api/storage/aggregates", s.listAggregates)
	s.handle("GET /api/storage/aggregates/{uuid}", s.getAggregate)
	s.handle("GET /api/storage/volumes", s.listVolumes)
	s.handle("POST /api/storage/volumes", s.createVolume)
	s.handle("GET /api/storage/volumes/{uuid}", s.getVolume)
	s.handle("PATCH /api/storage/volumes/{uuid}", s.modifyVolume)
	s.handle("DELETE /api/storage/volumes/{uuid}", s.deleteVolume)
	s.handle("GET /api/storage/luns", s.listLUNs)
	s.handle("POST /api/storage/luns", s.createLUN)
	s.handle("GET /api/storage/luns/{uuid}", s.getLUN)
	s.handle("DELETE /api/storage/luns/{uuid}", s.deleteLUN)
	s.handle("GET /api/storage/namespaces", s.listNamespaces)
	s.handle("POST /api/storage/namespaces", s.createNamespace)
	s.handle("GET /api/storage/namespaces/{uuid}", s.getNamespace)
	s.handle("DELETE /api/storage/namespaces/{uuid}", s.deleteNamespace)
	s.handle("GET /api/storage/qos/policies", s.listQoSPolicies)
	s.handle("POST /api/storage/qos/policies", s.createQoSPolicy)
	s.handle("GET /api/storage/qos/policies/{uuid}", s.getQoSPolicy)
	s.handle("PATCH /api/storage/qos/policies/{uuid}", s.modifyQoSPolicy)
	s.handle("DELETE /api/storage/qos/policies/{uuid}", s.deleteQoSPolicy)
	// svm
	s.handle("GET /api/svm/svms", s.listSVMs)
	s.handle("POST /api/svm/svms", s.createSVM)
	s.handle("GET /api/svm/svms/{uuid}", s.getSVM)
	s.handle("PATCH /api/svm/svms/{uuid}", s.modifySVM)
	s.handle("DELETE /api/svm/svms/{uuid}", s.deleteSVM)
	// networking
	s.handle("GET /api/network/ip/interfaces", s.listInterfaces)
	s.handle("POST /api/network/ip/interfaces", s.createInterface)
	s.handle("GET /api/network/ip/interfaces/{uuid}", s.getInterface)
	s.handle("PATCH /api/network/ip/interfaces/{uuid}", s.modifyInterface)
	s.handle("DELETE /api/network/ip/interfaces/{uuid}", s.deleteInterface)
	s.handle("GET /api/network/ip/routes", s.listRoutes)
	s.handle("POST /api/network/ip/routes", s.createRoute)
	s.handle("GET /api/network/ip/routes/{uuid}", s.getRoute)
	s.handle("DELETE /api/network/ip/routes/{uuid}", s.deleteRoute)
	// protocols
	for _, p := range []struct{ proto, base string }{
		{protoNVMe, "/api/protocols/nvme/services"},
		{protoISCSI, "/api/protocols/san/iscsi/services"},
		{protoNFS, "/api/protocols/nfs/services"},
	} {
		s.handle("GET "+p.base, s.listServices(p.proto))
		s.handle("POST "+p.base, s.createService(p.proto))
		s.handle("GET "+p.base+"/{svm_uuid}", s.getService(p.proto))
		s.handle("PATCH "+p.base+"/{svm_uuid}", s.modifyService(p.proto))
		s.handle("DELETE "+p.base+"/{svm_uuid}", s.deleteService(p.proto))
	}
	s.handle("GET /api/protocols/nfs/export-policies", s.listExportPolicies)
	s.handle("POST /api/protocols/nfs/export-policies", s.createExportPolicy)
	s.handle("GET /api/protocols/nfs/export-policies/{id}", s.getExportPolicy)
	s.handle("PATCH /api/protocols/nfs/export-policies/{id}", s.modifyExportPolicy)
	s.handle("DELETE /api/protocols/nfs/export-policies/{id}", s.deleteExportPolicy)
	s.handle("GET /api/protocols/nfs/export-policies/{id}/rules", s.listExportRules)
	s.handle("POST /api/protocols/nfs/export-policies/{id}/rules", s.createExportRule)
	s.handle("GET /api/protocols/nfs/export-policies/{id}/rules/{index}", s.getExportRule)
	s.handle("PATCH /api/protocols/nfs/export-policies/{id}/rules/{index}", s.modifyExportRule)
	s.handle("DELETE /api/protocols/nfs/export-policies/{id}/rules/{index}", s.deleteExportRule)
	// security
	s.handle("GET /api/security/accounts", s.listAccounts)
	s.handle("POST /api/security/accounts", s.createAccount)
	s.handle("GET /api/security/accounts/{owner_uuid}/{name}", s.getAccount)
	s.handle("PATCH /api/security/accounts/{owner_uuid}/{name}", s.modifyAccount)
	s.handle("DELETE /api/security/accounts/{owner_uuid}/{name}", s.deleteAccount)
	s.handle("POST /api/security/authentication/password", s.changePassword)

	s.handle("/", func(rc *reqCtx) (int, any, *apiError) {
		return 0, nil, &apiError{status: http.StatusNotFound, code: CodeMethodUnsupported,
			message: fmt.Sprintf("API not found: %s %s", rc.r.Method, rc.r.URL.Path)}
	})
}

func (s *Server) clusterVersion() *models.ClusterInlineVersion {
	gen, major, minor, _ := parseVersion(s.st.Cluster.Version)
	full := "NetApp Release " + s.st.Cluster.Version + ": ONTAP simulator"
	return &models.ClusterInlineVersion{Full: &full, Generation: &gen, Major: &major, Minor: &minor}
}

func (s *Server) getCluster(rc *reqCtx) (int, any, *apiError) {
	uuid := strfmt.UUID(s.st.Cluster.UUID)
	c := &models.Cluster{
		Name:    new(s.st.Cluster.Name),
		UUID:    &uuid,
		Version: s.clusterVersion(),
	}
	if rc.p.cluster() {
		for _, n := range s.st.Nodes {
			nodeUUID := strfmt.UUID(n.UUID)
			c.ClusterInlineNodes = append(c.ClusterInlineNodes, &models.ClusterInlineNodesInlineArrayItem{Name: new(n.Name), UUID: &nodeUUID})
		}
	}
	return rc.single(c, "/api/cluster", "name", "uuid")
}

func (s *Server) nodeModel(n *nodeRec) *models.Node {
	v := s.clusterVersion()
	uuid := strfmt.UUID(n.UUID)
	return &models.Node{
		Name:         new(n.Name),
		UUID:         &uuid,
		State:        new("up"),
		Membership:   new("member"),
		Model:        new("SIMBOX"),
		SerialNumber: new(n.Serial),
		Version:      &models.NodeInlineVersion{Full: v.Full, Generation: v.Generation, Major: v.Major, Minor: v.Minor},
	}
}

func (s *Server) listNodes(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, n := range s.st.Nodes {
		items = append(items, listItem{rec: s.nodeModel(n), href: "/api/cluster/nodes/" + n.UUID})
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) getNode(rc *reqCtx) (int, any, *apiError) {
	n := s.st.nodeByRef("", rc.r.PathValue("uuid"))
	if n == nil {
		return 0, nil, notFound("uuid")
	}
	return rc.single(s.nodeModel(n), "/api/cluster/nodes/"+n.UUID, "uuid", "name")
}

func (s *Server) aggregateModel(a *aggregateRec) *models.Aggregate {
	node := s.st.nodeByRef(a.Node, "")
	nodeName, nodeUUID := node.Name, node.UUID
	count := int64(0)
	for _, v := range s.st.Volumes {
		for _, va := range v.VolumeInlineAggregates {
			if deref(va.UUID) == a.UUID {
				count++
			}
		}
	}
	return &models.Aggregate{
		Name:        new(a.Name),
		UUID:        new(a.UUID),
		State:       new("online"),
		HomeNode:    &models.AggregateInlineHomeNode{Name: &nodeName, UUID: &nodeUUID},
		Node:        &models.AggregateInlineNode{Name: &nodeName, UUID: &nodeUUID},
		VolumeCount: new(count),
		Space: &models.AggregateInlineSpace{BlockStorage: &models.AggregateInlineSpaceInlineBlockStorage{
			Size:      new(a.Size),
			Used:      new(a.Used),
			Available: new(a.Size - a.Used),
		}},
	}
}

// aggregateVisible: SVM-scoped accounts see the aggregates assigned to
// their SVM only.
func (s *Server) aggregateVisible(p principal, a *aggregateRec) bool {
	if p.cluster() {
		return true
	}
	svm, ok := s.st.SVMs[p.owner]
	if !ok {
		return false
	}
	return slices.ContainsFunc(svm.SvmInlineAggregates, func(sa *models.SvmInlineAggregatesInlineArrayItem) bool {
		return deref(sa.UUID) == a.UUID
	})
}

func (s *Server) listAggregates(rc *reqCtx) (int, any, *apiError) {
	var items []listItem
	for _, a := range s.st.Aggregates {
		if s.aggregateVisible(rc.p, a) {
			items = append(items, listItem{rec: s.aggregateModel(a), href: "/api/storage/aggregates/" + a.UUID})
		}
	}
	return rc.list(items, "uuid", "name")
}

func (s *Server) getAggregate(rc *reqCtx) (int, any, *apiError) {
	a := s.st.aggregateByRef("", rc.r.PathValue("uuid"))
	if a == nil || !s.aggregateVisible(rc.p, a) {
		return 0, nil, notFound("uuid")
	}
	return rc.single(s.aggregateModel(a), "/api/storage/aggregates/"+a.UUID, "uuid", "name")
}
