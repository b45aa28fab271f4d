// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

// Package webhook lists the webhooks of gardener-extension-provider-metal, each of which can be switched off by
// flag.
package webhook

import (
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"

	controlplanewebhook "github.com/metalgarden/metalgarden/pkg/webhook/controlplane"
	seedproviderwebhook "github.com/metalgarden/metalgarden/pkg/webhook/seedprovider"
	shootwebhook "github.com/metalgarden/metalgarden/pkg/webhook/shoot"
)

// WebhookSwitchOptions are the switches of the provider's webhooks (--disable-webhooks). A new webhook is one more
// Switch line.
func WebhookSwitchOptions() *extensionscmdwebhook.SwitchOptions { //nolint:revive // the name Gardener extensions use for it
	return extensionscmdwebhook.NewSwitchOptions(
		extensionscmdwebhook.Switch(controlplanewebhook.WebhookName, controlplanewebhook.AddToManager),
		extensionscmdwebhook.Switch(seedproviderwebhook.WebhookName, seedproviderwebhook.AddToManager),
		extensionscmdwebhook.Switch(shootwebhook.WebhookName, shootwebhook.AddToManager),
	)
}
