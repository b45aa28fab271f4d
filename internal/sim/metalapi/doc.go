// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package metalapi is a metal-api (metal-stack's v1 REST API) simulator for tests and the sandbox.
//
// It serves the endpoints this project uses with metal-go's own api/models types on the wire, so
// metal-go's generated client talks to it unchanged, and it authenticates requests the way metal-api
// does: HMAC ("Authorization: Metal-Admin <hmac>" over X-Date and X-Data-Salt, verified with
// metal-stack/security) or bearer tokens.
//
// The network model is metal-stack v0.20's dual-stack model: networks carry prefixes of both address
// families, private super networks have a default child prefix length per family, allocated child
// networks get one prefix per family of the parent (or of the requested family, with an optional length
// per family), IPs default to IPv4 unless the network is single-stack, and machines acquire one IP per
// family of each network. IP and prefix management follows go-ipam, metal-api's IPAM: the first address
// of a prefix (and the IPv4 broadcast) is reserved, children are taken best-fit, and consumption is
// reported with go-ipam's caps (at most 2^31-1 available IPs or prefixes).
//
// For tests the simulator exposes its state (State, ProjectState, LeftoversForCluster), counts calls
// (Mark, CallsSince, Calls.Writes) and injects faults (FailNext, DropNextResponses, AddLatency,
// InjectFault). Start runs it on an ephemeral port; New returns it as an http.Handler. DefaultConfig and
// SandboxConfig give a ready partition.
package metalapi
