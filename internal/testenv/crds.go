package testenv

import (
	"fmt"
	"path/filepath"
)

// Modules whose CRDs the tests install.
const (
	gardenerModule                  = "github.com/gardener/gardener"
	firewallControllerManagerModule = "github.com/metal-stack/firewall-controller-manager"
	firewallControllerModule        = "github.com/metal-stack/firewall-controller/v2"
	etcdDruidAPIModule              = "github.com/gardener/etcd-druid/api"
)

// CRD names one CustomResourceDefinition manifest inside a module of the build.
type CRD struct {
	Module string
	Path   string
}

func gardenerSeedCRD(name string) CRD {
	return CRD{Module: gardenerModule, Path: "example/seed-crds/10-crd-" + name + ".yaml"}
}

func firewallCRD(plural string) CRD {
	return CRD{Module: firewallControllerManagerModule, Path: "config/crds/firewall.metal-stack.io_" + plural + ".yaml"}
}

var (
	// ExtensionCRDs are the extensions.gardener.cloud resources gardenlet writes into a shoot namespace.
	ExtensionCRDs = []CRD{
		gardenerSeedCRD("extensions.gardener.cloud_clusters"),
		gardenerSeedCRD("extensions.gardener.cloud_infrastructures"),
		gardenerSeedCRD("extensions.gardener.cloud_workers"),
		gardenerSeedCRD("extensions.gardener.cloud_controlplanes"),
		gardenerSeedCRD("extensions.gardener.cloud_extensions"),
		gardenerSeedCRD("extensions.gardener.cloud_operatingsystemconfigs"),
	}
	// MachineCRDs are machine-controller-manager's resources, which the worker controller writes.
	MachineCRDs = []CRD{
		gardenerSeedCRD("machine.sapcloud.io_machineclasses"),
		gardenerSeedCRD("machine.sapcloud.io_machinedeployments"),
		gardenerSeedCRD("machine.sapcloud.io_machinesets"),
		gardenerSeedCRD("machine.sapcloud.io_machines"),
	}
	// ManagedResourceCRDs are gardener-resource-manager's resources that carry objects into the shoot.
	ManagedResourceCRDs = []CRD{gardenerSeedCRD("resources.gardener.cloud_managedresources")}
	// VPACRDs are the vertical pod autoscaler resources the seed charts render.
	VPACRDs = []CRD{gardenerSeedCRD("autoscaling.k8s.io_verticalpodautoscalers")}
	// FirewallCRDs are firewall-controller-manager's resources in the shoot namespace of the seed.
	FirewallCRDs = []CRD{
		firewallCRD("firewalldeployments"),
		firewallCRD("firewallsets"),
		firewallCRD("firewalls"),
		firewallCRD("firewallmonitors"),
	}
	// ShootCRDs are resources that live in a shoot cluster (firewall policies of metal-stack).
	ShootCRDs = []CRD{{Module: firewallControllerModule, Path: "config/crd/bases/metal-stack.io_clusterwidenetworkpolicies.yaml"}}
	// EtcdCRDs are etcd-druid's Etcd resource, which gardenlet writes into a shoot namespace for the shoot's etcds
	// and provider-metal's seed-provider webhook mutates. It is not part of SeedCRDs: its manifest is large (130 KB
	// of schema) and only the suites that serve that webhook need it.
	EtcdCRDs = []CRD{{Module: etcdDruidAPIModule, Path: "core/v1alpha1/crds/druid.gardener.cloud_etcds.yaml"}}
	// OperatorCRDs hold the Gardener Operator's Extension resource, which registers extensions.
	OperatorCRDs = []CRD{{Module: gardenerModule, Path: "example/operator/10-crd-operator.gardener.cloud_extensions.yaml"}}
)

// SeedCRDs is everything a seed offers the metal and ontap extensions.
func SeedCRDs() []CRD {
	var all []CRD
	for _, set := range [][]CRD{ExtensionCRDs, MachineCRDs, ManagedResourceCRDs, VPACRDs, FirewallCRDs} {
		all = append(all, set...)
	}
	return all
}

// Paths resolves CRDs to files in the module cache.
func Paths(crds []CRD) ([]string, error) {
	paths := make([]string, 0, len(crds))
	for _, crd := range crds {
		dir, err := ModuleDir(crd.Module)
		if err != nil {
			return nil, err
		}
		paths = append(paths, filepath.Join(dir, filepath.FromSlash(crd.Path)))
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no CRDs given")
	}
	return paths, nil
}
