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
// credentials and SSH key pair, gardenlet's machine-controller-manager Deployment and Etcds, Infrastructure, then ControlPlane and ontap Extension, and once the ControlPlane is
// ready (with its firewall-controller-manager serving) the Worker are written into the seed. Progress
// is shown per resource; once every shoot is ready, a Summary tells what the controllers built (node network, the
// ControlPlane's Deployments in the seed and its firewall policies and node network info in the shoot,
// FirewallDeployment with its firewall machine and that machine's networks and IPs, machines with their
// addresses, the SVM with its LIFs, Trident and the StorageClasses in the shoot, the Etcds as the seed-provider
// webhook adapted them), and Delete proves that nothing
// of a deleted shoot is left in either simulator.
//
// Options.MetalAPI and Options.ONTAP (cmd/sandbox's --metal-api-url and --ontap-address flags, see ExternalFlags)
// replace a simulator by a real metal-api or ONTAP cluster, turning the run into a smoke test of an installation:
// the simulator is not started, the CloudProfile and the shoots' credentials or the ONTAP admin Secret point to
// the real one, the metal-api is checked up front for the example's partition, sizes, images and networks (looked
// up by ID), and the leftover check asks the real one through pkg/metal and pkg/ontap for each deleted shoot's
// objects instead of reading a simulator's whole state. There is no real seed: gardenlet and the seed's
// extensions and gardener-resource-manager would reconcile the same objects as the sandbox's own controllers.
//
// firewall-controller-manager runs per shoot as the ControlPlane's Deployment configures it (its arguments and
// METAL_AUTH_HMAC), with its own controllers and webhooks (firewall.go): the FirewallDeployment the Worker writes
// gets a FirewallSet and a Firewall, for which it allocates the firewall machine in the metal-api, and deleting the
// Worker frees it. What the sandbox stands in for, as kube-controller-manager, the kubelet and the Service network
// of a seed would: the kubelets of the machines (mcmtest), the garbage collector, namespace and token controllers
// (controllers.go), and the route from FCM's webhook configurations to its in-process webhook server
// (routeWebhooks). The one simulated piece of the firewall is the firewall-controller on the firewall machine: the
// firewall agent (firewallagent.go) reports to the FirewallMonitor in the shoot what firewall-controller reports
// once the machine phoned home, which makes the Firewall provisioned and the FirewallDeployment ready.
//
// The seed's API server calls provider-metal's seed webhooks (webhooks.go), registered as the extension registers
// them in a seed: gardenlet's machine-controller-manager Deployment, which the sandbox writes into each shoot
// namespace, gets the metal driver as sidecar from the control-plane webhook; gardenlet's Etcds etcd-main (with a
// backup store) and etcd-events, which the sandbox writes there too (the seed has etcd-druid's Etcd CRD), get the
// storage class, capacity and etcd-main's backup schedule of provider-metal's component configuration from the
// seed-provider webhook. They are deleted with the shoot; no etcd-druid runs.
//
// Not yet part of it: running cloud-controller-manager and etcd-druid (the seed has no kubelet), and the shoot
// webhooks: provider-metal's shoot webhook finds the calling shoot by its kube-apiserver pod in the seed, and ontap's
// mutates the objects Trident's operator creates, which does not run in the sandbox (both would be deployed into the
// shoots' API servers by the ControlPlane and the ontap Extension).
package sandbox
