// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package assets embeds what the ontap extension deploys into shoots besides the objects it builds itself: the
// image vector and Trident's release manifests (CRDs and the operator's ClusterRole) of the Trident version the
// image vector names.
//
// They live next to the controller rather than under charts/internal: Go's internal-import rule keeps packages
// outside charts/ from importing an embed package inside charts/internal.
package assets

import (
	_ "embed"
)

var (
	// ImagesYAML is the image vector (gardener's format) of the images the extension deploys into shoots.
	//
	//go:embed images.yaml
	ImagesYAML []byte

	// TridentCRDsYAML holds Trident's CustomResourceDefinitions, one YAML document each.
	//
	//go:embed trident/crds.yaml
	TridentCRDsYAML []byte

	// TridentOperatorClusterRoleYAML is the ClusterRole of the Trident operator.
	//
	//go:embed trident/operator-clusterrole.yaml
	TridentOperatorClusterRoleYAML []byte
)
