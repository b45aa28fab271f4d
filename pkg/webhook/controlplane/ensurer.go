// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"github.com/gardener/gardener/extensions/pkg/webhook/controlplane/genericmutator"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	"github.com/go-logr/logr"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Ensurer adapts the control plane objects of a metal shoot that gardenlet deploys. It embeds Gardener's
// NoopEnsurer, so each concern implements only the Ensure methods it needs, in a file of its own
// (ensurer_mcm.go: machine-controller-manager; ensurer_kubernetes.go: kube-apiserver, kube-controller-manager and
// kubelet with the external cloud provider; ensurer_vpn.go: the node networks of the VPN; ensurer_osc.go: the
// network isolation of restricted and forbidden shoots).
type Ensurer struct {
	genericmutator.NoopEnsurer

	logger logr.Logger
	client client.Reader
	images imagevector.ImageVector
}

var _ genericmutator.Ensurer = (*Ensurer)(nil)

// NewEnsurer returns the ensurer. c reads the shoot's Infrastructure in the seed; images is the extension's image
// vector.
func NewEnsurer(logger logr.Logger, c client.Reader, images imagevector.ImageVector) *Ensurer {
	return &Ensurer{logger: logger.WithName("metal-controlplane-ensurer"), client: c, images: images}
}
