// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package controller lists the controllers of gardener-extension-provider-metal, each of which can be switched
// off by flag.
package controller

import (
	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	extensionscontrolplanecontroller "github.com/gardener/gardener/extensions/pkg/controller/controlplane"
	extensionshealthcheckcontroller "github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	extensionsheartbeatcontroller "github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	extensionsinfrastructurecontroller "github.com/gardener/gardener/extensions/pkg/controller/infrastructure"
	extensionsworkercontroller "github.com/gardener/gardener/extensions/pkg/controller/worker"

	controlplanecontroller "github.com/metalgarden/metalgarden/pkg/controller/controlplane"
	healthcheckcontroller "github.com/metalgarden/metalgarden/pkg/controller/healthcheck"
	infrastructurecontroller "github.com/metalgarden/metalgarden/pkg/controller/infrastructure"
	workercontroller "github.com/metalgarden/metalgarden/pkg/controller/worker"
)

// ControllerSwitchOptions are the switches of the provider's controllers (--controllers, --disable-controllers).
// A new controller is one more Switch line.
func ControllerSwitchOptions() *extensionscmdcontroller.SwitchOptions { //nolint:revive // the name Gardener extensions use for it
	return extensionscmdcontroller.NewSwitchOptions(
		extensionscmdcontroller.Switch(extensionsinfrastructurecontroller.ControllerName, infrastructurecontroller.AddToManager),
		extensionscmdcontroller.Switch(extensionsworkercontroller.ControllerName, workercontroller.AddToManager),
		extensionscmdcontroller.Switch(extensionscontrolplanecontroller.ControllerName, controlplanecontroller.AddToManager),
		extensionscmdcontroller.Switch(extensionsheartbeatcontroller.ControllerName, extensionsheartbeatcontroller.AddToManager),
		extensionscmdcontroller.Switch(extensionshealthcheckcontroller.ControllerName, healthcheckcontroller.AddToManager),
	)
}
