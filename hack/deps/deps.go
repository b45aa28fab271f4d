//go:build tools

// Package deps pins the packages the module builds on while the code that imports them grows.
package deps

import (
	_ "github.com/gardener/gardener/extensions/pkg/controller/cmd"
	_ "github.com/gardener/gardener/extensions/pkg/controller/controlplane/genericactuator"
	_ "github.com/gardener/gardener/extensions/pkg/controller/extension"
	_ "github.com/gardener/gardener/extensions/pkg/controller/healthcheck"
	_ "github.com/gardener/gardener/extensions/pkg/controller/heartbeat"
	_ "github.com/gardener/gardener/extensions/pkg/controller/infrastructure"
	_ "github.com/gardener/gardener/extensions/pkg/controller/worker/genericactuator"
	_ "github.com/gardener/gardener/extensions/pkg/webhook/cloudprovider"
	_ "github.com/gardener/gardener/extensions/pkg/webhook/controlplane/genericmutator"
	_ "github.com/gardener/gardener/test/envtest"
	_ "github.com/gardener/machine-controller-manager/pkg/util/provider/app"
	_ "github.com/gardener/machine-controller-manager/pkg/util/provider/driver"
	_ "github.com/metal-stack/firewall-controller-manager/api/v2"
	_ "github.com/metal-stack/firewall-controller/v2/api/v1"
	_ "github.com/metal-stack/metal-go"
	_ "github.com/netapp/trident/storage_drivers/ontap/api/rest/client"
	_ "github.com/netapp/trident/storage_drivers/ontap/api/rest/client/svm"
	_ "github.com/netapp/trident/storage_drivers/ontap/api/rest/models"
	_ "github.com/onsi/ginkgo/v2"
	_ "sigs.k8s.io/controller-runtime/pkg/envtest"
)
