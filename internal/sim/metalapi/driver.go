// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metalapi

import (
	"errors"
	"fmt"

	metalgo "github.com/metal-stack/metal-go"
)

// NewDriver returns metal-go's client the way firewall-controller-manager builds it from its flags
// (--metal-api-url and the Metal-Admin HMAC of METAL_AUTH_HMAC): metalgo.NewDriver(url, "", hmac). The sandbox
// hands it to firewall-controller-manager's controllers, which take a metal-go client rather than pkg/metal's
// interfaces; it lives here because only pkg/metal and this package import metal-go.
func NewDriver(url, hmac string) (metalgo.Client, error) {
	if url == "" {
		return nil, errors.New("the metal-api URL is empty: pass the simulator's URL() or a metal-api endpoint")
	}
	if hmac == "" {
		return nil, errors.New("the metal-api HMAC is empty: firewall-controller-manager authenticates with the Metal-Admin HMAC (METAL_AUTH_HMAC)")
	}
	c, err := metalgo.NewDriver(url, "", hmac)
	if err != nil {
		return nil, fmt.Errorf("creating metal-go's driver for %s: %w", url, err)
	}
	return c, nil
}
