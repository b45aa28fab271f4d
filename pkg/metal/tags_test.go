// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal_test

import (
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/metalgarden/metalgarden/pkg/metal"
)

var _ = Describe("tags", func() {
	const id = "0c9e4e0a-2f1d-4a55-8a3f-5c2a8e8f1b11"

	DescribeTable("build metal-stack's cluster tags",
		func(got, want string) { Expect(got).To(Equal(want)) },
		Entry("cluster tag", metal.ClusterTag(id), "cluster.metal-stack.io/id="+id),
		Entry("egress tag", metal.EgressTag(id), "cluster.metal-stack.io/id/egress="+id),
		Entry("service tag", metal.ServiceTag(id, "default", "ingress"), "cluster.metal-stack.io/id/namespace/service="+id+"/default/ingress"),
	)

	DescribeTable("IsClusterTag recognises the cluster's own tags only",
		func(t string, want bool) { Expect(metal.IsClusterTag(t, id)).To(Equal(want)) },
		Entry("its cluster tag", metal.ClusterTag(id), true),
		Entry("its egress tag", metal.EgressTag(id), true),
		Entry("its service tag", metal.ServiceTag(id, "kube-system", "lb"), true),
		Entry("another cluster's cluster tag", metal.ClusterTag("other"), false),
		Entry("another cluster's egress tag", metal.EgressTag("other"), false),
		Entry("a cluster whose ID starts with this one", metal.ServiceTag(id+"0", "default", "lb"), false),
		Entry("a cluster whose ID is a prefix of this one", metal.ServiceTag(id[:8], "default", "lb"), false),
		Entry("a malformed service tag", "cluster.metal-stack.io/id/namespace/service="+id, false),
		Entry("a machine tag", "machine.metal-stack.io/id="+id, false),
		Entry("a free tag", "team=blue", false),
	)

	DescribeTable("parse the cluster out of service and egress tags",
		func(parse func(string) (string, bool), t, wantID string, wantOK bool) {
			got, ok := parse(t)
			Expect(ok).To(Equal(wantOK))
			Expect(got).To(Equal(wantID))
		},
		Entry("service tag", metal.ServiceTagCluster, metal.ServiceTag(id, "a", "b"), id, true),
		Entry("service tag without service", metal.ServiceTagCluster, "cluster.metal-stack.io/id/namespace/service="+id+"/a", "", false),
		Entry("egress tag as service tag", metal.ServiceTagCluster, metal.EgressTag(id), "", false),
		Entry("egress tag", metal.EgressTagCluster, metal.EgressTag(id), id, true),
		Entry("empty egress tag", metal.EgressTagCluster, "cluster.metal-stack.io/id/egress=", "", false),
		Entry("cluster tag as egress tag", metal.EgressTagCluster, metal.ClusterTag(id), "", false),
	)

	It("labels node networks with the cluster ID and name", func() {
		c := metal.Cluster{ID: id, Name: "shoot--dev--a", ProjectID: "p", PartitionID: "fra"}
		Expect(c.NodeNetworkLabels()).To(Equal(map[string]string{
			"cluster.metal-stack.io/id":   id,
			"cluster.metal-stack.io/name": "shoot--dev--a",
		}))
	})

	DescribeTable("ClusterFor takes the shoot's status UID and technical ID",
		func(shoot *gardencorev1beta1.Shoot, want metal.Cluster) {
			Expect(metal.ClusterFor(shoot, "p", "fra")).To(Equal(want))
		},
		Entry("from the status", &gardencorev1beta1.Shoot{
			ObjectMeta: metav1.ObjectMeta{Name: "a", UID: "meta"},
			Status:     gardencorev1beta1.ShootStatus{UID: "status", TechnicalID: "shoot--dev--a"},
		}, metal.Cluster{ID: "status", Name: "shoot--dev--a", ProjectID: "p", PartitionID: "fra"}),
		Entry("from the metadata without status", &gardencorev1beta1.Shoot{
			ObjectMeta: metav1.ObjectMeta{Name: "a", UID: "meta"},
		}, metal.Cluster{ID: "meta", Name: "a", ProjectID: "p", PartitionID: "fra"}),
	)
})
