// SPDX-FileCopyrightText: metalgarden contributors
//
// SPDX-License-Identifier: Apache-2.0

package charts_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	extensionscmdcontroller "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	heartbeatcmd "github.com/gardener/gardener/extensions/pkg/controller/heartbeat/cmd"
	extensionscmdwebhook "github.com/gardener/gardener/extensions/pkg/webhook/cmd"
	gardencorev1beta1 "github.com/gardener/gardener/pkg/apis/core/v1beta1"
	"github.com/gardener/gardener/pkg/chartrenderer"
	"github.com/gardener/gardener/pkg/utils"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/spf13/pflag"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8sversion "k8s.io/apimachinery/pkg/version"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/yaml"

	"github.com/metalgarden/metalgarden/internal/testenv"
)

// renderer renders charts as gardenlet and the Gardener Operator do (helm's engine behind Gardener's
// chart renderer), for the Kubernetes version of the envtest API server.
var renderer = chartrenderer.NewWithServerVersion(&k8sversion.Info{GitVersion: "v1.35.5", Major: "1", Minor: "35"})

// rendered is the output of one chart rendering, decoded into objects.
type rendered struct {
	objects []*unstructured.Unstructured
}

// render renders the packaged chart with the given release name, namespace and values.
func render(chart, release, namespace string, values map[string]any) (*rendered, error) {
	out, err := renderer.RenderArchive(archives[chart], release, namespace, values)
	if err != nil {
		return nil, err
	}
	r := &rendered{}
	for _, manifest := range out.Manifests {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(manifest.Content), &obj.Object); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", manifest.Name, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		r.objects = append(r.objects, obj)
	}
	return r, nil
}

func (r *rendered) ofKind(kind string) []*unstructured.Unstructured {
	var objs []*unstructured.Unstructured
	for _, obj := range r.objects {
		if obj.GetKind() == kind {
			objs = append(objs, obj)
		}
	}
	return objs
}

// get decodes the one object of kind and name into out and fails the test when there is none.
func (r *rendered) get(kind, name string, out any) {
	for _, obj := range r.ofKind(kind) {
		if obj.GetName() == name {
			ExpectWithOffset(1, runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, out)).To(Succeed())
			return
		}
	}
	Fail(fmt.Sprintf("the chart renders no %s %q", kind, name), 1)
}

func (r *rendered) has(kind, name string) bool {
	return slices.ContainsFunc(r.ofKind(kind), func(obj *unstructured.Unstructured) bool { return obj.GetName() == name })
}

// decode converts every object of kind into T.
func decode[T any](r *rendered, kind string) []*T {
	var out []*T
	for _, obj := range r.ofKind(kind) {
		t := new(T)
		ExpectWithOffset(1, runtime.DefaultUnstructuredConverter.FromUnstructured(obj.Object, t)).To(Succeed())
		out = append(out, t)
	}
	return out
}

// toValues turns any JSON-serializable value into the generic form helm values have.
func toValues(v any) any {
	data, err := json.Marshal(v)
	ExpectWithOffset(1, err).NotTo(HaveOccurred())
	var out any
	ExpectWithOffset(1, json.Unmarshal(data, &out)).To(Succeed())
	return out
}

// defaultSeed is the seed the charts are rendered for.
func defaultSeed() *gardencorev1beta1.Seed {
	seed := testenv.NewSeed("metal-seed")
	seed.Spec.Provider.Region = "fra-equ01"
	return seed
}

// seedContext returns values as gardenlet sets them for a ControllerInstallation in the seed (see its
// controllerinstallation reconciler), merged with the operator's values.
func seedContext(seed *gardencorev1beta1.Seed, values map[string]any) map[string]any {
	gardener := map[string]any{
		"version":   "v1.145.0",
		"garden":    map[string]any{"clusterIdentity": "garden-landscape"},
		"gardenlet": map[string]any{"featureGates": map[string]any{"DefaultSeccompProfile": true}},
		"seed": map[string]any{
			"name":            seed.Name,
			"clusterIdentity": "metal-seed-identity",
			"annotations":     nil,
			"labels":          map[string]any{"seed.gardener.cloud/provider": "metal"},
			"provider":        seed.Spec.Provider.Type,
			"region":          seed.Spec.Provider.Region,
			"volumeProvider":  "",
			"volumeProviders": nil,
			"protected":       false,
			"visible":         true,
			"taints":          nil,
			"networks":        toValues(seed.Spec.Networks),
			"blockCIDRs":      nil,
			"spec":            toValues(seed.Spec),
		},
	}
	return utils.MergeMaps(values, map[string]any{"gardener": gardener})
}

// runtimeContext returns values as the Gardener Operator sets them when it deploys an extension into the
// garden runtime cluster (note the string "true").
func runtimeContext(values map[string]any) map[string]any {
	return utils.MergeMaps(values, map[string]any{"gardener": map[string]any{
		"runtimeCluster": map[string]any{"enabled": "true", "priorityClassName": "gardener-garden-system-200"},
	}})
}

// admissionRuntimeContext returns values as the Gardener Operator sets them for the admission runtime chart
// of an Extension named extensionName.
func admissionRuntimeContext(extensionName string, values map[string]any) map[string]any {
	return utils.MergeMaps(values, map[string]any{"gardener": map[string]any{
		"runtimeCluster": map[string]any{"priorityClassName": "gardener-garden-system-400"},
		"virtualCluster": map[string]any{"enabled": true, "namespace": "extension-" + extensionName},
	}})
}

// admissionVirtualContext returns values as the Gardener Operator sets them for the admission application
// chart of an Extension named extensionName.
func admissionVirtualContext(extensionName string, values map[string]any) map[string]any {
	return utils.MergeMaps(values, map[string]any{"gardener": map[string]any{
		"virtualCluster": map[string]any{
			"enabled":        true,
			"serviceAccount": map[string]any{"name": "extension-admission-" + extensionName, "namespace": metav1.NamespaceSystem},
		},
	}})
}

// binary describes the command line of one of our binaries as Gardener's extension library builds it: the
// option types provider-local's cmd/app wires (manager, REST, general, reconciler, per-controller,
// heartbeat, switch and webhook options), plus --config-file for the component configuration.
type binary struct {
	// extensionName is the name the binary registers its webhooks under.
	extensionName string
	// controllers are the controller switches; all but the heartbeat have --<name>-max-concurrent-reconciles.
	controllers []string
	// webhooks are the webhook switches; nil when the binary has no webhook server.
	webhooks []string
	// admission marks the admission binary, which has neither controllers nor a component configuration.
	admission bool
}

var (
	providerMetalBinary = binary{
		extensionName: "provider-metal",
		controllers:   []string{"infrastructure", "worker", "controlplane", "healthcheck", "heartbeat"},
		webhooks:      []string{"controlplane", "seedprovider", "shoot"},
	}
	ontapBinary = binary{
		extensionName: "ontap",
		controllers:   []string{"extension", "healthcheck", "heartbeat"},
	}
	admissionMetalBinary = binary{
		extensionName: "admission-metal",
		webhooks:      []string{"validator", "mutator"},
		admission:     true,
	}
)

// commandLine is what parse made of a container's args.
type commandLine struct {
	manager   *extensionscmdcontroller.ManagerOptions
	heartbeat *heartbeatcmd.Options
	// webhooks is true when the binary serves webhooks.
	webhooks bool
	flags    *pflag.FlagSet
}

// parse parses args as the binary would and completes the options, which rejects unknown controller or
// webhook names and invalid log settings.
func (b binary) parse(args []string) (*commandLine, error) {
	fs := pflag.NewFlagSet(b.extensionName, pflag.ContinueOnError)
	cl := &commandLine{manager: &extensionscmdcontroller.ManagerOptions{}, flags: fs}
	(&extensionscmdcontroller.RESTOptions{}).AddFlags(fs)
	options := []extensionscmdcontroller.Option{cl.manager}

	if !b.admission {
		fs.String("config-file", "", "path of the component configuration")
		cl.heartbeat = &heartbeatcmd.Options{}
		var switches []extensionscmdcontroller.NameToAddToManagerFunc
		for _, name := range b.controllers {
			switches = append(switches, extensionscmdcontroller.Switch(name, func(context.Context, manager.Manager) error { return nil }))
			if name != "heartbeat" {
				options = append(options, extensionscmdcontroller.PrefixOption(name+"-", &extensionscmdcontroller.ControllerOptions{}))
			}
		}
		options = append(options,
			&extensionscmdcontroller.GeneralOptions{},
			&extensionscmdcontroller.ReconcilerOptions{},
			extensionscmdcontroller.PrefixOption("heartbeat-", cl.heartbeat),
			extensionscmdcontroller.NewSwitchOptions(switches...),
		)
	}
	if b.webhooks != nil {
		cl.webhooks = true
		var switches []extensionscmdwebhook.NameToFactory
		for _, name := range b.webhooks {
			switches = append(switches, extensionscmdwebhook.Switch(name, nil))
		}
		options = append(options, extensionscmdwebhook.NewAddToManagerOptions(b.extensionName, "", nil, nil, &extensionscmdwebhook.ServerOptions{}, extensionscmdwebhook.NewSwitchOptions(switches...)))
	}

	aggregator := extensionscmdcontroller.NewOptionAggregator(options...)
	aggregator.AddFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if cl.heartbeat != nil {
		if err := cl.heartbeat.Validate(); err != nil {
			return nil, err
		}
	}
	return cl, aggregator.Complete()
}

// value returns the value of a flag after parsing.
func (cl *commandLine) value(name string) string {
	f := cl.flags.Lookup(name)
	ExpectWithOffset(1, f).NotTo(BeNil(), "flag --%s", name)
	return strings.Trim(f.Value.String(), "[]")
}

// ensureNamespace creates a namespace unless it exists.
func ensureNamespace(ctx context.Context, name string) {
	err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if !apierrors.IsAlreadyExists(err) {
		ExpectWithOffset(1, err).NotTo(HaveOccurred())
	}
}
