// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command sandbox runs the extensions of this repository end to end on one machine, with a dual-stack shoot with
// ONTAP storage from example/ (see internal/sandbox):
//
//	sandbox                      # create the shoot, print the summary, run until Ctrl-C
//	sandbox --once --delete      # create, then delete and check that nothing is left; exit status tells
//	sandbox --shoots 5 --once    # five shoots at once
//
// A real metal-api or ONTAP cluster replaces its simulator with --metal-api-url (and --metal-api-hmac-file or
// --metal-api-token-file) and --ontap-address (with --ontap-username and --ontap-password-file); the same run is
// then a smoke test of an installation. Secrets are read from files or environment variables, never flags.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/metalgarden/metalgarden/internal/sandbox"
)

func main() {
	var opts sandbox.Options
	flag.IntVar(&opts.Shoots, "shoots", 1, "number of shoots to create at once")
	flag.BoolVar(&opts.Once, "once", false, "exit once the shoots are ready (and deleted, with --delete) instead of running until Ctrl-C")
	flag.BoolVar(&opts.Delete, "delete", false, "delete the shoots at the end (after ready with --once, else on Ctrl-C) and check that the simulators hold nothing of them")
	flag.StringVar(&opts.Dir, "dir", sandbox.DefaultDir, "folder for the kubeconfigs of the seed and the shoots and for the log")
	flag.StringVar(&opts.ExampleDir, "example-dir", "", "folder with the example manifests (default: example/ of the module)")
	flag.DurationVar(&opts.Timeout, "timeout", 0, fmt.Sprintf("how long to wait for the shoots to become ready, and to be deleted (default %s, plus %s for each shoot beyond the first)", sandbox.DefaultTimeout, sandbox.TimeoutPerShoot))
	var external sandbox.ExternalFlags
	external.Register(flag.CommandLine)
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sandbox: unexpected arguments %v\n", flag.Args())
		os.Exit(2)
	}
	if err := external.Apply(&opts, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(2)
	}
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		opts.Live = true
	}

	// The first Ctrl-C ends the run (the shoots are deleted with --delete), the second aborts and stops the
	// sandbox, the third exits at once.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	until := make(chan struct{})
	opts.Until = until
	ctx, abort := context.WithCancel(context.Background())
	go func() {
		<-signals
		close(until)
		<-signals
		fmt.Fprintln(os.Stderr, "sandbox: aborting, stopping the API servers (Ctrl-C again exits at once)")
		abort()
		<-signals
		os.Exit(130)
	}()
	if err := sandbox.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "sandbox:", err)
		os.Exit(1)
	}
}
