# metalgarden: build, test and check the two extensions.

REPO_ROOT          := $(shell pwd)
BIN                := $(REPO_ROOT)/bin
TOOLS_BIN          := $(REPO_ROOT)/hack/tools/bin
GOLANGCI_LINT_VERSION := v2.6.0
GOLANGCI_LINT      := $(TOOLS_BIN)/golangci-lint-$(GOLANGCI_LINT_VERSION)
CODEGEN_TOOLS      := $(TOOLS_BIN)/deepcopy-gen $(TOOLS_BIN)/defaulter-gen $(TOOLS_BIN)/conversion-gen
# Package-level parallelism for go test; each package with envtest starts one control plane. The envtest suites
# mostly wait (on API servers, requeues and machine-controller-manager's fixed 5 s retries), so more packages than
# cores run at once.
TEST_PARALLEL      ?= 4
# -vet=off: make check runs all of go vet's analyzers (golangci-lint's govet), so go test does not run its own subset
# again (a cold build vets every test package twice otherwise). -ldflags=-w: test binaries without DWARF link about a
# third faster; set TEST_BUILD_FLAGS= to debug a test binary with dlv. TEST_FLAGS is for the caller, e.g. TEST_FLAGS="-run Foo -v".
TEST_BUILD_FLAGS   ?= -vet=off -ldflags=-w
TEST_FLAGS         ?=
VERSION            := $(shell cat VERSION 2>/dev/null || echo v0.0.0-dev)

.PHONY: all
all: build

.PHONY: build
# Without -trimpath (the Dockerfile's release build has it): the compiled packages then are the ones make check and
# make test compile too, so whichever runs first compiles the dependencies for all three.
build:
	@mkdir -p $(BIN)
	go build -o $(BIN)/ ./cmd/...

# Packages the deployment charts (name = OCI repository leaf, version = VERSION) into bin/charts, ready for
# `helm push bin/charts/<name>-$(VERSION).tgz oci://<registry>/<path>`.
.PHONY: charts
charts:
	go run ./hack/charts -version $(VERSION) -charts charts -out $(BIN)/charts

.PHONY: envtest
envtest:
	@hack/envtest.sh >/dev/null

.PHONY: test
test: envtest
	KUBEBUILDER_ASSETS=$$(hack/envtest.sh) go test -p $(TEST_PARALLEL) $(TEST_BUILD_FLAGS) $(TEST_FLAGS) ./...

# The same tests under the race detector, as CI runs them after `make test`. Kept out of `make test` as Gardener keeps
# it out of its envtest integration tests: it compiles every dependency a second time and runs the suites slower.
.PHONY: test-race
test-race: envtest
	KUBEBUILDER_ASSETS=$$(hack/envtest.sh) go test -race -p $(TEST_PARALLEL) $(TEST_BUILD_FLAGS) $(TEST_FLAGS) ./...

# Runs the whole picture on this machine: seed and shoot API servers, the metal-api and ONTAP simulators, the
# extensions' controllers, and the dual-stack example shoot with ONTAP storage, until Ctrl-C. Flags go in
# SANDBOX_FLAGS, e.g. make sandbox SANDBOX_FLAGS="--once --delete" or SANDBOX_FLAGS="--shoots 5".
SANDBOX_FLAGS      ?=
.PHONY: sandbox
# Built, then run as make's own child rather than through go run: go run ends with status 1 when it sees the Ctrl-C
# that ends the sandbox, which then ends cleanly with 0.
sandbox: envtest
	@mkdir -p $(BIN)
	go build -o $(BIN)/sandbox ./cmd/sandbox
	KUBEBUILDER_ASSETS=$$(hack/envtest.sh) $(BIN)/sandbox $(SANDBOX_FLAGS)

.PHONY: bench
bench: envtest
	KUBEBUILDER_ASSETS=$$(hack/envtest.sh) go test -run '^$$' -bench . -benchmem -p 1 ./...

$(TOOLS_BIN)/%-gen: hack/tools/go.mod hack/tools/go.sum
	cd hack/tools && go build -o $(TOOLS_BIN)/ k8s.io/code-generator/cmd/$*-gen

$(GOLANGCI_LINT):
	@mkdir -p $(TOOLS_BIN)
	GOBIN=$(TOOLS_BIN) go install github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION)
	mv $(TOOLS_BIN)/golangci-lint $(GOLANGCI_LINT)

.PHONY: generate
generate: $(CODEGEN_TOOLS)
	hack/update-codegen.sh
	hack/metallb-crds.sh
	@if [ -d hack/gen ]; then go run ./hack/gen; fi

.PHONY: check-generate
check-generate:
	hack/check-generate.sh

.PHONY: lint
lint: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) run ./...

.PHONY: check
# go vet's analyzers run inside golangci-lint (govet, with go vet's default set), on the one type-checked load of
# the module; a separate `go vet ./...` would compute every dependency's facts a second time. hack/tools holds
# only the two main packages of kube-apiserver and etcd: building them (envtest, which make test needs anyway)
# is their check.
check: lint check-generate envtest
	hack/align-tools.sh --check

.PHONY: format
format: $(GOLANGCI_LINT)
	$(GOLANGCI_LINT) fmt ./...

# hack/align-tools.sh raises what kube-apiserver and etcd share with the main module to its versions, so the two
# builds share compiled packages.
.PHONY: tidy
tidy:
	go mod tidy
	cd hack/tools && go mod tidy
	hack/align-tools.sh

.PHONY: clean
clean:
	rm -rf $(BIN) $(TOOLS_BIN) .cache
