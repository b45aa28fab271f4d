#!/usr/bin/env bash
# Raises the dependencies that kube-apiserver and etcd (hack/tools) share with the main module to the main
# module's versions, so that a cold `make check test` compiles client-go, k8s.io/api, apimachinery, grpc, protobuf
# and the rest once instead of twice: Go's build cache reuses a compiled package only when its module and every
# dependency below it are the same version. The Kubernetes and etcd pins themselves (k8s.io/kubernetes, its
# staging modules, go.etcd.io/etcd) stay as they are; minimal version selection keeps any dependency at the version
# they need where that is higher than the main module's.
#
#   hack/align-tools.sh          aligns hack/tools/go.mod (make tidy runs it)
#   hack/align-tools.sh --check  fails if aligning would change hack/tools/go.mod (make check runs it)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
tools="$root/hack/tools"

# Prints "<module> <version>" for every module that provides a package of the given build.
modules_of() {
  go list -deps -f '{{with .Module}}{{if not .Replace}}{{.Path}} {{.Version}}{{end}}{{end}}' "$@" | sort -u
}

align() {
  local dir=$1
  local main shared
  main=$(cd "$root" && modules_of ./...)
  shared=$(cd "$dir" && join <(echo "$main") <(modules_of ./cmd/...) | awk '$2 != $3 {print $1 "@" $2}')
  if [[ -z "$shared" ]]; then
    return
  fi
  (
    cd "$dir"
    # A requirement at the main module's version; tidy keeps it, or the higher version something else needs.
    for m in $shared; do
      go mod edit -require="$m"
    done
    go mod tidy
  )
}

if [[ "${1:-}" == "--check" ]]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  cp -r "$tools/go.mod" "$tools/go.sum" "$tools/cmd" "$tools/tools.go" "$tmp/"
  align "$tmp"
  if ! diff -u "$tools/go.mod" "$tmp/go.mod" >&2; then
    echo "hack/tools shares dependencies with the main module at other versions; run make tidy and commit" >&2
    exit 1
  fi
  echo "hack/tools is aligned with the main module"
  exit 0
fi
align "$tools"
