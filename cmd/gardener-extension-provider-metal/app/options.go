// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package app

import (
	"errors"
	"fmt"

	"github.com/spf13/pflag"

	configmetal "github.com/metalgarden/metalgarden/pkg/apis/config/metal"
	"github.com/metalgarden/metalgarden/pkg/apis/config/metal/loader"
	configvalidation "github.com/metalgarden/metalgarden/pkg/apis/config/metal/validation"
)

// ConfigFileFlag is the flag naming the component configuration file.
const ConfigFileFlag = "config-file"

// ConfigOptions load the component configuration (ControllerConfiguration) from --config-file.
type ConfigOptions struct {
	// ConfigFilePath is the path of the component configuration file.
	ConfigFilePath string

	config *configmetal.ControllerConfiguration
}

// AddFlags implements Flagger.AddFlags.
func (c *ConfigOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.ConfigFilePath, ConfigFileFlag, "", "Path of the component configuration (ControllerConfiguration of metal.provider.extensions.config.gardener.cloud)")
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
func (c *ConfigOptions) Completed() *configmetal.ControllerConfiguration {
	return c.config
}
