// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	extensionsv1alpha1 "github.com/gardener/gardener/pkg/apis/extensions/v1alpha1"
	"github.com/go-logr/logr"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	apisontap "github.com/metalgarden/metalgarden/pkg/apis/ontap"
	ontaphelper "github.com/metalgarden/metalgarden/pkg/apis/ontap/helper"
	"github.com/metalgarden/metalgarden/pkg/ontap"
)

// clusterGetter returns the configured ONTAP clusters (ontapcontroller.ClusterSet).
type clusterGetter interface {
	Get(ctx context.Context) (*ontap.Clusters, error)
}

// svmChecker checks the shoot's SVM on ONTAP as the Extension's providerStatus records it: with checkLIFs unset
// that the SVM is running, with checkLIFs set that every LIF of the status exists, is enabled, up and has its
// address.
type svmChecker struct {
	clusters  clusterGetter
	checkLIFs bool

	client client.Client
	logger logr.Logger
}

var (
	_ healthcheck.HealthCheck  = (*svmChecker)(nil)
	_ healthcheck.SourceClient = (*svmChecker)(nil)
)

// NewSVMChecker checks that the shoot's SVM is running.
func NewSVMChecker(clusters clusterGetter) healthcheck.HealthCheck {
	return &svmChecker{clusters: clusters}
}

// NewLIFChecker checks that the LIFs of the shoot's SVM are up with their addresses.
func NewLIFChecker(clusters clusterGetter) healthcheck.HealthCheck {
	return &svmChecker{clusters: clusters, checkLIFs: true}
}

// InjectSourceClient injects the seed client.
func (c *svmChecker) InjectSourceClient(sourceClient client.Client) { c.client = sourceClient }

// SetLoggerSuffix injects the logger.
func (c *svmChecker) SetLoggerSuffix(provider, extension string) {
	c.logger = logf.Log.WithName(fmt.Sprintf("%s-%s-healthcheck-svm", provider, extension))
}

// Check runs the check for the Extension named by request.
func (c *svmChecker) Check(ctx context.Context, request types.NamespacedName) (*healthcheck.SingleCheckResult, error) {
	ex := &extensionsv1alpha1.Extension{}
	if err := c.client.Get(ctx, request, ex); err != nil {
		return nil, fmt.Errorf("reading Extension %s: %w", request, err)
	}
	status, err := ontaphelper.OntapStatusFromRaw(ex.Status.ProviderStatus)
	if err != nil {
		return nil, fmt.Errorf("reading the providerStatus of Extension %s: %w", request, err)
	}
	if status == nil || status.SVMName == "" || status.Cluster == "" {
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionProgressing, Detail: "the shoot's SVM has not been created yet"}, nil
	}

	clusters, clustersErr := c.clusters.Get(ctx)
	if clusters == nil {
		return nil, fmt.Errorf("reading the configured ONTAP clusters: %w", clustersErr)
	}
	cluster, err := clusters.Get(status.Cluster)
	if err != nil {
		// The cluster the SVM lives on is not (or no longer) configured: a result for the operator, not a failed
		// check.
		return unhealthy(err)
	}
	if c.checkLIFs {
		return c.checkInterfaces(ctx, cluster, status)
	}

	svm, err := cluster.GetSVM(ctx, status.SVMName)
	switch {
	case ontap.IsNotFound(err):
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: fmt.Sprintf("SVM %s does not exist on ONTAP cluster %s", status.SVMName, status.Cluster)}, nil
	case err != nil:
		return unhealthy(err)
	case svm.State != "running":
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: fmt.Sprintf("SVM %s on ONTAP cluster %s is %s, not running", svm.Name, status.Cluster, svm.State)}, nil
	}
	return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionTrue}, nil
}

func (c *svmChecker) checkInterfaces(ctx context.Context, cluster ontap.Cluster, status *apisontap.OntapStatus) (*healthcheck.SingleCheckResult, error) {
	lifs, err := cluster.ListInterfaces(ctx, status.SVMName)
	if err != nil {
		if ontap.IsNotFound(err) {
			return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: fmt.Sprintf("SVM %s does not exist on ONTAP cluster %s", status.SVMName, status.Cluster)}, nil
		}
		return unhealthy(err)
	}
	want := slices.Clone(status.DataLIFs)
	if status.ManagementLIF != nil {
		want = append(want, *status.ManagementLIF)
	}
	var problems []string
	for _, w := range want {
		i := slices.IndexFunc(lifs, func(l ontap.LIF) bool { return l.Name == w.Name })
		if i < 0 {
			problems = append(problems, fmt.Sprintf("LIF %s is missing", w.Name))
			continue
		}
		l := lifs[i]
		switch {
		case l.Address.Addr().String() != w.Address:
			problems = append(problems, fmt.Sprintf("LIF %s has address %s instead of %s", l.Name, l.Address.Addr(), w.Address))
		case !l.Enabled:
			problems = append(problems, fmt.Sprintf("LIF %s is disabled", l.Name))
		case l.State != "" && l.State != "up":
			problems = append(problems, fmt.Sprintf("LIF %s is %s", l.Name, l.State))
		}
	}
	if len(problems) > 0 {
		return &healthcheck.SingleCheckResult{
			Status: gardencorev1beta1.ConditionFalse,
			Detail: fmt.Sprintf("SVM %s on ONTAP cluster %s: %s (the next reconciliation repairs them)", status.SVMName, status.Cluster, strings.Join(problems, "; ")),
		}, nil
	}
	return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionTrue}, nil
}

// unhealthy is the result for an ONTAP cluster that is not configured or could not be asked: the check ran, and
// its answer is that the SVM is not known to be healthy.
func unhealthy(cause error) (*healthcheck.SingleCheckResult, error) {
	result := &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: cause.Error()}
	if ontap.IsConfiguration(cause) {
		result.Codes = []gardencorev1beta1.ErrorCode{gardencorev1beta1.ErrorConfigurationProblem}
	}
	return result, nil
}
