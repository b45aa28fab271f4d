// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkerConfig is the providerConfig of one worker pool: what its machines need beyond what the Shoot's worker
// spec can say.
type WorkerConfig struct {
	metav1.TypeMeta

	// AdditionalNetworks are the IDs of networks the pool's machines are attached to besides the node network,
	// e.g. a storage network.
	AdditionalNetworks []string
	// Tags are extra key/value tags put on the pool's machines in the metal-api (written as `key=value`).
	Tags map[string]string
}

// +k8s:deepcopy-gen:interfaces=k8s.io/apimachinery/pkg/runtime.Object

// WorkerStatus is the providerStatus of a Worker.
type WorkerStatus struct {
	metav1.TypeMeta

	// MachineImages are the images the pools use. They are kept here because the extension cannot reconcile
	// machines of an image version that has been removed from the CloudProfile otherwise.
	MachineImages []MachineImage
}

// MachineImage maps a machine image name and version of the CloudProfile to the metal-stack image used.
type MachineImage struct {
	// Name is the machine image name in the CloudProfile.
	Name string
	// Version is the machine image version in the CloudProfile.
	Version string
	// Image is the ID of the metal-stack image the machines are created with.
	Image string
}
