// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package charts embeds the internal charts that the provider's controllers render (under internal/) and the
// image vector of the images they deploy. The deployment charts next to them are packaged by pkg/charts.
package charts

import (
	"embed"
)

const (
	// ChartPathSeedControlPlane is the chart of a shoot's control plane components in the seed.
	ChartPathSeedControlPlane = "internal/seed-controlplane"
	// ChartPathShootSystemComponents is the chart of a shoot's system components (ManagedResource).
	ChartPathShootSystemComponents = "internal/shoot-system-components"
	// ChartPathShootStorageClasses is the chart of a shoot's storage classes (ManagedResource).
	ChartPathShootStorageClasses = "internal/shoot-storageclasses"
)

var (
	// InternalCharts holds the charts under internal/. The all: prefix keeps helm's _helpers files.
	//
	//go:embed all:internal
	InternalCharts embed.FS

	// ImagesYAML is the image vector (gardener's format) of the images the provider deploys.
	//
	//go:embed images.yaml
	ImagesYAML []byte
)
