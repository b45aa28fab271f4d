// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

// Identifiers of the default seeds.
const (
	// DefaultPartitionID is the partition of the default seeds.
	DefaultPartitionID = "fra-equ01"
	// DefaultProjectID and SecondProjectID are projects of the default seeds (tenant DefaultTenantID).
	DefaultProjectID = "5a8c1b2e-3d4f-4e6a-9b7c-0d1e2f3a4b5c"
	// SecondProjectID is a second project, useful to test project boundaries.
	SecondProjectID = "6b9d2c3f-4e5a-4f7b-8c8d-1e2f3a4b5c6d"
	// DefaultTenantID is the tenant of the default projects.
	DefaultTenantID = "metalgarden"

	// PrivateSuperNetworkID is the partition's private super network (dual-stack).
	PrivateSuperNetworkID = "tenant-super-network-fra-equ01"
	// InternetNetworkID is the external internet network (dual-stack, NAT for IPv4).
	InternetNetworkID = "internet"
	// StorageNetworkID is a shared external network towards the storage (ONTAP) data interfaces.
	StorageNetworkID = "storage-fra-equ01"
	// UnderlayNetworkID is the partition's underlay (IPv4), which firewalls get automatically.
	UnderlayNetworkID = "underlay-fra-equ01"

	// MachineSizeID is the large worker size.
	MachineSizeID = "c1-xlarge-x86"
	// SmallMachineSizeID is the small worker size.
	SmallMachineSizeID = "n1-medium-x86"
	// FirewallSizeID is the firewall size.
	FirewallSizeID = "c1-large-x86"

	// MachineImageID is the worker image (feature machine).
	MachineImageID = "ubuntu-24.04"
	// FirewallImageID is the firewall image (feature firewall).
	FirewallImageID = "firewall-ubuntu-3.0"

	// DefaultHMACKey is the Metal-Admin HMAC key of DefaultConfig and SandboxConfig.
	DefaultHMACKey = "metal-simulator-admin-hmac"
	// DefaultToken is the admin bearer token of DefaultConfig and SandboxConfig.
	DefaultToken = "metal-simulator-admin-token"
)

// DefaultSeed is a realistic partition in the shape of the metal-stack v0.20 release notes: a dual-stack
// private super network 10.0.0.0/16 + 2001:db8:0:10::/64 with default child lengths 22 (IPv4) and 96
// (IPv6), a dual-stack internet network, a dual-stack storage network, an IPv4 underlay, the sizes
// c1-xlarge-x86 and n1-medium-x86 with 20 free machines each, the firewall size c1-large-x86 with 10,
// the images ubuntu-24.04 and firewall-ubuntu-3.0 and two projects.
func DefaultSeed() Seed {
	return newDefaultSeed("10.0.0.0/16", 20, 10)
}

// SandboxSeed is DefaultSeed with room for many shoots: the private super network is 10.0.0.0/14 (256
// node networks of /22) and every worker size has 50 free machines, the firewall size 25.
func SandboxSeed() Seed {
	return newDefaultSeed("10.0.0.0/14", 50, 25)
}

// DefaultConfig is a configuration with DefaultSeed, the Metal-Admin HMAC key DefaultHMACKey, the admin
// bearer token DefaultToken and a fixed random seed.
func DefaultConfig() Config {
	return Config{
		Seed:       DefaultSeed(),
		HMAC:       []HMACCredential{{AuthType: "Metal-Admin", Key: DefaultHMACKey}},
		Tokens:     []TokenCredential{{Token: DefaultToken, Role: RoleAdmin}},
		RandomSeed: 1,
	}
}

// SandboxConfig is DefaultConfig with SandboxSeed.
func SandboxConfig() Config {
	c := DefaultConfig()
	c.Seed = SandboxSeed()
	return c
}

func newDefaultSeed(superV4 string, workersPerSize, firewalls int) Seed {
	return Seed{
		Partitions: []PartitionSeed{{
			ID:                 DefaultPartitionID,
			Name:               "Frankfurt Equinix 01",
			Description:        "simulated metal-stack partition",
			MgmtServiceAddress: "mgmt.fra-equ01.metal-stack.local:8080",
			DNSServers:         []string{"203.0.113.53", "2001:db8:ff::53"},
			NTPServers:         []string{"0.pool.ntp.org", "1.pool.ntp.org", "2.pool.ntp.org"},
			FreeMachines: map[string]int{
				MachineSizeID:      workersPerSize,
				SmallMachineSizeID: workersPerSize,
				FirewallSizeID:     firewalls,
			},
			Racks: 2,
		}},
		Sizes: []SizeSeed{
			{ID: MachineSizeID, Name: "c1-xlarge-x86", Description: "32 cores, 256 GiB, 1.92 TB NVMe", CPUCores: 32, MemoryGiB: 256, StorageGiB: 1920},
			{ID: SmallMachineSizeID, Name: "n1-medium-x86", Description: "8 cores, 64 GiB, 960 GB SSD", CPUCores: 8, MemoryGiB: 64, StorageGiB: 960},
			{ID: FirewallSizeID, Name: "c1-large-x86", Description: "firewall: 16 cores, 128 GiB, 480 GB SSD", CPUCores: 16, MemoryGiB: 128, StorageGiB: 480},
		},
		Images: []ImageSeed{
			{ID: MachineImageID, Name: "Ubuntu 24.04", Description: "Ubuntu 24.04 LTS worker image", URL: "https://images.metal-stack.io/metal-os/stable/ubuntu/24.04/img.tar.lz4", Features: []string{"machine"}, Classification: "supported"},
			{ID: FirewallImageID, Name: "Firewall 3.0 Ubuntu", Description: "metal-stack firewall image", URL: "https://images.metal-stack.io/metal-os/stable/firewall/3.0-ubuntu/img.tar.lz4", Features: []string{"firewall"}, Classification: "supported"},
		},
		Projects: []ProjectSeed{
			{ID: DefaultProjectID, Name: "garden-sandbox", Description: "default project", TenantID: DefaultTenantID},
			{ID: SecondProjectID, Name: "garden-other", Description: "second project", TenantID: DefaultTenantID},
		},
		Networks: []NetworkSeed{
			{
				ID:                       PrivateSuperNetworkID,
				Name:                     "tenant super network",
				Description:              "private super network of " + DefaultPartitionID,
				PartitionID:              DefaultPartitionID,
				Prefixes:                 []string{superV4, "2001:db8:0:10::/64"},
				DefaultChildPrefixLength: map[string]int64{AddressFamilyIPv4: 22, AddressFamilyIPv6: 96},
				PrivateSuper:             true,
			},
			{
				ID:                  InternetNetworkID,
				Name:                "internet",
				Description:         "internet, IPv4 masqueraded",
				Prefixes:            []string{"203.0.113.0/24", "2001:db8:ff00::/48"},
				DestinationPrefixes: []string{"0.0.0.0/0", "::/0"},
				Nat:                 true,
				Vrf:                 104009,
				Labels:              map[string]string{"network.metal-stack.io/default-external": ""},
			},
			{
				ID:                  StorageNetworkID,
				Name:                "storage",
				Description:         "storage network of " + DefaultPartitionID,
				PartitionID:         DefaultPartitionID,
				Prefixes:            []string{"10.64.0.0/22", "2001:db8:0:64::/64"},
				DestinationPrefixes: []string{"10.64.0.0/22", "2001:db8:0:64::/64"},
				Shared:              true,
				Vrf:                 3981,
			},
			{
				ID:          UnderlayNetworkID,
				Name:        "underlay",
				Description: "underlay of " + DefaultPartitionID,
				PartitionID: DefaultPartitionID,
				Prefixes:    []string{"10.255.0.0/22"},
				Underlay:    true,
			},
		},
	}
}
