// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command metalapi-simulator serves the metal-api simulator of internal/sim/metalapi for the sandbox and
// for manual use with metalctl or metal-go.
//
//	metalapi-simulator --listen 127.0.0.1:8080 --state-file seed.yaml --hmac <key> --token <token>
//
// Without --state-file it serves the sandbox seed (metalapi.SandboxSeed); --print-seed writes that seed
// as YAML to start a custom one from.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/metalgarden/metalgarden/internal/sim/metalapi"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "metalapi-simulator:", err)
		os.Exit(1)
	}
}

// run serves until ctx is done; it prints the simulator's URL as the first line on stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("metalapi-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	stateFile := fs.String("state-file", "", "YAML seed (partitions, sizes, images, projects, networks, free machines); default: the sandbox seed")
	hmac := fs.String("hmac", metalapi.DefaultHMACKey, "HMAC key accepted for --hmac-auth-type; empty disables HMAC")
	hmacAuthType := fs.String("hmac-auth-type", "Metal-Admin", "HMAC auth type (Metal-Admin, Metal-Edit or Metal-View)")
	tokens := fs.String("token", metalapi.DefaultToken, "comma-separated bearer tokens accepted with admin rights; empty disables tokens")
	insecure := fs.Bool("insecure", false, "accept requests without credentials as admin")
	randomSeed := fs.Uint64("random-seed", 1, "seed of every random choice (IDs, VRFs, machine selection)")
	provisioning := fs.Duration("provisioning-time", 0, "how long an allocated machine reports allocation.succeeded=false")
	printSeed := fs.Bool("print-seed", false, "print the sandbox seed as YAML and exit")
	verbose := fs.Bool("v", false, "log every request")
	if err := fs.Parse(args); err != nil {
		return err
	}

	seed := metalapi.SandboxSeed()
	if *printSeed {
		data, err := seed.YAML()
		if err != nil {
			return err
		}
		_, err = stdout.Write(data)
		return err
	}
	if *stateFile != "" {
		var err error
		if seed, err = metalapi.LoadSeedFile(*stateFile); err != nil {
			return err
		}
	}

	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	cfg := metalapi.Config{
		Seed:             seed,
		Insecure:         *insecure,
		RandomSeed:       *randomSeed,
		ProvisioningTime: *provisioning,
		ListenAddress:    *listen,
		Logger:           logger,
	}
	if *hmac != "" {
		cfg.HMAC = []metalapi.HMACCredential{{AuthType: *hmacAuthType, Key: *hmac}}
	}
	for t := range strings.SplitSeq(*tokens, ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Tokens = append(cfg.Tokens, metalapi.TokenCredential{Token: t, Role: metalapi.RoleAdmin})
		}
	}

	srv, err := metalapi.Start(ctx, cfg)
	if err != nil {
		return err
	}
	logger.Info("metal-api simulator serving", "url", srv.URL(), "hmacAuthType", authTypeOrNone(cfg), "bearerTokens", len(cfg.Tokens), "insecure", cfg.Insecure)
	fmt.Fprintln(stdout, srv.URL())
	<-ctx.Done()
	logger.Info("shutting down")
	done := make(chan error, 1)
	go func() { done <- srv.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(5 * time.Second):
		return fmt.Errorf("shutdown timed out")
	}
}

func authTypeOrNone(cfg metalapi.Config) string {
	if len(cfg.HMAC) == 0 {
		return "none"
	}
	return cfg.HMAC[0].AuthType
}
