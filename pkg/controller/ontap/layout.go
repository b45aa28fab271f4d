// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

const (
	// svmNamePrefix starts every SVM name the extension gives: ONTAP wants a letter first, and operators see at a
	// glance which SVMs belong to shoots.
	svmNamePrefix = "shoot_"
	// svmNameHashLength is the number of hex digits of the shoot identity's hash in the SVM name: 128 bits, so
	// names never collide, and 38 characters in all, well within ONTAP's 47.
	svmNameHashLength = 32

	// managementLIFName is the name of the SVM management LIF (Trident's managementLIF).
	managementLIFName = "mgmt"
	// servicePolicyManagement is the service policy of the management LIF: HTTPS for Trident's API calls.
	servicePolicyManagement = "default-management"
)

// SVMName returns the name of the SVM of the shoot with the given identity (the shoot's UID, which stays the
// same across control plane migrations). It is deterministic, so a lost answer or a new seed finds the same SVM
// again, and collision-free: a hash of the identity, not a shortened shoot name, which two shoots could share.
func SVMName(shootUID string) string {
	sum := sha256.Sum256([]byte(shootUID))
	return svmNamePrefix + hex.EncodeToString(sum[:])[:svmNameHashLength]
}

// protocolInfo is what the extension needs to know about each storage protocol.
type protocolInfo struct {
	// short is the protocol's part of LIF and backend names.
	short string
	// service is the ONTAP protocol service.
	service ontap.Protocol
	// servicePolicy is the service policy of the protocol's data LIFs.
	servicePolicy string
	// ports are the TCP ports clients connect to on the data LIFs.
	ports []int32
}

var protocols = map[apisontap.Protocol]protocolInfo{
	apisontap.ProtocolNVMeTCP: {short: "nvme", service: ontap.ProtocolNVMe, servicePolicy: "default-data-nvme-tcp", ports: []int32{4420, 8009}},
	apisontap.ProtocolISCSI:   {short: "iscsi", service: ontap.ProtocolISCSI, servicePolicy: "default-data-iscsi", ports: []int32{3260}},
	apisontap.ProtocolNFS:     {short: "nfs", service: ontap.ProtocolNFS, servicePolicy: "default-data-files", ports: []int32{2049}},
}

// managementPort is the port of ONTAP's REST API on the management LIF.
const managementPort int32 = 443

// lif is one desired LIF of the shoot's SVM.
type lif struct {
	// name is the LIF's name on ONTAP and the name of its IP in the metal-api.
	name string
	// protocol is empty for the management LIF.
	protocol apisontap.Protocol
	homeNode string
	// address is the explicit address from the configuration; invalid when the IP comes from the metal-api.
	address netip.Addr
}

func (l lif) servicePolicy() string {
	if l.protocol == "" {
		return servicePolicyManagement
	}
	return protocols[l.protocol].servicePolicy
}

// desiredLIFs lays out the LIFs of the SVM on the cluster's nodes: per enabled protocol lifsPerNode data LIFs on
// every node, so that every node serves I/O locally and a node failure leaves paths on the others, and one
// management LIF on the first node. Explicit data addresses replace that layout: they are dealt out to the
// protocols in turn and, per protocol, to the nodes in turn. Names are stable, "<protocol>_<node>_<n>" with the
// node's position among the sorted node names, so the same layout is computed on every reconciliation.
func desiredLIFs(svm *apisontap.SVMConfig, enabled []apisontap.Protocol, nodes []string) ([]lif, error) {
	if len(nodes) == 0 {
		return nil, fmt.Errorf("the ONTAP cluster reports no nodes to home the SVM's LIFs on")
	}
	nodes = slices.Sorted(slices.Values(nodes))
	perNode := int32(1)
	if svm != nil && svm.LIFsPerNode != nil {
		perNode = *svm.LIFsPerNode
	}

	var out []lif
	if svm != nil && len(svm.DataLIFAddresses) > 0 {
		counts := map[apisontap.Protocol]int{}
		for i, address := range svm.DataLIFAddresses {
			addr, err := netip.ParseAddr(address)
			if err != nil {
				return nil, fmt.Errorf("data LIF address %q is no IP address: %w", address, err)
			}
			p := enabled[i%len(enabled)]
			n := counts[p]
			counts[p]++
			node := n % len(nodes)
			out = append(out, lif{
				name:     fmt.Sprintf("%s_%d_%d", protocols[p].short, node+1, n/len(nodes)+1),
				protocol: p, homeNode: nodes[node], address: addr.Unmap(),
			})
		}
	} else {
		for _, p := range enabled {
			for node := range nodes {
				for n := range perNode {
					out = append(out, lif{name: fmt.Sprintf("%s_%d_%d", protocols[p].short, node+1, n+1), protocol: p, homeNode: nodes[node]})
				}
			}
		}
	}

	mgmt := lif{name: managementLIFName, homeNode: nodes[0]}
	if svm != nil && svm.ManagementLIFAddress != nil {
		addr, err := netip.ParseAddr(*svm.ManagementLIFAddress)
		if err != nil {
			return nil, fmt.Errorf("management LIF address %q is no IP address: %w", *svm.ManagementLIFAddress, err)
		}
		mgmt.address = addr.Unmap()
	}
	out = append(out, mgmt)
	slices.SortFunc(out, func(a, b lif) int { return cmp.Compare(a.name, b.name) })
	return out, nil
}
