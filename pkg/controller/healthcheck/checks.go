// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck/general"
	workerhealthcheck "github.com/gardener/gardener/extensions/pkg/controller/healthcheck/worker"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/go-logr/logr"
	fcmv2 "github.com/metal-stack/firewall-controller-manager/api/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// seedDeploymentChecker is Gardener's check of a Deployment in the shoot namespace of the seed, whose finding it
// completes with what the component's absence means and where to look.
type seedDeploymentChecker struct {
	*general.SeedDeploymentHealthChecker
	name, impact string
}

var (
	_ healthcheck.HealthCheck  = (*seedDeploymentChecker)(nil)
	_ healthcheck.SourceClient = (*seedDeploymentChecker)(nil)
)

func newSeedDeploymentChecker(name, impact string) *seedDeploymentChecker {
	return &seedDeploymentChecker{SeedDeploymentHealthChecker: general.NewSeedDeploymentHealthChecker(name), name: name, impact: impact}
}

// Check runs Gardener's Deployment check and adds the hint to an unsuccessful result.
func (c *seedDeploymentChecker) Check(ctx context.Context, request types.NamespacedName) (*healthcheck.SingleCheckResult, error) {
	result, err := c.SeedDeploymentHealthChecker.Check(ctx, request)
	if err != nil || result == nil || result.Status == gardencorev1beta1.ConditionTrue {
		return result, err
	}
	result.Detail = fmt.Sprintf("%s; %s (see 'kubectl -n %s describe deployment %s' and the events of its pods)", result.Detail, c.impact, request.Namespace, c.name)
	return result, nil
}

// firewallDeploymentChecker checks the shoot's FirewallDeployment in its namespace of the seed: as many ready
// firewalls as desired and none unhealthy, as firewall-controller-manager counts them.
type firewallDeploymentChecker struct {
	name                  string
	provisioningThreshold time.Duration

	client client.Client
	logger logr.Logger
}

var (
	_ healthcheck.HealthCheck  = (*firewallDeploymentChecker)(nil)
	_ healthcheck.SourceClient = (*firewallDeploymentChecker)(nil)
)

// NewFirewallDeploymentChecker checks the FirewallDeployment of the given name. Firewalls that are being
// provisioned make the check Progressing for provisioningThreshold; unhealthy firewalls make it False at once.
func NewFirewallDeploymentChecker(name string, provisioningThreshold time.Duration) healthcheck.HealthCheck {
	return &firewallDeploymentChecker{name: name, provisioningThreshold: provisioningThreshold}
}

// InjectSourceClient injects the seed client.
func (c *firewallDeploymentChecker) InjectSourceClient(sourceClient client.Client) {
	c.client = sourceClient
}

// SetLoggerSuffix injects the logger.
func (c *firewallDeploymentChecker) SetLoggerSuffix(provider, extension string) {
	c.logger = logf.Log.WithName(fmt.Sprintf("%s-%s-healthcheck-firewalldeployment", provider, extension))
}

// Check runs the check for the ControlPlane named by request.
func (c *firewallDeploymentChecker) Check(ctx context.Context, request types.NamespacedName) (*healthcheck.SingleCheckResult, error) {
	deploy := &fcmv2.FirewallDeployment{}
	if err := c.client.Get(ctx, client.ObjectKey{Namespace: request.Namespace, Name: c.name}, deploy); err != nil {
		if apierrors.IsNotFound(err) {
			return &healthcheck.SingleCheckResult{
				Status: gardencorev1beta1.ConditionFalse,
				Detail: fmt.Sprintf("FirewallDeployment %s/%s does not exist: the shoot has no firewall; the Worker reconciliation creates it, see the Worker's last operation", request.Namespace, c.name),
			}, nil
		}
		return nil, fmt.Errorf("reading FirewallDeployment %s/%s: %w", request.Namespace, c.name, err)
	}

	desired := deploy.Spec.Replicas
	status := deploy.Status
	if status.UnhealthyReplicas == 0 && status.ReadyReplicas >= desired {
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionTrue}, nil
	}

	var problems []string
	if status.UnhealthyReplicas > 0 {
		problems = append(problems, fmt.Sprintf("%d unhealthy", status.UnhealthyReplicas))
	}
	if status.ProgressingReplicas > 0 {
		problems = append(problems, fmt.Sprintf("%d being provisioned", status.ProgressingReplicas))
	}
	detail := fmt.Sprintf("FirewallDeployment %s/%s has %d of %d firewall(s) ready", request.Namespace, c.name, status.ReadyReplicas, desired)
	if len(problems) > 0 {
		detail += " (" + strings.Join(problems, ", ") + ")"
	}
	for _, t := range []fcmv2.ConditionType{fcmv2.FirewallDeploymentAvailable, fcmv2.FirewallDeploymentProgressing, fcmv2.FirewallDeploymentRBACProvisioned} {
		if cond := deploy.Status.Conditions.Get(t); cond != nil && cond.Status != fcmv2.ConditionTrue && (cond.Reason != "" || cond.Message != "") {
			detail += fmt.Sprintf("; %s: %s", t, strings.TrimSpace(cond.Reason+" "+cond.Message))
		}
	}
	detail += fmt.Sprintf("; firewall-controller-manager reports the cause on each Firewall ('kubectl -n %s get firewalls -o wide')", request.Namespace)

	if status.UnhealthyReplicas == 0 && status.ProgressingReplicas > 0 && c.provisioningThreshold > 0 {
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionProgressing, Detail: detail, ProgressingThreshold: new(c.provisioningThreshold)}, nil
	}
	return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: detail}, nil
}

// nodeReadinessChecker checks the Ready condition of every node of the shoot and names the nodes that are not ready
// with the kubelet's reason. Gardener's worker check (NewNodesChecker) looks at the machine deployments only.
type nodeReadinessChecker struct {
	startupGracePeriod time.Duration

	client client.Client
	logger logr.Logger
	now    func() time.Time
}

var (
	_ healthcheck.HealthCheck  = (*nodeReadinessChecker)(nil)
	_ healthcheck.TargetClient = (*nodeReadinessChecker)(nil)
)

// NewNodeReadinessChecker checks that every node of the shoot is ready; nodes younger than startupGracePeriod that
// are not ready yet make the check Progressing instead of False.
func NewNodeReadinessChecker(startupGracePeriod time.Duration) healthcheck.HealthCheck {
	return &nodeReadinessChecker{startupGracePeriod: startupGracePeriod, now: time.Now}
}

// InjectTargetClient injects the shoot client.
func (c *nodeReadinessChecker) InjectTargetClient(targetClient client.Client) {
	c.client = targetClient
}

// SetLoggerSuffix injects the logger.
func (c *nodeReadinessChecker) SetLoggerSuffix(provider, extension string) {
	c.logger = logf.Log.WithName(fmt.Sprintf("%s-%s-healthcheck-nodes-ready", provider, extension))
}

// Check runs the check for the Worker named by request.
func (c *nodeReadinessChecker) Check(ctx context.Context, _ types.NamespacedName) (*healthcheck.SingleCheckResult, error) {
	nodes := &corev1.NodeList{}
	if err := c.client.List(ctx, nodes); err != nil {
		return nil, fmt.Errorf("listing the shoot's nodes: %w", err)
	}
	var notReady []string
	starting := 0
	for _, node := range nodes.Items {
		if node.DeletionTimestamp != nil || node.Annotations[workerhealthcheck.AnnotationKeyNotManagedByMCM] == "1" {
			continue
		}
		i := slices.IndexFunc(node.Status.Conditions, func(cond corev1.NodeCondition) bool { return cond.Type == corev1.NodeReady })
		if i >= 0 && node.Status.Conditions[i].Status == corev1.ConditionTrue {
			continue
		}
		why := "the kubelet has not reported its Ready condition"
		if i >= 0 {
			cond := node.Status.Conditions[i]
			why = fmt.Sprintf("Ready is %s since %s", cond.Status, cond.LastTransitionTime.UTC().Format(time.RFC3339))
			if reason := strings.TrimSpace(cond.Reason + ": " + cond.Message); reason != ":" {
				why += " (" + strings.Trim(reason, ": ") + ")"
			}
		}
		if node.Spec.Unschedulable {
			why += ", cordoned"
		}
		if c.startupGracePeriod > 0 && c.now().Sub(node.CreationTimestamp.Time) < c.startupGracePeriod {
			starting++
		}
		notReady = append(notReady, fmt.Sprintf("node %s: %s", node.Name, why))
	}
	if len(notReady) == 0 {
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionTrue}, nil
	}
	slices.Sort(notReady)
	detail := fmt.Sprintf("%d of %d node(s) not ready: %s; check the kubelet and container runtime on the machine ('kubectl describe node'), a node that stays NotReady is replaced by machine-controller-manager after its health timeout",
		len(notReady), len(nodes.Items), strings.Join(notReady, "; "))
	if starting == len(notReady) {
		return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionProgressing, Detail: detail, ProgressingThreshold: new(c.startupGracePeriod)}, nil
	}
	return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionFalse, Detail: detail}, nil
}
