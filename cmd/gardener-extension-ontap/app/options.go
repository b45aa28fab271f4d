// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package app

import (
	"errors"
	"fmt"

	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	extensionshealthcheckcontroller "github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	extensionsheartbeatcontroller "github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	"github.com/spf13/pflag"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/apis/config/ontap/loader"
	configvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/ontap/validation"
	ontapcontroller "github.com/metalgarden/metalgarden/pkg/controller/ontap"
	ontaphealthcheck "github.com/metalgarden/metalgarden/pkg/controller/ontap/healthcheck"
	ontapwebhook "github.com/metalgarden/metalgarden/pkg/webhook/ontap"
)

// ConfigFileFlag is the flag naming the component configuration file.
const ConfigFileFlag = "config-file"

// ControllerSwitchOptions are the switches of the extension's controllers (--controllers, --disable-controllers).
func ControllerSwitchOptions() *extensionscmdcontroller.SwitchOptions {
	return extensionscmdcontroller.NewSwitchOptions(
		extensionscmdcontroller.Switch(ontapcontroller.ControllerName, ontapcontroller.AddToManager),
		extensionscmdcontroller.Switch(extensionshealthcheckcontroller.ControllerName, ontaphealthcheck.AddToManager),
		extensionscmdcontroller.Switch(extensionsheartbeatcontroller.ControllerName, extensionsheartbeatcontroller.AddToManager),
	)
}

// WebhookSwitchOptions are the switches of the extension's webhooks (--disable-webhooks).
func WebhookSwitchOptions() *extensionscmdwebhook.SwitchOptions {
	return extensionscmdwebhook.NewSwitchOptions(
		extensionscmdwebhook.Switch(ontapwebhook.WebhookName, ontapwebhook.AddToManager),
	)
}

// ConfigOptions load the component configuration (ControllerConfiguration) from --config-file.
type ConfigOptions struct {
	// ConfigFilePath is the path of the component configuration file.
	ConfigFilePath string

	config *ontapconfig.ControllerConfiguration
}

// AddFlags implements Flagger.AddFlags.
func (c *ConfigOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ConfigFilePath, ConfigFileFlag, "", "Path of the component configuration (ControllerConfiguration of ontap.extensions.config.gardener.cloud)")
}

// Complete loads, defaults and validates the configuration file.
func (c *ConfigOptions) Complete() error {
	if c.ConfigFilePath == "" {
		return errors.New("--" + ConfigFileFlag + " is required")
	}
	cfg, err := loader.LoadFromFile(c.ConfigFilePath)
	if err != nil {
		return err
	}
	if errs := configvalidation.ValidateControllerConfiguration(cfg); len(errs) > 0 {
		return fmt.Errorf("invalid controller configuration %s: %w", c.ConfigFilePath, errs.ToAggregate())
	}
	c.config = cfg
	return nil
}

// Completed returns the loaded configuration. Only call it after Complete succeeded.
func (c *ConfigOptions) Completed() *ontapconfig.ControllerConfiguration {
	return c.config
}
