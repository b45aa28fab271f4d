// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	helmloader "helm.sh/helm/v4/pkg/chart/v2/loader"

	"github.com/metalgarden/metalgarden/pkg/charts"
)

var _ = Describe("make charts", func() {
	It("writes one chart archive per OCI repository that helm's loader reads back with name and version", func() {
		out := GinkgoT().TempDir()
		paths, err := charts.PackageAll(chartsDir, version, out)
		Expect(err).NotTo(HaveOccurred())
		Expect(paths).To(HaveLen(len(charts.Names)))

		for i, name := range charts.Names {
			// helm push takes <name>-<version>.tgz and tags the artifact with the version.
			Expect(paths[i]).To(Equal(filepath.Join(out, name+"-"+version+".tgz")))
			chart, err := helmloader.Load(paths[i])
			Expect(err).NotTo(HaveOccurred())
			Expect(chart.Name()).To(Equal(name))
			Expect(chart.Metadata.Version).To(Equal(version))
			Expect(chart.Metadata.AppVersion).To(Equal(version))
			Expect(chart.Validate()).To(Succeed())
			Expect(chart.Templates).NotTo(BeEmpty())

			// The archive is the gzipped tar helm push uploads as the chart content layer: one top-level folder
			// named after the chart.
			data, err := os.ReadFile(paths[i])
			Expect(err).NotTo(HaveOccurred())
			Expect(entries(data)).To(And(ContainElement(name+"/Chart.yaml"), ContainElement(name+"/values.yaml"), HaveEach(HavePrefix(name+"/"))))

			// Packaging is reproducible: the same sources give the same archive (and OCI digest).
			Expect(data).To(Equal(archives[name]))
		}
	})

	It("refuses a version helm cannot push", func() {
		_, err := charts.Package(filepath.Join(chartsDir, charts.ProviderMetal), "not-a-version", GinkgoT().TempDir())
		Expect(err).To(MatchError(ContainSubstring(`version "not-a-version" is invalid`)))
	})
})

// entries lists the files of a gzipped tar archive.
func entries(data []byte) []string {
	GinkgoHelper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		Expect(err).NotTo(HaveOccurred())
		names = append(names, h.Name)
	}
}
