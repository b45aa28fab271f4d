package testenv

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Options shape one control plane.
type Options struct {
	// CRDs to install before Start returns; defaults to SeedCRDs().
	CRDs []CRD
	// Webhooks to install into the API server (the manager's webhook server is then called for real).
	Webhooks envtest.WebhookInstallOptions
	// Scheme for the returned client; defaults to NewScheme().
	Scheme *runtime.Scheme
}

// Environment is a running kube-apiserver + etcd with the CRDs installed and a client for it.
type Environment struct {
	*envtest.Environment
	Config *rest.Config
	Client client.Client
	Scheme *runtime.Scheme
}

// Start brings up a control plane. Call it once per test package (in BeforeSuite) and Stop it at the
// end: a start costs a few seconds, a shared one isolates tests by namespace.
func Start(opts Options) (*Environment, error) {
	assets, err := BinaryAssetsDir()
	if err != nil {
		return nil, err
	}
	crds := opts.CRDs
	if crds == nil {
		crds = SeedCRDs()
	}
	paths, err := Paths(crds)
	if err != nil {
		return nil, err
	}
	scheme := opts.Scheme
	if scheme == nil {
		if scheme, err = NewScheme(); err != nil {
			return nil, err
		}
	}

	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              paths,
			ErrorIfPathMissing: true,
		},
		WebhookInstallOptions:    opts.Webhooks,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  time.Minute,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest with binaries from %s: %w", assets, err)
	}
	// Tests create many objects quickly; the API server is ours alone.
	cfg.QPS, cfg.Burst = 1000, 2000

	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		_ = env.Stop()
		return nil, fmt.Errorf("creating a client for envtest: %w", err)
	}
	return &Environment{Environment: env, Config: cfg, Client: c, Scheme: scheme}, nil
}

// Stop shuts the control plane down.
func (e *Environment) Stop() error {
	if e == nil || e.Environment == nil {
		return nil
	}
	return e.Environment.Stop()
}
