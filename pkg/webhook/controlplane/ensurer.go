// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"github.com/gardener/gardener/extensions/pkg/webhook/controlplane/genericmutator"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	"github.com/go-logr/logr"
)

// Ensurer adapts the control plane objects of a metal shoot that gardenlet deploys. It embeds Gardener's
// NoopEnsurer, so each concern implements only the Ensure methods it needs, in a file of its own
// (ensurer_mcm.go: machine-controller-manager).
type Ensurer struct {
	genericmutator.NoopEnsurer

	logger logr.Logger
	images imagevector.ImageVector
}

var _ genericmutator.Ensurer = (*Ensurer)(nil)

// NewEnsurer returns the ensurer; images is the extension's image vector.
func NewEnsurer(logger logr.Logger, images imagevector.ImageVector) *Ensurer {
	return &Ensurer{logger: logger.WithName("metal-controlplane-ensurer"), images: images}
}
