// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Command gardener-extension-admission-metal serves the validating and mutating webhooks of the metal extensions
// for the (virtual) garden cluster.
package main

import (
	"os"

	"github.com/gardener/gardener/pkg/logger"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager/signals"

	"github.com/metalgarden/metalgarden/cmd/gardener-extension-admission-metal/app"
)

func main() {
	logf.SetLogger(logger.MustNewZapLogger(logger.InfoLevel, logger.FormatJSON))

	if err := app.NewAdmissionCommand(signals.SetupSignalHandler()).Execute(); err != nil {
		logf.Log.Error(err, "Error executing the admission command")
		os.Exit(1)
	}
}
