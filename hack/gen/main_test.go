// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestGen(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Example Generator Suite")
}

var _ = Describe("gen", func() {
	root := filepath.Join("..", "..")

	It("has written the current examples (make generate)", func() {
		files, err := Files(root)
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveLen(4))
		for name, want := range files {
			got, err := os.ReadFile(filepath.Join(root, name))
			Expect(err).NotTo(HaveOccurred(), "run make generate")
			Expect(string(got)).To(Equal(string(want)), "%s is out of date: run make generate", name)
		}
	})

	It("points every Extension at the charts of the release in the VERSION file", func() {
		version, err := os.ReadFile(filepath.Join(root, "VERSION"))
		Expect(err).NotTo(HaveOccurred())
		for _, ext := range Extensions("v9.9.9") {
			Expect(*ext.Spec.Deployment.ExtensionDeployment.Helm.OCIRepository.Tag).To(Equal("v9.9.9"))
		}
		files, err := Files(root)
		Expect(err).NotTo(HaveOccurred())
		Expect(string(files[filepath.Join("example", "operator", "ontap.yaml")])).To(ContainSubstring("tag: " + strings.TrimSpace(string(version))))
	})
})
