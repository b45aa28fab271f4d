// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/metalgarden/metalgarden/internal/testenv"
	"github.com/metalgarden/metalgarden/pkg/charts"
)

func TestCharts(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Deployment Charts Suite")
}

// chartsDir holds the deployment charts, relative to this package.
var chartsDir = filepath.Join("..", "..", "charts")

var (
	env *testenv.Environment
	// version is the release version of the repository (the VERSION file), which make charts stamps in.
	version string
	// archives are the packaged charts, as the Gardener Operator and gardenlet pull them from the registry.
	archives = map[string][]byte{}
)

var _ = BeforeSuite(func() {
	SetDefaultEventuallyTimeout(30 * time.Second)
	SetDefaultEventuallyPollingInterval(100 * time.Millisecond)

	data, err := os.ReadFile(filepath.Join("..", "..", "VERSION"))
	Expect(err).NotTo(HaveOccurred())
	version = strings.TrimSpace(string(data))

	for _, name := range charts.Names {
		archives[name], err = charts.Archive(filepath.Join(chartsDir, name), version)
		Expect(err).NotTo(HaveOccurred())
	}

	// The seed's CRDs (extension resources, VPA, ManagedResources, machines, firewalls) and the Gardener
	// Operator's Extension.
	env, err = testenv.Start(testenv.Options{CRDs: append(testenv.SeedCRDs(), testenv.OperatorCRDs...)})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { Expect(env.Stop()).To(Succeed()) })
})
