#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the module proxy (hack/tools) into a cache folder keyed by
# version and prints that folder. A second call finds them there and builds nothing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
k8s_version=$(awk '$1 == "k8s.io/kubernetes" {print $2}' "$root/hack/tools/go.mod")
etcd_version=$(awk '$1 == "go.etcd.io/etcd/server/v3" {print $2}' "$root/hack/tools/go.mod")
# The folder name carries a digest of hack/tools/go.sum too: the binaries change with the dependencies
# hack/align-tools.sh raises, not only with the Kubernetes and etcd versions.
sum=$(sha256sum "$root/hack/tools/go.sum" | cut -c1-12)
dir="$root/.cache/envtest/kube-apiserver-${k8s_version}-etcd-${etcd_version}-${sum}"

if [[ -x "$dir/kube-apiserver" && -x "$dir/etcd" ]]; then
  echo "$dir"
  exit 0
fi

minor=$(echo "$k8s_version" | cut -d. -f2)
ldflags="-X k8s.io/component-base/version.gitVersion=${k8s_version}"
ldflags+=" -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}"
mkdir -p "$dir.tmp"
(
  cd "$root/hack/tools"
  echo "building kube-apiserver ${k8s_version} and etcd ${etcd_version} from source (once per machine)" >&2
  go build -ldflags "$ldflags" -o "$dir.tmp/kube-apiserver" ./cmd/kube-apiserver
  go build -o "$dir.tmp/etcd" ./cmd/etcd
)
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
