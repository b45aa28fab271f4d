// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package metal is metalgarden's only door to the metal-api, metal-stack's REST API: it is the one package
// that imports metal-go. Everything else sees the small interfaces of this package, shaped by what the
// controllers do (find or allocate a shoot's node network, tag egress IPs, release what a shoot holds)
// rather than by the wire.
//
// Clients are built from a credentials Secret (exactly one of the keys metalAPIKey, a bearer token, or
// metalAPIHMac, an HMAC key) and the endpoint of the metal control plane that serves the shoot's partition.
// A ClientCache keeps one client per endpoint and credential hash, so a rotated secret yields a new client,
// and every client waits for a client-side rate limit before each request and bounds each request with a
// timeout.
//
// Everything the extensions create in the metal-api carries the shoot's identity (see Cluster and the tag
// functions): node networks are labelled with cluster.metal-stack.io/id=<shoot UID>, egress IPs are tagged
// with cluster.metal-stack.io/id/egress=<shoot UID>, and load-balancer IPs carry metal-ccm's
// cluster.metal-stack.io/id/namespace/service=<shoot UID>/<namespace>/<service>. Objects are found again by
// these tags first, which makes allocation idempotent across lost responses and crashes, and they are freed
// by these tags only, never by a guess such as a matching prefix.
//
// Errors name the metal-api operation and are classified (Classify: configuration, retriable, no capacity,
// quota, in use, not found) so that controllers can tell an operator what to do. No error, log line or
// String method of this package contains a credential.
package metal
