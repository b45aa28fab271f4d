// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gardener/gardener/pkg/logger"
	"github.com/gardener/gardener/pkg/utils/managedresources"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/cluster"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logzap "sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
	"github.com/metalgarden/metalgarden/internal/testenv"
	configontap "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

// Defaults of Options.
const (
	// DefaultDir is where the kubeconfigs and the log go; .gitignore keeps /sandbox-*/ out of git.
	DefaultDir = "sandbox-run"
	// DefaultTimeout bounds waiting for one shoot to become ready and to be deleted.
	DefaultTimeout = 5 * time.Minute
	// TimeoutPerShoot is what the default timeout grows by for each shoot beyond the first: they share the machine.
	TimeoutPerShoot = 15 * time.Second
	// gardenNamespace is the seed namespace of the ONTAP admin Secrets.
	gardenNamespace = "garden"
	// seedName is the name of the sandbox's seed.
	seedName = "sandbox"
)

// Options configure a sandbox.
type Options struct {
	// Shoots is the number of shoots to create at once, copies of the example shoot; 1 when zero.
	Shoots int
	// Once makes Run return when the shoots are ready (and deleted, with Delete) instead of keeping them until
	// Until is closed.
	Once bool
	// Delete deletes the shoots at the end (after ready with Once, else when Until is closed) and checks that
	// neither the metal-api nor ONTAP holds anything of them any more.
	Delete bool
	// MetalAPI, when set, is a real metal-api the sandbox uses instead of starting its simulator: the CloudProfile
	// and the shoots' credentials point to it. It must offer the example's partition, sizes, images and networks
	// (Start checks them by ID) and its project.
	MetalAPI *MetalAPIEndpoint
	// ONTAP, when set, is a real ONTAP cluster the sandbox uses instead of starting its simulator: the example's
	// ONTAP admin Secret gets its address and credentials.
	ONTAP *ONTAPEndpoint
	// Until, when closed, ends the creation or the run of the shoots (Ctrl-C); what follows (deletion, stop) still
	// runs under Run's context.
	Until <-chan struct{}
	// Dir receives the kubeconfigs of the seed and of the shoots and the log of the controllers; DefaultDir when
	// empty.
	Dir string
	// ExampleDir holds the manifests the sandbox is made of (see example/); the module's example/ when empty.
	ExampleDir string
	// Timeout bounds waiting for the shoots to become ready and to be deleted; when zero, DefaultTimeout plus
	// TimeoutPerShoot for each shoot beyond the first.
	Timeout time.Duration
	// Out receives the progress and the summary; os.Stdout when nil.
	Out io.Writer
	// Live redraws the progress in place (for a terminal) instead of printing a line per change.
	Live bool
	// Log receives the logs of the controllers and simulators; the file sandbox.log in Dir when nil.
	Log io.Writer
	// OnReady, when set, is called once every shoot is ready, with the sandbox and its summary, before anything is
	// deleted. An error ends Run with that error.
	OnReady func(ctx context.Context, sb *Sandbox, summary *Summary) error
	// OnDeleted, when set, is called with Options.Delete once the shoots are deleted and nothing of them is left in
	// the metal-api or on ONTAP, while the API servers still run. An error ends Run with that error.
	OnDeleted func(ctx context.Context, sb *Sandbox) error
}

func (o *Options) defaults() error {
	if o.Shoots <= 0 {
		o.Shoots = 1
	}
	if o.Dir == "" {
		o.Dir = DefaultDir
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout + time.Duration(o.Shoots-1)*TimeoutPerShoot
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.ExampleDir == "" {
		root, err := testenv.ModuleDir("")
		if err != nil {
			return fmt.Errorf("finding the example manifests: %w", err)
		}
		o.ExampleDir = filepath.Join(root, "example")
	}
	return nil
}

// Sandbox is a running seed with the extensions' controllers, the simulators and the shoots' API servers.
type Sandbox struct {
	opts    Options
	log     logr.Logger
	example *example
	started time.Time

	// Seed is the seed's API server.
	Seed *testenv.Environment
	// MetalAPI is the metal-api simulator, ONTAP the ONTAP simulator; nil when Options name a real one.
	MetalAPI *metalapi.Server
	ONTAP    *ontapapi.Server
	// Shoots are the shoots of the sandbox, each with its own API server.
	Shoots []*Shoot
	// ControlPlanesUp is how long it took to start the API servers, the simulators and the controllers.
	ControlPlanesUp time.Duration

	// cache is the sandbox's view of the seed, as gardenlet's cache.
	cache    cluster.Cluster
	progress *progress
	// garden is what the garden admission reads: the CloudProfile, the Seed and the credentials Secret.
	garden gardenReader
	// machines reads the machines of the metal-api for the stand-in kubelets.
	machines metal.MachineLeases
	// endpoints are the metal-api and ONTAP cluster in use, simulated or real.
	endpoints endpoints

	ctx      context.Context
	cancel   context.CancelCauseFunc
	wg       sync.WaitGroup
	closeLog func() error
	// releaseLog stops the global loggers from writing to this sandbox's log.
	releaseLog func()
	// logGate is the way to Options.Log or the log file, closed when the sandbox stops.
	logGate *logGate
}

// Start starts the seed and the shoots' API servers, the simulators seeded with the partition and the ONTAP
// cluster of the example, and the controllers; it creates no shoot yet. Stop ends everything again.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	sb := &Sandbox{opts: opts, started: time.Now(), progress: newProgress(opts.Out, opts.Live)}
	sb.ctx, sb.cancel = context.WithCancelCause(context.WithoutCancel(ctx))
	if err := sb.start(ctx); err != nil {
		sb.Stop()
		return nil, err
	}
	sb.ControlPlanesUp = time.Since(sb.started)
	return sb, nil
}

func (sb *Sandbox) start(ctx context.Context) error {
	if err := os.MkdirAll(sb.opts.Dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", sb.opts.Dir, err)
	}
	// Kubeconfigs of an earlier run point to API servers that are gone.
	stale, _ := filepath.Glob(filepath.Join(sb.opts.Dir, "*.kubeconfig"))
	for _, f := range stale {
		_ = os.Remove(f)
	}
	if err := sb.setupLogging(); err != nil {
		return err
	}
	ex, err := loadExample(sb.opts.ExampleDir)
	if err != nil {
		return err
	}
	sb.example = ex
	fmt.Fprintf(sb.opts.Out, "Sandbox: %d× shoot %s/%s from %s, logs in %s\n", sb.opts.Shoots, ex.shoot.Namespace, ex.shoot.Name, sb.opts.ExampleDir, filepath.Join(sb.opts.Dir, "sandbox.log"))

	// The simulators (the example's partition in the metal-api, its ONTAP cluster) or the real ones of Options.
	if err := sb.startMetalAPI(ctx); err != nil {
		return err
	}
	if err := sb.startONTAP(ctx); err != nil {
		return err
	}

	// The API servers: the seed's and one per shoot, started at once.
	if err := sb.startAPIServers(); err != nil {
		return err
	}
	if err := writeKubeconfig(filepath.Join(sb.opts.Dir, "seed.kubeconfig"), "sandbox-seed", sb.Seed.KubeConfig); err != nil {
		return err
	}
	if err := sb.serveSeedWebhooks(); err != nil {
		return err
	}

	// The seed's view of the ONTAP cluster: the admin Secret, and the component configuration naming it.
	ontapConfig, err := sb.setupOntapCluster(ctx)
	if err != nil {
		return err
	}
	return sb.startControllers(ctx, ontapConfig)
}

// intervalOnce sets Gardener's global ManagedResource polling interval once per process.
var intervalOnce sync.Once

// setupLogging sends the logs of controller-runtime, klog (machine-controller-manager) and the simulators to
// Options.Log or the log file.
func (sb *Sandbox) setupLogging() error {
	out := sb.opts.Log
	if out == nil {
		f, err := os.Create(filepath.Join(sb.opts.Dir, "sandbox.log"))
		if err != nil {
			return fmt.Errorf("creating the log file: %w", err)
		}
		out, sb.closeLog = f, f.Close
	}
	sb.logGate = &logGate{w: out}
	sb.log = logger.MustNewZapLogger(logger.InfoLevel, logger.FormatJSON, logzap.WriteTo(sb.logGate))
	sb.releaseLog = setProcessLogger(sb.log)
	// The ontap controller waits for the shoot's ManagedResources to be deleted; poll more often than Gardener's 2s.
	intervalOnce.Do(func() { managedresources.IntervalWait = 500 * time.Millisecond })
	return nil
}

// startAPIServers starts the seed's API server with the seed's CRDs and etcd-druid's Etcd, and one API server per
// shoot with the CRDs a shoot offers before the extensions deploy anything (metal-stack's ClusterwideNetworkPolicy,
// which the ControlPlane would deploy).
func (sb *Sandbox) startAPIServers() error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	start := func(what string, opts testenv.Options, set func(*testenv.Environment)) {
		wg.Go(func() {
			env, err := testenv.Start(opts)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("starting the API server of %s: %w", what, err))
				return
			}
			set(env)
		})
	}
	// The seed's API server calls the extensions' seed webhooks (serveSeedWebhooks) with a serving certificate,
	// and holds etcd-druid's Etcds, which gardenlet writes per shoot and the seed-provider webhook mutates.
	scheme, err := seedScheme()
	if err != nil {
		return err
	}
	seed := testenv.Options{
		CRDs:     append(testenv.SeedCRDs(), testenv.EtcdCRDs...),
		Webhooks: envtest.WebhookInstallOptions{LocalServingHost: "127.0.0.1"},
		Scheme:   scheme,
	}
	start("the seed", seed, func(env *testenv.Environment) { sb.Seed = env })
	for i := range sb.opts.Shoots {
		s := sb.newShoot(i)
		sb.Shoots = append(sb.Shoots, s)
		start(s.Namespace, testenv.Options{CRDs: shootCRDs()}, func(env *testenv.Environment) { s.API = env })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// shootCRDs are the CRDs of a shoot's API server: metal-stack's firewall policies and firewall-controller-manager's
// FirewallMonitor, into which it reports each firewall to the shoot (in a metal-stack shoot it is there before FCM
// deploys a firewall; this repository's ControlPlane does not deploy it yet).
func shootCRDs() []testenv.CRD {
	crds := slices.Clone(testenv.ShootCRDs)
	for _, crd := range testenv.FirewallCRDs {
		if strings.HasSuffix(crd.Path, "_firewallmonitors.yaml") {
			crds = append(crds, crd)
		}
	}
	return crds
}

// setupOntapCluster writes the example's ONTAP admin Secret into the seed, with the address, credentials and CA of
// the simulator or of the real cluster, and returns the example's component configuration of the ontap extension for the clusters
// the sandbox simulates.
func (sb *Sandbox) setupOntapCluster(ctx context.Context) (*configontap.ControllerConfiguration, error) {
	ex := sb.example
	secret := ex.ontapSecret.DeepCopy()
	secret.Namespace = gardenNamespace
	secret.Data = sb.endpoints.ontapSecretData(secret.Data)
	c := sb.Seed.Client
	if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: gardenNamespace}}); err != nil {
		return nil, fmt.Errorf("creating namespace %s in the seed: %w", gardenNamespace, err)
	}
	if err := c.Create(ctx, secret); err != nil {
		return nil, fmt.Errorf("creating the ONTAP admin secret in the seed: %w", err)
	}

	cfg := ex.ontapConfig.DeepCopy()
	cfg.Clusters = nil
	for _, ref := range ex.ontapConfig.Clusters {
		if ref.SecretRef.Name == secret.Name && ref.SecretRef.Namespace == secret.Namespace {
			cfg.Clusters = append(cfg.Clusters, ref)
		}
	}
	if len(cfg.Clusters) == 0 {
		return nil, fmt.Errorf("the example's ontap configuration names no cluster with the secret %s", client.ObjectKeyFromObject(secret))
	}
	return cfg, nil
}

// startControllers starts the managers of the extensions (as their binaries run them) and the sandbox's own view
// of the seed.
func (sb *Sandbox) startControllers(ctx context.Context, ontapConfig *configontap.ControllerConfiguration) error {
	// The binaries' default is 5 workers per controller; the generic Worker actuator waits for the machines within
	// a reconciliation, so give every shoot one.
	concurrency := max(5, sb.opts.Shoots)
	seedConfig := rest.CopyConfig(sb.Seed.Config)

	providerMetal, err := newManager(seedConfig, sb.example.metalConfig.ClientConnection, sb.log, "provider-metal", providerMetalSchemes...)
	if err != nil {
		return err
	}
	if err := addProviderMetal(sb.ctx, providerMetal, sb.example, concurrency); err != nil {
		return err
	}
	ontapMgr, err := newManager(seedConfig, ontapConfig.ClientConnection, sb.log, "ontap", ontapSchemes...)
	if err != nil {
		return err
	}
	if err := addOntap(sb.ctx, ontapMgr, ontapConfig, concurrency); err != nil {
		return err
	}
	if sb.cache, err = cluster.New(seedConfig, func(o *cluster.Options) {
		o.Scheme = sb.Seed.Scheme
		o.Logger = sb.log.WithName("sandbox")
	}); err != nil {
		return fmt.Errorf("creating the sandbox's cache of the seed: %w", err)
	}
	for name, r := range map[string]manager.Runnable{"provider-metal": providerMetal, "ontap": ontapMgr, "the sandbox's cache": sb.cache} {
		sb.wg.Go(func() {
			if err := r.Start(sb.ctx); err != nil {
				sb.fail(fmt.Errorf("%s stopped: %w", name, err))
			}
		})
	}
	if !sb.cache.GetCache().WaitForCacheSync(ctx) {
		return errors.New("the sandbox's cache of the seed did not sync")
	}
	sb.wg.Go(func() { sb.progress.run(sb.ctx) })
	return nil
}

// fail ends the sandbox because a part of it stopped.
func (sb *Sandbox) fail(err error) {
	sb.log.Error(err, "Sandbox failed")
	sb.cancel(err)
}

// Stop ends the controllers, the simulators and the API servers.
func (sb *Sandbox) Stop() {
	sb.cancel(errors.New("the sandbox stopped"))
	sb.wg.Wait()
	for _, s := range sb.Shoots {
		if s.API != nil {
			_ = s.API.Stop()
		}
	}
	if sb.Seed != nil {
		_ = sb.Seed.Stop()
	}
	if sb.MetalAPI != nil {
		_ = sb.MetalAPI.Close()
	}
	if sb.ONTAP != nil {
		_ = sb.ONTAP.Close()
	}
	if sb.releaseLog != nil {
		sb.releaseLog()
	}
	if sb.logGate != nil {
		sb.logGate.close()
	}
	if sb.closeLog != nil {
		_ = sb.closeLog()
	}
}
