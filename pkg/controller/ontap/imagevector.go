// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"fmt"

	"github.com/gardener/gardener/pkg/utils/imagevector"

	"github.com/metalgarden/metalgarden/pkg/controller/ontap/assets"
)

// Names of the images in the image vector.
const (
	imageTridentOperator    = "trident-operator"
	imageTrident            = "trident"
	imageTridentAutosupport = "trident-autosupport"
	imageCSISidecarRegistry = "csi-sidecar-registry"
	imageNodePrep           = "ontap-node-prep"
	imagePause              = "pause"
)

// ImageVector returns the embedded image vector, merged with the one the file named by IMAGEVECTOR_OVERWRITE
// holds, if that variable is set (gardener's convention for overriding images, e.g. with a registry mirror).
func ImageVector() (imagevector.ImageVector, error) {
	vector, err := imagevector.Read(assets.ImagesYAML)
	if err != nil {
		return nil, fmt.Errorf("reading the embedded image vector: %w", err)
	}
	vector, err = imagevector.WithEnvOverride(vector, imagevector.OverrideEnv)
	if err != nil {
		return nil, fmt.Errorf("reading the image vector overwrite named by %s: %w", imagevector.OverrideEnv, err)
	}
	return vector, nil
}

// images are the images of one shoot's Trident installation.
type images struct {
	operator, trident, autosupport, nodePrep, pause string
	// sidecarRegistry is the registry Trident pulls its CSI sidecars from.
	sidecarRegistry string
}

// findImages looks the images up in the vector; tridentVersion, when set, replaces the tag of Trident's images
// (the component configuration's trident.version).
func findImages(vector imagevector.ImageVector, tridentVersion string) (images, error) {
	found, err := imagevector.FindImages(vector, []string{imageTridentOperator, imageTrident, imageTridentAutosupport, imageCSISidecarRegistry, imageNodePrep, imagePause})
	if err != nil {
		return images{}, fmt.Errorf("finding the images of Trident in the image vector: %w", err)
	}
	if tridentVersion != "" {
		for _, name := range []string{imageTridentOperator, imageTrident, imageTridentAutosupport} {
			found[name].Tag = new(tridentVersion)
		}
	}
	return images{
		operator:        found[imageTridentOperator].String(),
		trident:         found[imageTrident].String(),
		autosupport:     found[imageTridentAutosupport].String(),
		nodePrep:        found[imageNodePrep].String(),
		pause:           found[imagePause].String(),
		sidecarRegistry: found[imageCSISidecarRegistry].String(),
	}, nil
}
