// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package sandbox runs the extensions of this repository end to end on one machine: a seed API server and one API
// server per shoot (kube-apiserver and etcd built from source, internal/testenv), the metal-api and ONTAP
// simulators seeded with the partition and ONTAP cluster the example manifests (example/) describe, and in-process
// the controllers of provider-metal (Infrastructure, Worker), of ontap (Extension), machine-controller-manager with
// the metal driver and gardener-resource-manager's ManagedResource controller per shoot. It then does what the
// garden and gardenlet do for the example shoot: admission-metal defaults and validates it, and the shoot
// namespace, Cluster, credentials, Infrastructure, Worker and ontap Extension are written into the seed. Progress
// is shown per resource; once every shoot is ready, a Summary tells what the controllers built (node network,
// FirewallDeployment, machines with their addresses, the SVM with its LIFs, Trident and the StorageClasses in the
// shoot), and Delete proves that nothing of a deleted shoot is left in either simulator.
//
// Not yet part of it: the ControlPlane (there is no ControlPlane controller yet), firewall-controller-manager
// (its controllers need modules this module does not pin, so the FirewallDeployment gets no firewall), the seed
// and shoot webhooks of the extensions, and flags that replace the simulators by a real metal-api and ONTAP.
package sandbox
