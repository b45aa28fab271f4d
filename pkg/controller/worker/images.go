// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package worker

import (
	"slices"

	"github.com/gardener/gardener/extensions/pkg/controller/worker"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"

	apismetal "github.com/metalgarden/metalgarden/pkg/apis/metal"
	metalhelper "github.com/metalgarden/metalgarden/pkg/apis/metal/helper"
)

// resolveImage maps a machine image name and version of the shoot to the metal-stack image. The cloud profile is
// authoritative: an image version it offers is the metal-stack image "<name>-<version>", metal-stack's naming of
// OS images. For versions it no longer offers, the component configuration's mapping and then the mapping
// recorded in the Worker's status are used, so that a pool is not stranded when an operator drops a version.
func (w *workerDelegate) resolveImage(name, version string) (apismetal.MachineImage, error) {
	mapped := apismetal.MachineImage{Name: name, Version: version}
	if offersImage(w.cluster.CloudProfile.Spec.MachineImages, name, version) {
		mapped.Image = name + "-" + version
		return mapped, nil
	}
	for _, m := range w.machineImages {
		if m.Name == name && m.Version == version {
			mapped.Image = m.Image
			return mapped, nil
		}
	}
	if status, err := metalhelper.WorkerStatusFromRaw(w.worker.Status.ProviderStatus); err == nil {
		for _, m := range status.MachineImages {
			if m.Name == name && m.Version == version && m.Image != "" {
				mapped.Image = m.Image
				return mapped, nil
			}
		}
	}
	return mapped, configurationProblem(worker.ErrorMachineImageNotFound(name, version))
}

// offersImage tells whether the cloud profile offers a machine image version.
func offersImage(images []gardencorev1beta1.MachineImage, name, version string) bool {
	i := slices.IndexFunc(images, func(img gardencorev1beta1.MachineImage) bool { return img.Name == name })
	return i >= 0 && slices.ContainsFunc(images[i].Versions, func(v gardencorev1beta1.MachineImageVersion) bool { return v.Version == version })
}
