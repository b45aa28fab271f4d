// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package charts packages the deployment charts under charts/ (the extensions, the admission) as the OCI
// artifacts the Gardener Operator pulls: a chart archive per chart, named after the OCI repository leaf and
// stamped with the release version.
package charts

import (
	"fmt"
	"os"
	"path/filepath"

	helmchart "helm.sh/helm/v4/pkg/chart/v2"
	helmloader "helm.sh/helm/v4/pkg/chart/v2/loader"
	chartv2util "helm.sh/helm/v4/pkg/chart/v2/util"
)

// Names of the deployment charts; each is also the leaf of its OCI repository.
const (
	ProviderMetal             = "gardener-extension-provider-metal"
	AdmissionMetalRuntime     = "gardener-extension-admission-metal-runtime"
	AdmissionMetalApplication = "gardener-extension-admission-metal-application"
	Ontap                     = "gardener-extension-ontap"
)

// Names lists the deployment charts in the order they are packaged.
var Names = []string{ProviderMetal, AdmissionMetalRuntime, AdmissionMetalApplication, Ontap}

// ContentMediaType is the media type of the OCI layer that carries a chart archive: `helm push` uploads the
// archive under it, and Gardener's OCI client takes the layer of this type as the chart to render. It is
// helm's registry.ChartLayerMediaType, which is not imported here to keep the registry client out of the build.
const ContentMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"

// Load reads the chart in dir and stamps it with version, as chart version and appVersion (the image tag
// defaults to the appVersion, so chart and binaries are released together).
func Load(dir, version string) (*helmchart.Chart, error) {
	chart, err := helmloader.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("loading chart %s: %w", dir, err)
	}
	chart.Metadata.Version = version
	chart.Metadata.AppVersion = version
	if err := chart.Validate(); err != nil {
		return nil, fmt.Errorf("chart %s with version %q: %w", dir, version, err)
	}
	if name := filepath.Base(dir); chart.Name() != name {
		return nil, fmt.Errorf("chart %s is named %q: the name must equal the folder, the OCI repository leaf", dir, chart.Name())
	}
	return chart, nil
}

// Package writes the chart in dir, stamped with version, as <name>-<version>.tgz into outDir: the archive
// `helm package` writes and `helm push` uploads as the layer of ContentMediaType. It returns the path.
func Package(dir, version, outDir string) (string, error) {
	chart, err := Load(dir, version)
	if err != nil {
		return "", err
	}
	path, err := chartv2util.Save(chart, outDir)
	if err != nil {
		return "", fmt.Errorf("packaging chart %s: %w", chart.Name(), err)
	}
	return path, nil
}

// PackageAll packages every deployment chart (Names) found in chartsDir into outDir and returns the paths.
func PackageAll(chartsDir, version, outDir string) ([]string, error) {
	paths := make([]string, 0, len(Names))
	for _, name := range Names {
		path, err := Package(filepath.Join(chartsDir, name), version, outDir)
		if err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// Archive returns the packaged chart in dir, stamped with version: the bytes the Gardener Operator and
// gardenlet render after pulling the chart from the registry.
func Archive(dir, version string) ([]byte, error) {
	tmp, err := os.MkdirTemp("", "chart-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()

	path, err := Package(dir, version, tmp)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
