// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package ontap

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/extension"
	extensionswebhook "github.com/gardener/gardener/extensions/pkg/webhook"
	extensionsshootwebhook "github.com/gardener/gardener/extensions/pkg/webhook/shoot"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	resourcesv1alpha1 "github.com/gardener/gardener/pkg/apis/resources/v1alpha1"
	reconcilerutils "github.com/gardener/gardener/pkg/controllerutils/reconciler"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	"github.com/gardener/gardener/pkg/utils/kubernetes/health"
	"github.com/gardener/gardener/pkg/utils/managedresources"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ontapconfig "github.com/metalgarden/metalgarden/pkg/apis/config/ontap"
	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	"github.com/metalgarden/metalgarden/pkg/metal"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// actuator reconciles Extensions of type ontap.
type actuator struct {
	// client writes and reads the objects of the shoot namespace.
	client client.Client
	// reader reads Secrets from the API server: no cluster-wide Secret cache, and no stale credentials.
	reader   client.Reader
	recorder events.EventRecorder
	config   *ontapconfig.ControllerConfiguration
	clusters *ClusterSet
	metal    metal.ClientFactory
	images   imagevector.ImageVector
	// shootWebhookConfig holds the extension's shoot webhooks (extensionswebhook.Configs); nil when none are
	// served.
	shootWebhookConfig *atomic.Value
	// waitTimeout bounds waiting for ManagedResources to be deleted.
	waitTimeout time.Duration
}

var _ extension.Actuator = (*actuator)(nil)

// Reconcile gives the shoot its SVM and deploys Trident with the SVM's backends into the shoot.
//
// The credentials Secret is written first: it records the ONTAP cluster that hosts the SVM before anything is
// created there, so the SVM is found where it was created after a crash, a lost answer or a migration, and a
// Secret that does not exist proves that nothing was created on ONTAP.
func (a *actuator) Reconcile(ctx context.Context, log logr.Logger, ex *extensionsv1alpha1.Extension) error {
	s, err := a.prepare(ctx, ex, true)
	if err != nil {
		return err
	}
	clusters, clustersErr := a.clusters.Get(ctx)
	if clusters == nil {
		return classify(clustersErr, "reading the configured ONTAP clusters")
	}

	creds, err := a.ensureCredentials(ctx, log, s, clusters, clustersErr)
	if err != nil {
		return err
	}
	c, err := clusters.Get(creds.cluster)
	if err != nil {
		return configurationProblem(fmt.Errorf("the SVM of the shoot lives on ONTAP cluster %q: %w", creds.cluster, errors.Join(err, clustersErr)))
	}

	state, err := a.reconcileSVM(ctx, log, s, c, creds)
	if err != nil {
		return err
	}
	if err := a.updateStatus(ctx, ex, state.status); err != nil {
		return err
	}
	return a.deployShootResources(ctx, s, state, creds)
}

// ensureCredentials reads the credentials Secret, creates it with a new password and the chosen cluster if it
// does not exist, and rotates the password when the Extension carries the rotation annotation. The annotation is
// removed only after the new password is stored; the rest of the reconciliation hands it to ONTAP and Trident, and
// a reconciliation that fails on the way does so on the next attempt.
func (a *actuator) ensureCredentials(ctx context.Context, log logr.Logger, s *shoot, clusters *ontap.Clusters, clustersErr error) (credentials, error) {
	secret, err := a.readCredentials(ctx, s.ex.Namespace)
	if err != nil {
		return credentials{}, err
	}
	var creds credentials
	if secret != nil {
		creds = credentialsFrom(secret)
	}
	creds.username, creds.svm = TridentUser, s.svm

	configured := ""
	if s.config.SVM != nil && s.config.SVM.Cluster != nil {
		configured = *s.config.SVM.Cluster
	}
	switch {
	case creds.cluster != "" && configured != "":
		recorded, err1 := clusters.Get(creds.cluster)
		wanted, err2 := clusters.Get(configured)
		if err1 == nil && err2 == nil && recorded != wanted {
			return credentials{}, configurationProblem(fmt.Errorf("the shoot's SVM lives on ONTAP cluster %q; svm.cluster cannot move it to %q", creds.cluster, configured))
		}
	case creds.cluster != "":
	case configured != "":
		creds.cluster = configured
	case s.status != nil && s.status.Cluster != "":
		creds.cluster = s.status.Cluster
	default:
		picked, err := clusters.PickCluster(ctx)
		if picked == nil {
			return credentials{}, classify(errors.Join(err, clustersErr), "choosing the ONTAP cluster for the shoot's SVM")
		}
		if err != nil {
			log.Info("Some ONTAP clusters could not be considered for the shoot's SVM", "error", err.Error())
		}
		creds.cluster = picked.Name()
		log.Info("Chose the ONTAP cluster with the most room for the shoot's SVM", "cluster", creds.cluster, "svm", s.svm)
	}

	_, rotate := s.ex.Annotations[apisontap.AnnotationRotateCredentials]
	if creds.password == "" || rotate {
		if creds.password, err = generatePassword(); err != nil {
			return credentials{}, err
		}
	}
	if _, err := a.writeCredentials(ctx, s.ex.Namespace, secret, creds); err != nil {
		return credentials{}, err
	}
	if rotate {
		patch := client.MergeFrom(s.ex.DeepCopy())
		delete(s.ex.Annotations, apisontap.AnnotationRotateCredentials)
		if err := a.client.Patch(ctx, s.ex, patch); err != nil {
			return credentials{}, fmt.Errorf("removing the annotation %s: %w", apisontap.AnnotationRotateCredentials, err)
		}
		log.Info("Rotated the password of Trident's SVM account", "svm", s.svm)
		a.recorder.Eventf(s.ex, nil, corev1.EventTypeNormal, "CredentialsRotated", "Rotate", "Generated a new password for Trident's account of SVM %s", s.svm)
	}
	return creds, nil
}

// deployShootResources deploys the shoot webhooks (and waits until they are applied, so Trident's objects are
// mutated from the start), Trident and the storage configuration into the shoot.
func (a *actuator) deployShootResources(ctx context.Context, s *shoot, state *storageState, creds credentials) error {
	if err := a.deployShootWebhooks(ctx, s); err != nil {
		return err
	}
	imgs, err := findImages(a.images, tridentVersion(a.config))
	if err != nil {
		return err
	}
	cfg := shootConfig{
		svm:       s.svm,
		config:    s.config,
		dataLIFs:  state.dataLIFs,
		mgmtLIF:   state.mgmtLIF.address,
		username:  creds.username,
		password:  creds.password,
		images:    imgs,
		nodeCIDRs: s.nodeCIDRs,
	}
	trident, err := tridentResources(cfg)
	if err != nil {
		return err
	}
	if err := managedresources.CreateForShoot(ctx, a.client, s.ex.Namespace, ManagedResourceTrident, managedResourceOrigin, false, trident); err != nil {
		return fmt.Errorf("deploying Trident into the shoot: %w", err)
	}
	storage, err := storageResources(cfg)
	if err != nil {
		return err
	}
	if err := managedresources.CreateForShoot(ctx, a.client, s.ex.Namespace, ManagedResourceStorage, managedResourceOrigin, false, storage); err != nil {
		return fmt.Errorf("deploying the storage configuration into the shoot: %w", err)
	}
	return nil
}

// deployShootWebhooks deploys the shoot webhooks of the extension (when it serves any) and waits until the
// shoot's gardener-resource-manager applied them, except while the shoot is hibernated, when it does not run.
func (a *actuator) deployShootWebhooks(ctx context.Context, s *shoot) error {
	if a.shootWebhookConfig == nil {
		return nil
	}
	value, ok := a.shootWebhookConfig.Load().(*extensionswebhook.Configs)
	if !ok || value == nil || !value.HasWebhookConfig() {
		return nil
	}
	if err := extensionsshootwebhook.ReconcileWebhookConfig(ctx, a.client, s.ex.Namespace, ManagedResourceShootWebhooks, *value, s.cluster, true); err != nil {
		return fmt.Errorf("deploying the shoot webhooks: %w", err)
	}
	if extensionscontroller.IsHibernationEnabled(s.cluster) {
		return nil
	}
	mr := &resourcesv1alpha1.ManagedResource{}
	if err := a.client.Get(ctx, client.ObjectKey{Namespace: s.ex.Namespace, Name: ManagedResourceShootWebhooks}, mr); err != nil {
		return fmt.Errorf("reading the ManagedResource of the shoot webhooks: %w", err)
	}
	if err := health.CheckManagedResource(mr); err != nil {
		return waitFor("waiting for the shoot webhooks to be applied before Trident is deployed: %v", err)
	}
	return nil
}

func tridentVersion(cfg *ontapconfig.ControllerConfiguration) string {
	if cfg.Trident == nil {
		return ""
	}
	return cfg.Trident.Version
}

// Delete removes Trident and the storage configuration from the shoot and waits until they are gone (Trident
// deletes its backends while it still runs), then tears the SVM down on ONTAP in the order ONTAP requires
// (pkg/ontap's DeleteSVM: it refuses while volumes exist, which Trident deletes with the shoot's volumes), frees
// the LIF IPs in the metal-api and deletes the credentials Secret. With the retain policy the SVM keeps its
// volumes, LIFs and their IPs for recovery; only Trident's account is deleted, so the deleted shoot's credentials
// stop working.
func (a *actuator) Delete(ctx context.Context, log logr.Logger, ex *extensionsv1alpha1.Extension) error {
	if err := a.deleteShootResources(ctx, ex.Namespace, true); err != nil {
		return err
	}
	return a.teardown(ctx, log, ex)
}

// teardown removes what the shoot holds on ONTAP and in the metal-api and finally the credentials Secret.
func (a *actuator) teardown(ctx context.Context, log logr.Logger, ex *extensionsv1alpha1.Extension) error {
	s, err := a.prepare(ctx, ex, false)
	if err != nil {
		return err
	}
	secret, err := a.readCredentials(ctx, ex.Namespace)
	if err != nil {
		return err
	}
	clusterName := ""
	if secret != nil {
		clusterName = credentialsFrom(secret).cluster
	}
	if clusterName == "" && s.status != nil {
		clusterName = s.status.Cluster
	}

	retain := s.deletionPolicy() == apisontap.DeletionPolicyRetain
	if clusterName != "" {
		clusters, clustersErr := a.clusters.Get(ctx)
		if clusters == nil {
			return classify(clustersErr, "reading the configured ONTAP clusters")
		}
		c, err := clusters.Get(clusterName)
		if err != nil {
			return configurationProblem(fmt.Errorf("the SVM of the shoot lives on ONTAP cluster %q: %w", clusterName, errors.Join(err, clustersErr)))
		}
		if retain {
			if err := c.DeleteAccount(ctx, s.svm, TridentUser); err != nil {
				return classify(err, "deleting Trident's account of the retained SVM %s", s.svm)
			}
			log.Info("Retained the shoot's SVM with its volumes, LIFs and LIF IPs", "svm", s.svm, "cluster", c.Name())
			a.recorder.Eventf(ex, nil, corev1.EventTypeNormal, "SVMRetained", "Delete", "Retained SVM %s on ONTAP cluster %s with its volumes", s.svm, c.Name())
		} else {
			if err := c.DeleteSVM(ctx, s.svm); err != nil {
				return classify(err, "deleting SVM %s", s.svm)
			}
			log.Info("Deleted the shoot's SVM", "svm", s.svm, "cluster", c.Name())
		}
	} else {
		// The Secret is written before anything is created on ONTAP: without it (and without a status naming a
		// cluster), there is nothing there.
		log.Info("No ONTAP cluster was ever chosen for the shoot; nothing to delete on ONTAP", "svm", s.svm)
	}

	if !retain {
		mc, err := a.metalClient(ctx, s)
		if err != nil {
			return err
		}
		freed, err := metal.FreeStorageIPs(ctx, mc, s.identity, "", nil)
		if err != nil {
			return classify(err, "freeing the LIF IPs of SVM %s", s.svm)
		}
		if len(freed) > 0 {
			log.Info("Freed the LIF IPs of the shoot's SVM", "ips", freed)
		}
	}
	return a.deleteCredentials(ctx, ex.Namespace)
}

// ForceDelete is a Delete that never blocks the forced deletion of the shoot: it does not wait for the shoot's
// ManagedResources, and whatever cannot be removed on ONTAP or in the metal-api (e.g. an SVM that still holds
// volumes, an unreachable cluster) is left behind; it carries the shoot's identity (the SVM's name and comment,
// the IPs' storage tag), so an operator finds it.
func (a *actuator) ForceDelete(ctx context.Context, log logr.Logger, ex *extensionsv1alpha1.Extension) error {
	if err := a.deleteShootResources(ctx, ex.Namespace, false); err != nil {
		log.Error(err, "Force deletion could not delete the shoot's ManagedResources")
	}
	if err := a.teardown(ctx, log, ex); err != nil {
		log.Error(reconcilerutils.ReconcileErrCauseOrErr(err), "Force deletion leaves objects of the shoot on ONTAP or in the metal-api behind; they carry the shoot's identity")
		if err := a.deleteCredentials(ctx, ex.Namespace); err != nil {
			return err
		}
	}
	return nil
}

// Migrate hands the shoot over to another seed: the shoot's ManagedResources are removed from this seed but keep
// their objects in the shoot, and nothing changes on ONTAP or in the metal-api. The credentials Secret stays: it
// is referenced in status.resources, so Gardener carries it to the new seed.
func (a *actuator) Migrate(ctx context.Context, _ logr.Logger, ex *extensionsv1alpha1.Extension) error {
	for _, name := range shootManagedResources {
		if err := managedresources.SetKeepObjects(ctx, a.client, ex.Namespace, name, true); err != nil {
			return err
		}
	}
	return a.deleteShootResources(ctx, ex.Namespace, true)
}

// Restore reconciles: the SVM is found by its deterministic name on the cluster the restored credentials Secret
// records, the LIF IPs by their storage tag, so nothing is created twice and no state beyond the Secret is needed.
func (a *actuator) Restore(ctx context.Context, log logr.Logger, ex *extensionsv1alpha1.Extension) error {
	return a.Reconcile(ctx, log, ex)
}

// shootManagedResources are the ManagedResources of a shoot in the order they are deleted: the storage
// configuration while Trident still runs and deletes its backends, then Trident, then the webhooks.
var shootManagedResources = []string{ManagedResourceStorage, ManagedResourceTrident, ManagedResourceShootWebhooks}

// deleteShootResources deletes the shoot's ManagedResources in order, each waited for when wait is set.
func (a *actuator) deleteShootResources(ctx context.Context, namespace string, wait bool) error {
	for _, name := range shootManagedResources {
		if err := managedresources.DeleteForShoot(ctx, a.client, namespace, name); err != nil {
			return fmt.Errorf("deleting ManagedResource %s: %w", name, err)
		}
		if !wait {
			continue
		}
		waitCtx, cancel := context.WithTimeout(ctx, a.waitTimeout)
		err := managedresources.WaitUntilDeleted(waitCtx, a.client, namespace, name)
		cancel()
		if err != nil {
			return waitFor("waiting for ManagedResource %s to be deleted from the shoot: %v", name, err)
		}
	}
	return nil
}
