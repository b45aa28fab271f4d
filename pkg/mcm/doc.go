// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package mcm is the machine-controller-manager (MCM) driver of metal-stack: it implements MCM's
// driver.Driver by leasing machines from the metal-api through pkg/metal.
//
// The worker controller writes one MachineClass per worker pool whose providerSpec is a ProviderSpec (partition,
// size, image, project, networks, tags, SSH keys, DNS/NTP servers, the metal-api endpoint and the shoot's
// cluster ID); the class's secret holds the user data, its credentials secret the metal-api credentials
// (metalAPIKey or metalAPIHMac). Every machine the driver leases carries the shoot's cluster tag and the tag
// with the MCM Machine's name, so each operation finds "the machine of this Machine" in the metal-api itself:
// a retried create after a lost answer returns the machine leased before, a delete of a machine that is gone
// succeeds, and MCM's orphan collection sees exactly the cluster's machines.
//
// Errors are MCM statuses: no free machine or an exhausted quota is ResourceExhausted, an unusable class or a
// request the metal-api rejects is InvalidArgument (Unauthenticated/PermissionDenied for credentials), an
// unreachable or failing metal-api is Unavailable. Messages say what to do and never contain credentials or
// user data.
package mcm
