// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package healthcheck

import (
	"context"
	"fmt"
	"strings"

	extensionscontroller "github.com/gardener/gardener/extensions/pkg/controller"
	"github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	"github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/utils/kubernetes/health"
	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/metalgarden/metalgarden/pkg/controller/controlplane"
)

// shootWorkloadChecker checks a Deployment or DaemonSet in a fixed namespace of the shoot (Gardener's shoot checkers
// look in the namespace of the extension object, which is the seed's) and says what its absence means.
type shootWorkloadChecker struct {
	namespace, name string
	daemonSet       bool
	impact          string

	client client.Client
	logger logr.Logger
}

var (
	_ healthcheck.HealthCheck  = (*shootWorkloadChecker)(nil)
	_ healthcheck.TargetClient = (*shootWorkloadChecker)(nil)
)

// NewMetalLBControllerChecker checks MetalLB's controller Deployment in the shoot.
func NewMetalLBControllerChecker() healthcheck.HealthCheck {
	return &shootWorkloadChecker{
		namespace: controlplane.MetalLBNamespace, name: controlplane.MetalLBControllerName,
		impact: "new LoadBalancer services get no address from MetalLB's pools",
	}
}

// NewMetalLBSpeakerChecker checks MetalLB's speaker DaemonSet in the shoot.
func NewMetalLBSpeakerChecker() healthcheck.HealthCheck {
	return &shootWorkloadChecker{
		namespace: controlplane.MetalLBNamespace, name: controlplane.MetalLBSpeakerName, daemonSet: true,
		impact: "the addresses of LoadBalancer services are not announced from the nodes without a ready speaker, so they may be unreachable",
	}
}

// usesMetalLB is the pre-check of the MetalLB checks: only shoots whose load balancer is MetalLB have one to check
// (cilium shoots announce their service IPs with cilium).
func usesMetalLB(_ context.Context, _ client.Client, _ client.Object, obj any) bool {
	cluster, ok := obj.(*extensionscontroller.Cluster)
	if !ok || cluster == nil {
		return true
	}
	return controlplane.LoadBalancerOf(cluster.Shoot) == controlplane.LoadBalancerMetalLB
}

// InjectTargetClient injects the shoot client.
func (c *shootWorkloadChecker) InjectTargetClient(targetClient client.Client) {
	c.client = targetClient
}

// SetLoggerSuffix injects the logger.
func (c *shootWorkloadChecker) SetLoggerSuffix(provider, extension string) {
	c.logger = logf.Log.WithName(fmt.Sprintf("%s-%s-healthcheck-shoot-%s-%s", provider, extension, c.namespace, c.name))
}

func (c *shootWorkloadChecker) kind() string {
	if c.daemonSet {
		return "DaemonSet"
	}
	return "Deployment"
}

// Check runs the check for the ControlPlane named by request.
func (c *shootWorkloadChecker) Check(ctx context.Context, _ types.NamespacedName) (*healthcheck.SingleCheckResult, error) {
	var (
		obj   client.Object = &appsv1.Deployment{}
		check               = func() error { return health.CheckDeployment(obj.(*appsv1.Deployment)) }
	)
	if c.daemonSet {
		obj = &appsv1.DaemonSet{}
		check = func() error { return health.CheckDaemonSet(obj.(*appsv1.DaemonSet)) }
	}
	what := fmt.Sprintf("MetalLB's %s %s/%s in the shoot", c.kind(), c.namespace, c.name)
	if err := c.client.Get(ctx, client.ObjectKey{Namespace: c.namespace, Name: c.name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return &healthcheck.SingleCheckResult{
				Status: gardencorev1beta1.ConditionFalse,
				Detail: fmt.Sprintf("%s does not exist: %s; the ManagedResource %s deploys it, see its conditions in the shoot namespace of the seed",
					what, c.impact, genericactuator.ControlPlaneShootChartResourceName),
			}, nil
		}
		return nil, fmt.Errorf("reading %s: %w", what, err)
	}
	if err := check(); err != nil {
		return &healthcheck.SingleCheckResult{
			Status: gardencorev1beta1.ConditionFalse,
			Detail: fmt.Sprintf("%s is unhealthy: %v; %s (see 'kubectl -n %s describe %s %s' in the shoot and the events of its pods)",
				what, err, c.impact, c.namespace, strings.ToLower(c.kind()), c.name),
		}, nil
	}
	return &healthcheck.SingleCheckResult{Status: gardencorev1beta1.ConditionTrue}, nil
}
