// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package mcm_test

import (
	"context"
	"testing"

	machinev1alpha1 "github.com/gardener/machine-controller-manager/pkg/apis/machine/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

func TestMCM(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "MCM driver")
}

const (
	// tinySizeID is a size with a single machine in the partition, for capacity tests.
	tinySizeID = "t1-tiny-x86"
	// userData is the machines' user data; it stands for a secret that must never show up in messages.
	userData = "#cloud-config\nbootstrap-token: <<BOOTSTRAP_TOKEN>>\n"
)

var (
	sim     *metalapi.Server
	env     *testenv.Environment
	clients *metal.ClientCache
	// admin is a metal-api client for checks and for setting up networks.
	admin metal.Client
	// credentials are the data of the cloudprovider secret.
	credentials = map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)}
)

var _ = BeforeSuite(func() {
	ctx, cancel := context.WithCancel(context.Background())
	DeferCleanup(cancel)

	cfg := metalapi.DefaultConfig()
	cfg.Seed.Sizes = append(cfg.Seed.Sizes, metalapi.SizeSeed{ID: tinySizeID, Name: tinySizeID, CPUCores: 2, MemoryGiB: 8, StorageGiB: 120})
	cfg.Seed.Partitions[0].FreeMachines[tinySizeID] = 1
	var err error
	sim, err = metalapi.Start(ctx, cfg)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(sim.Close)

	clients = metal.NewClientCache(metal.DefaultClientConfig())
	admin, err = clients.Client(sim.URL(), metal.HMAC(metalapi.DefaultHMACKey, ""))
	Expect(err).NotTo(HaveOccurred())

	env, err = testenv.Start(testenv.Options{CRDs: testenv.MachineCRDs})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(env.Stop)
})

// cluster is one shoot as the driver sees it: its identity and node network.
type cluster struct {
	metal.Cluster
	nodeNetwork *metal.Network
}

// newCluster allocates a dual-stack node network for a fresh cluster ID.
func newCluster(ctx context.Context) *cluster {
	GinkgoHelper()
	c := metal.Cluster{ID: string(uuid.NewUUID()), Name: "shoot--test--" + string(uuid.NewUUID())[:8], ProjectID: metalapi.DefaultProjectID, PartitionID: metalapi.DefaultPartitionID}
	n, err := admin.EnsureNodeNetwork(ctx, c, metal.NodeNetworkSpec{Families: []metal.IPFamily{metal.IPv4, metal.IPv6}})
	Expect(err).NotTo(HaveOccurred())
	return &cluster{Cluster: c, nodeNetwork: n}
}

// spec is a ProviderSpec for the cluster's machines of a size, with the storage network as extra network.
func (c *cluster) spec(size string) mcm.ProviderSpec {
	return mcm.ProviderSpec{
		APIVersion:  mcm.ProviderSpecAPIVersion,
		Kind:        mcm.ProviderSpecKind,
		MetalAPIURL: sim.URL(),
		ClusterID:   c.ID,
		Partition:   metalapi.DefaultPartitionID,
		Size:        size,
		Image:       metalapi.MachineImageID,
		Project:     metalapi.DefaultProjectID,
		Networks:    []string{c.nodeNetwork.ID, metalapi.StorageNetworkID},
		Tags:        []string{metal.ClusterTag(c.ID), metal.ClusterNameTag(c.Name), "worker.gardener.cloud/pool=pool-a"},
	}
}

// class is a MachineClass of the spec in the namespace.
func class(namespace, name string, spec mcm.ProviderSpec) *machinev1alpha1.MachineClass {
	GinkgoHelper()
	raw, err := spec.Encode()
	Expect(err).NotTo(HaveOccurred())
	return &machinev1alpha1.MachineClass{
		ObjectMeta:           metav1.ObjectMeta{Name: name, Namespace: namespace},
		Provider:             mcm.ProviderName,
		ProviderSpec:         runtime.RawExtension{Raw: raw},
		SecretRef:            &corev1.SecretReference{Name: name, Namespace: namespace},
		CredentialsSecretRef: &corev1.SecretReference{Name: "cloudprovider", Namespace: namespace},
	}
}

// secretData is what MCM hands the driver: the class secret and the credentials secret merged.
func secretData() *corev1.Secret {
	data := map[string][]byte{mcm.UserDataKey: []byte(userData)}
	for k, v := range credentials {
		data[k] = v
	}
	return &corev1.Secret{Data: data}
}

// leasedFor returns the IDs of the machines leased with the tag.
func leasedFor(tag string) []string {
	return sim.LeftoversForCluster(tag).Machines
}
