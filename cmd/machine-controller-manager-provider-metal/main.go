// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command machine-controller-manager-provider-metal is machine-controller-manager's provider for metal-stack: it
// runs MCM's machine controller (the provider app of MCM) with the metal driver of pkg/mcm. Gardener runs it as
// the provider sidecar of the machine-controller-manager Deployment of each shoot; the control-plane webhook of
// provider-metal injects it there with the flags of MCM's provider app.
package main

import (
	"fmt"
	"os"

	_ "github.com/gardener/machine-controller-manager/pkg/util/client/metrics/prometheus" // client metrics, as MCM's own binaries
	"github.com/gardener/machine-controller-manager/pkg/util/provider/app"
	"github.com/gardener/machine-controller-manager/pkg/util/provider/app/options"
	_ "github.com/gardener/machine-controller-manager/pkg/util/reflector/prometheus" // reflector metrics
	_ "github.com/gardener/machine-controller-manager/pkg/util/workqueue/prometheus" // workqueue metrics
	"github.com/spf13/pflag"
	"k8s.io/component-base/cli/flag"
	"k8s.io/component-base/logs"
	"k8s.io/klog/v2"

	"github.com/metalgarden/metalgarden/pkg/mcm"
	"github.com/metalgarden/metalgarden/pkg/metal"
)

func main() {
	server := options.NewMCServer()
	server.AddFlags(pflag.CommandLine)

	metalAPI := metal.DefaultClientConfig()
	pflag.CommandLine.DurationVar(&metalAPI.RequestTimeout, "metal-api-request-timeout", metalAPI.RequestTimeout, "Timeout of one metal-api request.")
	pflag.CommandLine.Float32Var(&metalAPI.QPS, "metal-api-qps", metalAPI.QPS, "Sustained metal-api requests per second per set of credentials.")
	pflag.CommandLine.IntVar(&metalAPI.Burst, "metal-api-burst", metalAPI.Burst, "metal-api requests that may be sent at once per set of credentials.")

	flag.InitFlags()
	logs.InitLogs()

	drv := mcm.NewDriver(metal.NewClientCache(metalAPI), klog.Background().WithName("metal-driver"))
	err := app.Run(server, drv)
	logs.FlushLogs()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\n", err)
		os.Exit(1)
	}
}
