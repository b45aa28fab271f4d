// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package example_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	gardencorevalidation "github.com/gardener/gardener/pkg/api/core/validation"
	gardencore "github.com/gardener/gardener/pkg/apis/core"
	gardencoreinstall "github.com/gardener/gardener/pkg/apis/core/install"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	securityv1alpha1 "github.com/gardener/gardener/pkg/apis/security/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/yaml"

	metalconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	metalconfigvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/metal/validation"
	ontapconfigloader "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/loader"
	ontapconfigvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/validation"
	"github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
	metalvalidation "github.com/metalgarden/metalgarden/pkg/apis/metal/validation"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	ontapvalidation "github.com/metalgarden/metalgarden/pkg/apis/ontap/validation"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

func TestExamples(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Examples Suite")
}

// read decodes the YAML documents of an example file strictly into the objects given, in order.
func read(name string, into ...any) {
	GinkgoHelper()
	data, err := os.ReadFile(filepath.FromSlash(name))
	Expect(err).NotTo(HaveOccurred())
	docs := splitDocuments(data)
	Expect(docs).To(HaveLen(len(into)), name)
	for i, doc := range docs {
		Expect(yaml.UnmarshalStrict(doc, into[i])).To(Succeed(), "%s, document %d", name, i+1)
	}
}

func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, doc := range slices.Collect(func(yield func([]byte) bool) {
		start := 0
		for i := 0; i+4 <= len(data); i++ {
			if (i == 0 || data[i-1] == '\n') && string(data[i:i+4]) == "---\n" {
				if !yield(data[start:i]) {
					return
				}
				start = i + 4
			}
		}
		yield(data[start:])
	}) {
		if len(doc) > 0 {
			docs = append(docs, doc)
		}
	}
	return docs
}

// coreScheme converts Gardener's versioned API objects into the internal ones its validation takes.
var coreScheme = func() *runtime.Scheme {
	scheme := runtime.NewScheme()
	gardencoreinstall.Install(scheme)
	return scheme
}()

var _ = Describe("Examples", func() {
	var (
		cloudProfile = &gardencorev1beta1.CloudProfile{}
		cpc          *metal.CloudProfileConfig
		shoot        = &gardencorev1beta1.Shoot{}
	)

	BeforeEach(func() {
		read("garden/cloudprofile.yaml", cloudProfile)
		var err error
		cpc, err = metalhelper.CloudProfileConfigFromRawExtensionStrict(cloudProfile.Spec.ProviderConfig)
		Expect(err).NotTo(HaveOccurred())
		read("garden/shoot.yaml", shoot)
	})

	It("offer component configurations the binaries load and accept", func() {
		metalConfig, err := metalconfigloader.LoadFromFile(filepath.Join("config", "provider-metal.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(metalconfigvalidation.ValidateControllerConfiguration(metalConfig)).To(BeEmpty())

		ontapConfig, err := ontapconfigloader.LoadFromFile(filepath.Join("config", "ontap.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(ontapconfigvalidation.ValidateControllerConfiguration(ontapConfig)).To(BeEmpty())
	})

	It("offer a CloudProfile with a dual-stack partition that Gardener and the metal provider accept", func() {
		Expect(metalvalidation.ValidateCloudProfileConfig(cpc, field.NewPath("spec", "providerConfig"))).To(BeEmpty())

		_, _, partition, err := metalhelper.FindMetalControlPlane(cpc, "fra-equ01")
		Expect(err).NotTo(HaveOccurred())
		Expect(partition.NodeNetworkDefaults.PrefixLengths).To(And(HaveField("IPv4", Not(BeNil())), HaveField("IPv6", Not(BeNil()))))
		// Every zone of the profile is a partition of the provider config.
		for _, region := range cloudProfile.Spec.Regions {
			for _, zone := range region.Zones {
				_, _, _, err := metalhelper.FindMetalControlPlane(cpc, zone.Name)
				Expect(err).NotTo(HaveOccurred(), "zone %s", zone.Name)
			}
		}

		internal := &gardencore.CloudProfile{}
		Expect(coreScheme.Convert(cloudProfile, internal, nil)).To(Succeed())
		Expect(gardencorevalidation.ValidateCloudProfile(internal)).To(BeEmpty())
	})

	It("offer a dual-stack Shoot with the ontap extension whose providerConfigs the decoders and validation accept", func() {
		families := shoot.Spec.Networking.IPFamilies
		Expect(families).To(ConsistOf(gardencorev1beta1.IPFamilyIPv4, gardencorev1beta1.IPFamilyIPv6))
		Expect(shoot.Spec.Provider.Type).To(Equal(cloudProfile.Spec.Type))

		infra, err := metalhelper.InfrastructureConfigFromRawExtension(shoot.Spec.Provider.InfrastructureConfig)
		Expect(err).NotTo(HaveOccurred())
		Expect(metalvalidation.ValidateInfrastructureConfig(infra, families, field.NewPath("infrastructureConfig"))).To(BeEmpty())
		Expect(metalvalidation.ValidateInfrastructureConfigAgainstCloudProfile(infra, cpc, field.NewPath("infrastructureConfig"))).To(BeEmpty())

		controlPlane, err := metalhelper.ControlPlaneConfigFromRawExtension(shoot.Spec.Provider.ControlPlaneConfig)
		Expect(err).NotTo(HaveOccurred())
		Expect(metalvalidation.ValidateControlPlaneConfig(controlPlane, field.NewPath("controlPlaneConfig"))).To(BeEmpty())
		Expect(metalvalidation.ValidateControlPlaneConfigAgainstInfrastructure(controlPlane, infra, cpc, field.NewPath("controlPlaneConfig"))).To(BeEmpty())
		Expect(metalvalidation.ValidateNetworkAccessForIPFamilies(controlPlane, infra, cpc, families, field.NewPath("controlPlaneConfig"))).To(BeEmpty())

		Expect(shoot.Spec.Provider.Workers).NotTo(BeEmpty())
		for _, worker := range shoot.Spec.Provider.Workers {
			workerConfig, err := metalhelper.WorkerConfigFromRawExtension(worker.ProviderConfig)
			Expect(err).NotTo(HaveOccurred())
			Expect(metalvalidation.ValidateWorkerConfig(workerConfig, field.NewPath("workers").Key(worker.Name))).To(BeEmpty())
			Expect(cloudProfile.Spec.MachineTypes).To(ContainElement(HaveField("Name", worker.Machine.Type)))
		}

		var ontapExtension *gardencorev1beta1.Extension
		for i := range shoot.Spec.Extensions {
			if shoot.Spec.Extensions[i].Type == "ontap" {
				ontapExtension = &shoot.Spec.Extensions[i]
			}
		}
		Expect(ontapExtension).NotTo(BeNil())
		ontapConfig, err := ontaphelper.OntapConfigFromRawExtension(ontapExtension.ProviderConfig)
		Expect(err).NotTo(HaveOccurred())
		Expect(ontapvalidation.ValidateOntapConfig(ontapConfig, field.NewPath("providerConfig"))).To(BeEmpty())

		// The SVM's cluster is one the ontap extension is configured with.
		seedConfig, err := ontapconfigloader.LoadFromFile(filepath.Join("config", "ontap.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(seedConfig.Clusters).To(ContainElement(HaveField("Name", *ontapConfig.SVM.Cluster)))
	})

	It("offer credentials in the shapes the extensions read", func() {
		metalSecret, binding := &corev1.Secret{}, &securityv1alpha1.CredentialsBinding{}
		read("garden/secret-metal-credentials.yaml", metalSecret, binding)
		Expect(binding.Name).To(Equal(*shoot.Spec.CredentialsBindingName))
		Expect(binding.Provider.Type).To(Equal("metal"))
		Expect(binding.CredentialsRef).To(And(HaveField("Kind", "Secret"), HaveField("Name", metalSecret.Name), HaveField("Namespace", metalSecret.Namespace)))
		keys := 0
		for _, key := range []string{"metalAPIKey", "metalAPIHMac"} {
			if metalSecret.StringData[key] != "" {
				keys++
			}
		}
		Expect(keys).To(Equal(1), "exactly one of metalAPIKey and metalAPIHMac")

		ontapSecret := &corev1.Secret{}
		read("seed/secret-ontap-admin.yaml", ontapSecret)
		ontapSecret.Data = map[string][]byte{}
		for k, v := range ontapSecret.StringData {
			ontapSecret.Data[k] = []byte(v)
		}
		clusters, err := ontap.ClientConfigsFromSecret(ontapSecret)
		Expect(err).NotTo(HaveOccurred())
		seedConfig, err := ontapconfigloader.LoadFromFile(filepath.Join("config", "ontap.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(seedConfig.Clusters).To(ContainElement(And(
			HaveField("Name", clusters[0].Name),
			HaveField("SecretRef.Name", ontapSecret.Name),
			HaveField("SecretRef.Namespace", ontapSecret.Namespace),
		)))
	})
})
