// Command ontap-simulator serves the ONTAP REST API simulator of
// internal/sim/ontapapi over HTTPS, for the sandbox and for trying the ontap
// extension or Trident by hand.
//
//	ontap-simulator --listen 127.0.0.1:8443 --state-file /tmp/ontap/state.json
//
// It writes the CA that signed its certificate to --ca-file and prints the
// path; clients verify TLS against it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/metalgarden/metalgarden/internal/sim/ontapapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ontap-simulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ontap-simulator", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8443", "address to listen on (host:port; port 0 picks a free one)")
	stateFile := fs.String("state-file", "", "file that keeps the simulated cluster across restarts (empty: in memory only)")
	adminUser := fs.String("admin-user", ontapapi.DefaultAdminUser, "cluster administrator user")
	adminPassword := fs.String("admin-password", "", "cluster administrator password (default: $ONTAP_SIMULATOR_ADMIN_PASSWORD, else "+ontapapi.DefaultAdminPassword+")")
	seedFile := fs.String("seed", "", "YAML file with cluster name, nodes and aggregates (default: two nodes with two aggregates each)")
	caFile := fs.String("ca-file", "", "where to write the CA certificate (default: next to the state file, else in the temp directory)")
	jobDelay := fs.Duration("job-delay", 0, "how long asynchronous jobs run")
	hosts := fs.String("hosts", "", "comma-separated extra DNS names or IPs for the server certificate")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}

	cfg := ontapapi.Config{
		Addr:          *listen,
		AdminUser:     *adminUser,
		AdminPassword: *adminPassword,
		StateFile:     *stateFile,
		JobDelay:      *jobDelay,
	}
	if cfg.AdminPassword == "" {
		cfg.AdminPassword = os.Getenv("ONTAP_SIMULATOR_ADMIN_PASSWORD")
	}
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			cfg.Hosts = append(cfg.Hosts, h)
		}
	}
	logger := log.New(os.Stderr, "ontap-simulator: ", log.LstdFlags)
	if *verbose {
		cfg.Logf = logger.Printf
	}
	if *seedFile != "" {
		raw, err := os.ReadFile(*seedFile)
		if err != nil {
			return fmt.Errorf("reading seed: %w", err)
		}
		seed, err := ontapapi.LoadSeedYAML(raw)
		if err != nil {
			return err
		}
		cfg.Seed = &seed
	}

	srv, err := ontapapi.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer func() { _ = srv.Close() }()

	path := *caFile
	if path == "" {
		dir := os.TempDir()
		if cfg.StateFile != "" {
			dir = filepath.Dir(cfg.StateFile)
		}
		path = filepath.Join(dir, "ontap-simulator-ca.pem")
	}
	if err := os.WriteFile(path, srv.CACert(), 0o644); err != nil {
		return fmt.Errorf("writing CA certificate: %w", err)
	}
	user, _ := srv.AdminCredentials()
	fmt.Fprintf(stdout, "ONTAP simulator listening on %s (cluster %q, admin user %q)\n", srv.URL(), srv.State().ClusterName, user)
	fmt.Fprintf(stdout, "CA certificate: %s\n", path)

	<-ctx.Done()
	return srv.Close()
}
