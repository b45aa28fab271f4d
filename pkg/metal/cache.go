// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package metal

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// ClientFactory returns metal-api clients for the controllers.
type ClientFactory interface {
	// ClientFor returns the client of the metal-api at endpoint with the credentials of the referenced Secret.
	ClientFor(ctx context.Context, reader client.Reader, secretRef corev1.SecretReference, endpoint string) (Client, error)
}

// defaultIdleTimeout is how long a ClientCache keeps a client nobody asked for; a rotated secret's old client
// is forgotten after it.
const defaultIdleTimeout = time.Hour

// ClientCache is a ClientFactory that keeps one client per endpoint and credential hash: every shoot with the
// same credentials shares one client and its rate limit, and a rotated secret yields a new client. Clients
// nobody asked for within an hour are forgotten. It is safe for concurrent use.
type ClientCache struct {
	config ClientConfig
	// idleTimeout and now are fields for tests.
	idleTimeout time.Duration
	now         func() time.Time

	mu      sync.Mutex
	clients map[cacheKey]*cacheEntry
}

type cacheKey struct {
	endpoint string
	credHash string
}

type cacheEntry struct {
	client   Client
	lastUsed time.Time
}

var _ ClientFactory = (*ClientCache)(nil)

// NewClientCache returns a cache whose clients use the configuration.
func NewClientCache(cfg ClientConfig) *ClientCache {
	return &ClientCache{config: cfg, idleTimeout: defaultIdleTimeout, now: time.Now, clients: map[cacheKey]*cacheEntry{}}
}

// Client returns the cached client for the endpoint and credentials, creating it on first use.
func (c *ClientCache) Client(endpoint string, creds Credentials) (Client, error) {
	u, err := parseEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	key := cacheKey{endpoint: u.String(), credHash: creds.Hash()}

	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for k, e := range c.clients {
		if now.Sub(e.lastUsed) > c.idleTimeout {
			delete(c.clients, k)
		}
	}
	if e, ok := c.clients[key]; ok {
		e.lastUsed = now
		return e.client, nil
	}
	cl, err := NewClient(endpoint, creds, c.config)
	if err != nil {
		return nil, err
	}
	c.clients[key] = &cacheEntry{client: cl, lastUsed: now}
	return cl, nil
}

// ClientFor reads the credentials Secret (through the reader, normally the manager's cache) and returns the
// cached client for the endpoint and the credentials.
func (c *ClientCache) ClientFor(ctx context.Context, reader client.Reader, secretRef corev1.SecretReference, endpoint string) (Client, error) {
	secret := &corev1.Secret{}
	if err := reader.Get(ctx, client.ObjectKey{Namespace: secretRef.Namespace, Name: secretRef.Name}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			// gardenlet writes the secret before the extension objects; a missing one is expected to appear.
			return nil, fmt.Errorf("credentials secret %s/%s does not exist (yet)", secretRef.Namespace, secretRef.Name)
		}
		return nil, fmt.Errorf("reading credentials secret %s/%s: %w", secretRef.Namespace, secretRef.Name, err)
	}
	creds, err := CredentialsFromSecret(secret)
	if err != nil {
		return nil, err
	}
	return c.Client(endpoint, creds)
}

// Len is the number of cached clients.
func (c *ClientCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.clients)
}
