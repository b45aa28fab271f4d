// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"math/big"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

const (
	// CredentialsSecretName is the Secret in the shoot namespace of the seed with the credentials of the SVM-scoped
	// account Trident uses, and the ONTAP cluster that hosts the SVM. It is referenced in the Extension's
	// status.resources, so Gardener persists it in the ShootState and restores it after a control plane migration.
	CredentialsSecretName = "ontap-svm-credentials"
	// TridentUser is the name of the SVM-scoped account Trident uses. Accounts are scoped to their SVM, so every
	// shoot's account has this name and sees its own SVM only.
	TridentUser = "trident"

	// Keys of the credentials Secret.
	secretKeyUsername = "username"
	secretKeyPassword = "password"
	secretKeyCluster  = "cluster"
	secretKeySVM      = "svm"

	// passwordLength is the length of generated passwords: 32 characters of 62 give 190 bits.
	passwordLength = 32
	passwordLower  = "abcdefghijklmnopqrstuvwxyz"
	passwordUpper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	passwordDigits = "0123456789"
)

// credentials are the content of the credentials Secret. They never print the password.
type credentials struct {
	username string
	password string
	// cluster is the configured name of the ONTAP cluster that hosts the SVM; it is recorded before anything is
	// created there, so the SVM is always looked for where it was created.
	cluster string
	svm     string
}

// String describes the credentials without the password.
func (c credentials) String() string {
	return fmt.Sprintf("credentials{username: %q, password: <redacted>, cluster: %q, svm: %q}", c.username, c.cluster, c.svm)
}

// GoString is String, so %#v does not print the password either.
func (c credentials) GoString() string { return c.String() }

func credentialsFrom(secret *corev1.Secret) credentials {
	return credentials{
		username: string(secret.Data[secretKeyUsername]),
		password: string(secret.Data[secretKeyPassword]),
		cluster:  string(secret.Data[secretKeyCluster]),
		svm:      string(secret.Data[secretKeySVM]),
	}
}

func (c credentials) data() map[string][]byte {
	return map[string][]byte{
		secretKeyUsername: []byte(c.username),
		secretKeyPassword: []byte(c.password),
		secretKeyCluster:  []byte(c.cluster),
		secretKeySVM:      []byte(c.svm),
	}
}

// generatePassword returns a random password of passwordLength letters and digits from crypto/rand with at
// least one lower-case letter, one upper-case letter and one digit (ONTAP wants a letter and a digit). Letters
// and digits only: the password travels through YAML, URLs and Trident's backend configuration unquoted.
func generatePassword() (string, error) {
	charset := passwordLower + passwordUpper + passwordDigits
	size := big.NewInt(int64(len(charset)))
	for {
		var b strings.Builder
		for range passwordLength {
			n, err := rand.Int(rand.Reader, size)
			if err != nil {
				return "", fmt.Errorf("generating a password: %w", err)
			}
			b.WriteByte(charset[n.Int64()])
		}
		pw := b.String()
		if strings.ContainsAny(pw, passwordLower) && strings.ContainsAny(pw, passwordUpper) && strings.ContainsAny(pw, passwordDigits) {
			return pw, nil
		}
	}
}

// readCredentials reads the credentials Secret; nil when it does not exist.
func (a *actuator) readCredentials(ctx context.Context, namespace string) (*corev1.Secret, error) {
	secret := &corev1.Secret{}
	// The API reader: a Secret created by the previous reconciliation must be seen, not a cache that lags.
	if err := a.reader.Get(ctx, client.ObjectKey{Namespace: namespace, Name: CredentialsSecretName}, secret); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("reading the credentials secret %s/%s: %w", namespace, CredentialsSecretName, err)
	}
	return secret, nil
}

// writeCredentials creates the credentials Secret or updates it when its content differs; an unchanged Secret
// costs no write.
func (a *actuator) writeCredentials(ctx context.Context, namespace string, existing *corev1.Secret, creds credentials) (*corev1.Secret, error) {
	labels := map[string]string{labelManagedBy: managedByValue}
	if existing == nil {
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: CredentialsSecretName, Namespace: namespace, Labels: labels},
			Type:       corev1.SecretTypeOpaque,
			Data:       creds.data(),
		}
		if err := a.client.Create(ctx, secret); err != nil {
			return nil, fmt.Errorf("creating the credentials secret %s/%s: %w", namespace, CredentialsSecretName, err)
		}
		return secret, nil
	}
	if credentialsFrom(existing) == creds && len(existing.Data) == len(creds.data()) && existing.Labels[labelManagedBy] == managedByValue {
		return existing, nil
	}
	updated := existing.DeepCopy()
	updated.Data = creds.data()
	if updated.Labels == nil {
		updated.Labels = map[string]string{}
	}
	maps.Copy(updated.Labels, labels)
	// Update with the read resourceVersion: a concurrent change makes this fail instead of losing a password.
	if err := a.client.Update(ctx, updated); err != nil {
		return nil, fmt.Errorf("updating the credentials secret %s/%s: %w", namespace, CredentialsSecretName, err)
	}
	return updated, nil
}

// deleteCredentials deletes the credentials Secret; a missing one is no error.
func (a *actuator) deleteCredentials(ctx context.Context, namespace string) error {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: CredentialsSecretName, Namespace: namespace}}
	if err := client.IgnoreNotFound(a.client.Delete(ctx, secret)); err != nil {
		return fmt.Errorf("deleting the credentials secret %s/%s: %w", namespace, CredentialsSecretName, err)
	}
	return nil
}
