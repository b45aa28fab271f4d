// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package controlplane

import (
	"fmt"

	"github.com/gardener/gardener/pkg/utils/chart"
	"github.com/gardener/gardener/pkg/utils/imagevector"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/metalgarden/metalgarden/charts"
)

// Names of the images in the image vector.
const (
	imageMetalCCM                  = "metal-ccm"
	imageFirewallControllerManager = "firewall-controller-manager"
)

// ImageVector returns the embedded image vector, merged with the one the file named by IMAGEVECTOR_OVERWRITE
// holds, if that variable is set.
func ImageVector() (imagevector.ImageVector, error) {
	vector, err := imagevector.Read(charts.ImagesYAML)
	if err != nil {
		return nil, fmt.Errorf("reading the embedded image vector: %w", err)
	}
	vector, err = imagevector.WithEnvOverride(vector, imagevector.OverrideEnv)
	if err != nil {
		return nil, fmt.Errorf("reading the image vector overwrite named by %s: %w", imagevector.OverrideEnv, err)
	}
	return vector, nil
}

var (
	controlPlaneChart = &chart.Chart{
		Name:       "seed-controlplane",
		EmbeddedFS: charts.InternalCharts,
		Path:       charts.ChartPathSeedControlPlane,
		Images:     []string{imageMetalCCM, imageFirewallControllerManager},
		Objects: []*chart.Object{
			{Type: &appsv1.Deployment{}, Name: CloudControllerManagerName},
			{Type: &corev1.Service{}, Name: CloudControllerManagerName},
			{Type: &corev1.ServiceAccount{}, Name: CloudControllerManagerName},
			{Type: &appsv1.Deployment{}, Name: FirewallControllerManagerName},
			{Type: &corev1.Service{}, Name: FirewallControllerManagerName},
			{Type: &corev1.ServiceAccount{}, Name: FirewallControllerManagerName},
			{Type: &rbacv1.Role{}, Name: FirewallControllerManagerName},
			{Type: &rbacv1.RoleBinding{}, Name: FirewallControllerManagerName},
		},
	}

	controlPlaneShootChart = &chart.Chart{
		Name:       "shoot-system-components",
		EmbeddedFS: charts.InternalCharts,
		Path:       charts.ChartPathShootSystemComponents,
		Images:     []string{imageMetalLBController, imageMetalLBSpeaker, imageNodeInit, imagePause},
	}

	storageClassesChart = &chart.Chart{
		Name:       "shoot-storageclasses",
		EmbeddedFS: charts.InternalCharts,
		Path:       charts.ChartPathShootStorageClasses,
	}
)
