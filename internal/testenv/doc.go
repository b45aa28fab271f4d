// Package testenv starts the real control plane that tests run against: kube-apiserver and etcd built
// from the module proxy (hack/envtest.sh), with the CRDs the extensions need read from the Gardener,
// machine-controller-manager and firewall-controller-manager modules themselves. It also builds the
// objects gardenlet would write into a seed for a shoot (namespace, Cluster), so controller tests start
// from the same picture a real seed shows.
package testenv
