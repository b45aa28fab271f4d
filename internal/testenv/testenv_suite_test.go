package testenv_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/testenv"
)

func TestTestenv(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Testenv Suite")
}

var env *testenv.Environment

var _ = BeforeSuite(func() {
	var err error
	env, err = testenv.Start(testenv.Options{CRDs: append(testenv.SeedCRDs(), append(testenv.ShootCRDs, testenv.OperatorCRDs...)...)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })
})
