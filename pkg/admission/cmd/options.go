// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package cmd holds the command line options of the metal admission component: which webhooks run and the shoot
// defaults the mutator fills in.
package cmd

import (
	"fmt"

	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	"github.com/spf13/pflag"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/metalgarden/metalgarden/pkg/admission/mutator"
	"github.com/metalgarden/metalgarden/pkg/admission/validator"
)

// GardenWebhookSwitchOptions are the switch options of the admission webhooks: each can be turned off with
// --disable-webhooks. The mutator defaults shoots with what mutatorOptions hold once completed.
func GardenWebhookSwitchOptions(mutatorOptions *MutatorOptions) *extensionscmdwebhook.SwitchOptions {
	return extensionscmdwebhook.NewSwitchOptions(
		extensionscmdwebhook.Switch(validator.Name, validator.New),
		extensionscmdwebhook.Switch(validator.SecretsValidatorName, validator.NewSecretsWebhook),
		extensionscmdwebhook.Switch(validator.OntapValidatorName, validator.NewOntapWebhook),
		extensionscmdwebhook.Switch(mutator.Name, mutatorOptions.NewWebhook),
	)
}

// MutatorOptions are the shoot defaults of the mutator as command line flags.
type MutatorOptions struct {
	mutator.Defaults
}

// NewMutatorOptions returns MutatorOptions holding the documented defaults.
func NewMutatorOptions() *MutatorOptions {
	return &MutatorOptions{Defaults: mutator.DefaultDefaults()}
}

// AddFlags adds the flags of the shoot defaults.
func (o *MutatorOptions) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.NetworkingType, "shoot-default-networking-type", o.NetworkingType, "The networking type (calico or cilium) of metal shoots that set none.")
	fs.StringVar(&o.PodsCIDRIPv4, "shoot-default-pods-cidr-ipv4", o.PodsCIDRIPv4, "The pod network of metal shoots with IPv4 as primary IP family that set none and whose seed has no IPv4 default.")
	fs.StringVar(&o.ServicesCIDRIPv4, "shoot-default-services-cidr-ipv4", o.ServicesCIDRIPv4, "The service network of metal shoots with IPv4 as primary IP family that set none and whose seed has no IPv4 default.")
	fs.StringVar(&o.PodsCIDRIPv6, "shoot-default-pods-cidr-ipv6", o.PodsCIDRIPv6, "The pod network of metal shoots with IPv6 as primary IP family that set none and whose seed has no IPv6 default.")
	fs.StringVar(&o.ServicesCIDRIPv6, "shoot-default-services-cidr-ipv6", o.ServicesCIDRIPv6, "The service network of metal shoots with IPv6 as primary IP family that set none and whose seed has no IPv6 default.")
	fs.Int32Var(&o.MaxPods, "shoot-default-max-pods", o.MaxPods, "The kubelet's maxPods of metal shoots that set none (lowered where the node CIDR mask size leaves less room).")
	fs.Int32Var(&o.NodeCIDRMaskSizeIPv6, "shoot-default-node-cidr-mask-size-ipv6", o.NodeCIDRMaskSizeIPv6, "The IPv6 node CIDR mask size of metal shoots that set none.")
}

// Complete validates the shoot defaults.
func (o *MutatorOptions) Complete() error {
	if err := o.Validate(); err != nil {
		return fmt.Errorf("invalid shoot defaults: %w", err)
	}
	return nil
}

// NewWebhook creates the mutator webhook with the completed shoot defaults.
func (o *MutatorOptions) NewWebhook(mgr manager.Manager) (*extensionswebhook.Webhook, error) {
	return mutator.NewWithDefaults(o.Defaults)(mgr)
}
