//go:build tools

// Package tools pins the code generators next to the control-plane binaries, so their versions and
// checksums are recorded in this module's go.sum.
package tools

import (
	_ "k8s.io/code-generator/cmd/conversion-gen"
	_ "k8s.io/code-generator/cmd/deepcopy-gen"
	_ "k8s.io/code-generator/cmd/defaulter-gen"
)
