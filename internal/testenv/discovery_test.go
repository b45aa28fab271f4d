package testenv_test

import "k8s.io/client-go/discovery"

func newDiscovery() (*discovery.DiscoveryClient, error) {
	return discovery.NewDiscoveryClientForConfig(env.Config)
}
