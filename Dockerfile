# syntax=docker/dockerfile:1
# One image per binary, each a static binary on distroless as the nonroot user (65532, as the charts expect):
#   docker build --target gardener-extension-provider-metal -t <registry>/gardener-extension-provider-metal:$(cat VERSION) .
# Targets: gardener-extension-provider-metal, gardener-extension-admission-metal, gardener-extension-ontap,
# machine-controller-manager-provider-metal.

FROM golang:1.26 AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
# All four at once: the stage is shared by the targets below, the build cache keeps rebuilds cheap.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath \
      -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$(cat VERSION)" \
      -o /out/ \
      ./cmd/gardener-extension-provider-metal \
      ./cmd/gardener-extension-admission-metal \
      ./cmd/gardener-extension-ontap \
      ./cmd/machine-controller-manager-provider-metal

FROM gcr.io/distroless/static-debian12:nonroot AS gardener-extension-provider-metal
COPY --from=builder /out/gardener-extension-provider-metal /gardener-extension-provider-metal
USER 65532:65532
ENTRYPOINT ["/gardener-extension-provider-metal"]

FROM gcr.io/distroless/static-debian12:nonroot AS gardener-extension-admission-metal
COPY --from=builder /out/gardener-extension-admission-metal /gardener-extension-admission-metal
USER 65532:65532
ENTRYPOINT ["/gardener-extension-admission-metal"]

FROM gcr.io/distroless/static-debian12:nonroot AS gardener-extension-ontap
COPY --from=builder /out/gardener-extension-ontap /gardener-extension-ontap
USER 65532:65532
ENTRYPOINT ["/gardener-extension-ontap"]

FROM gcr.io/distroless/static-debian12:nonroot AS machine-controller-manager-provider-metal
COPY --from=builder /out/machine-controller-manager-provider-metal /machine-controller-manager-provider-metal
USER 65532:65532
ENTRYPOINT ["/machine-controller-manager-provider-metal"]
