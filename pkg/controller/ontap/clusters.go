// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// ClusterSet builds the ONTAP clusters of the component configuration from their credentials Secrets and keeps
// them while the Secrets stay the same: the clients keep their TLS connections across reconciliations, and a
// rotated admin password (a new resourceVersion) yields new clients. It is safe for concurrent use.
type ClusterSet struct {
	reader   client.Reader
	refs     []ontapconfig.ClusterReference
	insecure bool

	mu       sync.Mutex
	key      string
	clusters *ontap.Clusters
	err      error
}

// NewClusterSet returns the ClusterSet of the component configuration; reader reads the credentials Secrets.
func NewClusterSet(reader client.Reader, cfg *ontapconfig.ControllerConfiguration) *ClusterSet {
	return &ClusterSet{reader: reader, refs: cfg.Clusters, insecure: cfg.InsecureSkipTLSVerify}
}

// Get returns the configured clusters. Clusters whose Secret is missing or invalid are left out, and the error
// describes them; the others are usable all the same (one broken cluster does not stop the others). The error
// never contains a password.
func (s *ClusterSet) Get(ctx context.Context) (*ontap.Clusters, error) {
	var (
		configs []ontap.ClientConfig
		errs    []error
		key     strings.Builder
	)
	fmt.Fprintf(&key, "insecure=%t", s.insecure)
	for _, ref := range s.refs {
		secret := &corev1.Secret{}
		if err := s.reader.Get(ctx, client.ObjectKey{Namespace: ref.SecretRef.Namespace, Name: ref.SecretRef.Name}, secret); err != nil {
			if apierrors.IsNotFound(err) {
				errs = append(errs, fmt.Errorf("the credentials secret %s/%s of ONTAP cluster %s does not exist", ref.SecretRef.Namespace, ref.SecretRef.Name, ref.Name))
				continue
			}
			return nil, fmt.Errorf("reading the credentials secret of ONTAP cluster %s: %w", ref.Name, err)
		}
		fmt.Fprintf(&key, ";%s=%s/%s@%s", ref.Name, secret.Namespace, secret.Name, secret.ResourceVersion)
		cfg, err := clientConfigFor(ref, secret)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.InsecureSkipVerify = cfg.InsecureSkipVerify || s.insecure
		configs = append(configs, cfg)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.clusters == nil || s.key != key.String() {
		clusters, err := ontap.NewClusters(configs...)
		s.key, s.clusters, s.err = key.String(), clusters, errors.Join(append(errs, err)...)
	}
	return s.clusters, s.err
}

// clientConfigFor reads the cluster of a reference from its Secret: the Secret's only cluster, or the one of its
// "clusters" list with the reference's name. The cluster takes the reference's name, which shoots and the status
// use.
func clientConfigFor(ref ontapconfig.ClusterReference, secret *corev1.Secret) (ontap.ClientConfig, error) {
	configs, err := ontap.ClientConfigsFromSecret(secret)
	if err != nil {
		return ontap.ClientConfig{}, fmt.Errorf("ONTAP cluster %s: %w", ref.Name, err)
	}
	if _, many := secret.Data[ontap.SecretKeyClusters]; !many && len(configs) == 1 {
		configs[0].Name = ref.Name
		return configs[0], nil
	}
	for _, cfg := range configs {
		if cfg.Name == ref.Name {
			return cfg, nil
		}
	}
	return ontap.ClientConfig{}, fmt.Errorf("ONTAP cluster %s: the credentials secret %s/%s lists no cluster of that name", ref.Name, secret.Namespace, secret.Name)
}
