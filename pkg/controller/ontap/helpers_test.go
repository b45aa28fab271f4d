// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap_test

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/andybalholm/brotli"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	v1beta1constants "github.com/gardener/gardener/pkg/apis/core/v1beta1/constants"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// testShoot is a shoot with its namespace in the seed and its Extension of type ontap.
type testShoot struct {
	name      string
	namespace string
	uid       string
	svm       string
	shoot     *gardencorev1beta1.Shoot
}

func (s *testShoot) key() client.ObjectKey {
	return client.ObjectKey{Namespace: s.namespace, Name: "ontap"}
}

// storageTag is the metal-api tag of the shoot's LIF IPs.
func (s *testShoot) storageTag() string { return metal.StorageTag(s.uid) }

// createShoot writes what gardenlet writes for a shoot (namespace, Cluster, cloud provider secret) and the
// Extension with the providerConfig (YAML, empty for none).
func createShoot(name, providerConfig string, mutate ...func(*testenv.ShootSpec)) *testShoot {
	spec := testenv.ShootSpec{
		Project:              "dev",
		Name:                 name,
		InfrastructureConfig: []byte(fmt.Sprintf(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"InfrastructureConfig","partitionID":%q,"projectID":%q,"firewall":{"size":"c1-large-x86","image":"firewall-ubuntu-3.0","networks":["internet"]}}`, metalapi.DefaultPartitionID, metalapi.DefaultProjectID)),
		Nodes:                new("10.0.0.0/22"),
		Extensions:           []gardencorev1beta1.Extension{{Type: ontapcontroller.Type}},
	}
	for _, m := range mutate {
		m(&spec)
	}
	shoot := testenv.NewShoot(spec)
	cloudProfile := testenv.NewCloudProfile([]byte(fmt.Sprintf(`{"apiVersion":"metal.provider.extensions.gardener.cloud/v1alpha1","kind":"CloudProfileConfig","metalControlPlanes":{"sim":{"endpoint":%q,"partitions":{%q:{"firewallTypes":["c1-large-x86"]}}}}}`, metalS.URL(), metalapi.DefaultPartitionID)), gardencorev1beta1.CloudProfileSpec{})
	namespace, err := testenv.CreateShoot(ctx, c, shoot, cloudProfile, testenv.NewSeed("seed"))
	Expect(err).NotTo(HaveOccurred())
	Expect(c.Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: v1beta1constants.SecretNameCloudProvider, Namespace: namespace},
		Data:       map[string][]byte{metal.SecretKeyHMAC: []byte(metalapi.DefaultHMACKey)},
	})).To(Succeed())
	// The controller's predicates read the Cluster from the manager's cache and drop the Extension's creation while
	// it is not there: wait for it, as a real seed has the Cluster long before the Extension.
	Eventually(func() error {
		return cached.Get(ctx, client.ObjectKey{Name: namespace}, &extensionsv1alpha1.Cluster{})
	}).WithTimeout(10 * time.Second).Should(Succeed())

	ex := &extensionsv1alpha1.Extension{
		ObjectMeta: metav1.ObjectMeta{Name: "ontap", Namespace: namespace},
		Spec:       extensionsv1alpha1.ExtensionSpec{DefaultSpec: extensionsv1alpha1.DefaultSpec{Type: ontapcontroller.Type}},
	}
	if providerConfig != "" {
		raw, err := yaml.YAMLToJSON([]byte(providerConfig))
		Expect(err).NotTo(HaveOccurred())
		ex.Spec.ProviderConfig = &runtime.RawExtension{Raw: raw}
	}
	Expect(c.Create(ctx, ex)).To(Succeed())
	uid := string(shoot.Status.UID)
	return &testShoot{name: name, namespace: namespace, uid: uid, svm: ontapcontroller.SVMName(uid), shoot: shoot}
}

// extension reads the shoot's Extension.
func (s *testShoot) extension() *extensionsv1alpha1.Extension {
	GinkgoHelper()
	ex := &extensionsv1alpha1.Extension{}
	Expect(c.Get(ctx, s.key(), ex)).To(Succeed())
	return ex
}

// waitSucceeded waits until the last operation of the Extension succeeded.
func (s *testShoot) waitSucceeded() *extensionsv1alpha1.Extension {
	GinkgoHelper()
	ex := &extensionsv1alpha1.Extension{}
	Eventually(func(g Gomega) {
		g.Expect(c.Get(ctx, s.key(), ex)).To(Succeed())
		g.Expect(ex.Status.LastOperation).NotTo(BeNil())
		g.Expect(ex.Status.LastOperation.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded), "last error: %v", ex.Status.LastError)
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return ex
}

// operate sets gardener's operation annotation (reconcile, migrate, restore) and waits until the operation of
// that type succeeded after the previous one.
func (s *testShoot) operate(operation string, wantType gardencorev1beta1.LastOperationType) *extensionsv1alpha1.Extension {
	GinkgoHelper()
	return s.operateWith(operation, wantType, nil)
}

// reconfigure replaces the providerConfig of the Extension and waits until the reconciliation of the new
// configuration succeeded. Configuration and operation annotation change in one patch, so exactly one
// reconciliation follows.
func (s *testShoot) reconfigure(providerConfig string) *extensionsv1alpha1.Extension {
	GinkgoHelper()
	raw, err := yaml.YAMLToJSON([]byte(providerConfig))
	Expect(err).NotTo(HaveOccurred())
	return s.operateWith(v1beta1constants.GardenerOperationReconcile, gardencorev1beta1.LastOperationTypeReconcile, func(ex *extensionsv1alpha1.Extension) {
		ex.Spec.ProviderConfig = &runtime.RawExtension{Raw: raw}
	})
}

// operateWith is operate with a change of the Extension (when mutate is not nil) in the patch that sets the
// annotation.
func (s *testShoot) operateWith(operation string, wantType gardencorev1beta1.LastOperationType, mutate func(*extensionsv1alpha1.Extension)) *extensionsv1alpha1.Extension {
	GinkgoHelper()
	before := s.extension()
	var since time.Time
	if lo := before.Status.LastOperation; lo != nil {
		since = lo.LastUpdateTime.Time
		// lastUpdateTime has a precision of seconds: step into the next one so the new operation is told apart.
		time.Sleep(time.Until(since.Add(time.Second)))
	}
	current := s.extension()
	patch := client.MergeFrom(current.DeepCopy())
	metav1.SetMetaDataAnnotation(&current.ObjectMeta, v1beta1constants.GardenerOperation, operation)
	if mutate != nil {
		mutate(current)
	}
	Expect(c.Patch(ctx, current, patch)).To(Succeed())
	ex := &extensionsv1alpha1.Extension{}
	Eventually(func(g Gomega) {
		g.Expect(c.Get(ctx, s.key(), ex)).To(Succeed())
		lo := ex.Status.LastOperation
		g.Expect(lo).NotTo(BeNil())
		g.Expect(lo.LastUpdateTime.Time.After(since)).To(BeTrue())
		g.Expect(lo.State).To(Equal(gardencorev1beta1.LastOperationStateSucceeded), "last error: %v", ex.Status.LastError)
		if wantType == gardencorev1beta1.LastOperationTypeReconcile {
			g.Expect(lo.Type).To(Equal(wantType))
			return
		}
		// Gardener's reconciler removes the migrate and restore annotations only after the operation succeeded; a
		// reconciliation may follow a restore right away.
		g.Expect(ex.Annotations).NotTo(HaveKey(v1beta1constants.GardenerOperation))
		g.Expect(lo.Type).To(Or(Equal(wantType), Equal(gardencorev1beta1.LastOperationTypeReconcile)))
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
	return ex
}

// reconcile triggers a reconciliation and waits until it succeeded.
func (s *testShoot) reconcile() *extensionsv1alpha1.Extension {
	GinkgoHelper()
	return s.operate(v1beta1constants.GardenerOperationReconcile, gardencorev1beta1.LastOperationTypeReconcile)
}

func (s *testShoot) annotate(key, value string) {
	GinkgoHelper()
	ex := s.extension()
	patch := client.MergeFrom(ex.DeepCopy())
	metav1.SetMetaDataAnnotation(&ex.ObjectMeta, key, value)
	Expect(c.Patch(ctx, ex, patch)).To(Succeed())
}

// status decodes the providerStatus of the Extension.
func (s *testShoot) status() *apisontap.OntapStatus {
	GinkgoHelper()
	st, err := ontaphelper.OntapStatusFromRaw(s.extension().Status.ProviderStatus)
	Expect(err).NotTo(HaveOccurred())
	Expect(st).NotTo(BeNil())
	return st
}

// credentials reads the credentials Secret and remembers the password for the leak checks.
func (s *testShoot) credentials() (user, password, cluster string) {
	GinkgoHelper()
	secret := &corev1.Secret{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: ontapcontroller.CredentialsSecretName}, secret)).To(Succeed())
	password = string(secret.Data["password"])
	remember(password)
	return string(secret.Data["username"]), password, string(secret.Data["cluster"])
}

// delete deletes the Extension and waits until it is gone.
func (s *testShoot) delete() {
	GinkgoHelper()
	Expect(c.Delete(ctx, s.extension())).To(Succeed())
	s.waitGone()
}

func (s *testShoot) waitGone() {
	GinkgoHelper()
	Eventually(func(g Gomega) {
		ex := &extensionsv1alpha1.Extension{}
		err := c.Get(ctx, s.key(), ex)
		if err == nil && ex.Status.LastError != nil {
			GinkgoWriter.Println("last error:", ex.Status.LastError.Description)
		}
		g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "extension still exists: %v", err)
	}).WithTimeout(30 * time.Second).WithPolling(50 * time.Millisecond).Should(Succeed())
}

// clientAs logs into an ONTAP simulator with the given account.
func clientAs(sim *ontapapi.Server, user, password string) *ontap.Client {
	GinkgoHelper()
	cl, err := ontap.NewClient(ontap.ClientConfig{Name: sim.State().ClusterName, Address: sim.Address(), Username: user, Password: password, CABundle: sim.CACert()})
	Expect(err).NotTo(HaveOccurred())
	return cl
}

// admin logs into an ONTAP simulator as cluster administrator.
func admin(sim *ontapapi.Server) *ontap.Client {
	GinkgoHelper()
	user, password := sim.AdminCredentials()
	return clientAs(sim, user, password)
}

// managedResource reads a ManagedResource of the shoot.
func (s *testShoot) managedResource(name string) *resourcesv1alpha1.ManagedResource {
	GinkgoHelper()
	mr := &resourcesv1alpha1.ManagedResource{}
	Expect(c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: name}, mr)).To(Succeed())
	return mr
}

// shootObjects decodes the objects a ManagedResource deploys into the shoot, by "Kind/namespace/name".
func (s *testShoot) shootObjects(name string) map[string]*unstructured.Unstructured {
	GinkgoHelper()
	mr := s.managedResource(name)
	out := map[string]*unstructured.Unstructured{}
	for _, ref := range mr.Spec.SecretRefs {
		secret := &corev1.Secret{}
		Expect(c.Get(ctx, client.ObjectKey{Namespace: s.namespace, Name: ref.Name}, secret)).To(Succeed())
		for key, value := range secret.Data {
			data := value
			if strings.HasSuffix(key, resourcesv1alpha1.BrotliCompressionSuffix) {
				var err error
				data, err = io.ReadAll(brotli.NewReader(bytes.NewReader(value)))
				Expect(err).NotTo(HaveOccurred())
			}
			for doc := range strings.SplitSeq(string(data), "---\n") {
				if strings.TrimSpace(doc) == "" {
					continue
				}
				obj := &unstructured.Unstructured{}
				Expect(yaml.Unmarshal([]byte(doc), &obj.Object)).To(Succeed())
				out[obj.GetKind()+"/"+obj.GetNamespace()+"/"+obj.GetName()] = obj
			}
		}
	}
	return out
}

// resourceVersions records the resourceVersions of everything the controller writes into the shoot namespace:
// the credentials Secret, the ManagedResources and their Secrets.
func (s *testShoot) resourceVersions() map[string]string {
	GinkgoHelper()
	out := map[string]string{}
	secrets := &corev1.SecretList{}
	Expect(c.List(ctx, secrets, client.InNamespace(s.namespace))).To(Succeed())
	for _, secret := range secrets.Items {
		out["Secret/"+secret.Name] = secret.ResourceVersion
	}
	mrs := &resourcesv1alpha1.ManagedResourceList{}
	Expect(c.List(ctx, mrs, client.InNamespace(s.namespace))).To(Succeed())
	for _, mr := range mrs.Items {
		out["ManagedResource/"+mr.Name] = mr.ResourceVersion
	}
	return out
}

// lifAddresses are the addresses of the shoot's LIFs on the ONTAP simulator.
func lifAddresses(sim *ontapapi.Server, svm string) []string {
	var out []string
	for _, i := range sim.State().Interfaces {
		if i.SVM == svm {
			out = append(out, i.Address)
		}
	}
	return out
}

// svmsNamed counts the SVMs of the name on the simulator.
func svmsNamed(sim *ontapapi.Server, name string) int {
	n := 0
	for _, svm := range sim.State().SVMs {
		if svm.Name == name {
			n++
		}
	}
	return n
}

// svmState reads an SVM from the simulator's state.
func svmState(sim *ontapapi.Server, name string) ontapapi.SVMState {
	GinkgoHelper()
	for _, svm := range sim.State().SVMs {
		if svm.Name == name {
			return svm
		}
	}
	Fail("SVM " + name + " not found")
	return ontapapi.SVMState{}
}

// qosPoliciesOf lists the QoS policies an SVM owns on the simulator.
func qosPoliciesOf(sim *ontapapi.Server, svm string) []ontapapi.QoSPolicyState {
	var out []ontapapi.QoSPolicyState
	for _, p := range sim.State().QoSPolicies {
		if p.SVM == svm {
			out = append(out, p)
		}
	}
	return out
}
