// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package sandbox runs the extensions of this repository end to end on one machine: a seed API server and one API
// server per shoot (kube-apiserver and etcd built from source, internal/testenv), the metal-api and ONTAP
// simulators seeded with the partition and ONTAP cluster the example manifests (example/) describe, and in-process
// the controllers of provider-metal (Infrastructure, ControlPlane, Worker), of ontap (Extension),
// machine-controller-manager with the metal driver and gardener-resource-manager's ManagedResource controller per
// shoot (for the shoot's API server, and for class seed in the shoot namespace). It then does what the garden and
// gardenlet do for the example shoot: admission-metal defaults and validates it, and the shoot namespace, Cluster,
// credentials, Infrastructure, then ControlPlane, Worker and ontap Extension are written into the seed. Progress
// is shown per resource; once every shoot is ready, a Summary tells what the controllers built (node network, the
// ControlPlane's Deployments in the seed and its firewall policies and node network info in the shoot,
// FirewallDeployment, machines with their addresses, the SVM with its LIFs, Trident and the StorageClasses in the
// shoot), and Delete proves that nothing of a deleted shoot is left in either simulator.
//
// Not yet part of it: running cloud-controller-manager and firewall-controller-manager (the seed has no kubelet;
// firewall-controller-manager's controllers need modules this module does not pin, so the FirewallDeployment gets
// no firewall), the seed
// and shoot webhooks of the extensions, and flags that replace the simulators by a real metal-api and ONTAP.
package sandbox
