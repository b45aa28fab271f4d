#!/usr/bin/env bash
# Generates deepcopy, defaulter and conversion code for every API package that asks for it with a
# +k8s:*-gen tag in its doc.go. The generators are built from hack/tools (pinned with go.sum).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/hack/tools/bin"
cd "$root"

module=$(go list -m)
pkgs_with() {
  grep -rl --include doc.go -e "+k8s:$1" pkg 2>/dev/null | xargs -r -n1 dirname | sort -u | sed "s#^#$module/#"
}

deepcopy=$(pkgs_with deepcopy-gen=package)
defaulter=$(pkgs_with defaulter-gen=)
conversion=$(pkgs_with conversion-gen=)

header="$root/hack/boilerplate.go.txt"
find pkg -name 'zz_generated.*.go' -delete
[[ -z "$deepcopy" ]] || "$bin/deepcopy-gen" --output-file zz_generated.deepcopy.go --go-header-file "$header" $deepcopy
[[ -z "$defaulter" ]] || "$bin/defaulter-gen" --output-file zz_generated.defaults.go --go-header-file "$header" $defaulter
[[ -z "$conversion" ]] || "$bin/conversion-gen" --output-file zz_generated.conversion.go --go-header-file "$header" \
  --extra-peer-dirs k8s.io/apimachinery/pkg/apis/meta/v1,k8s.io/apimachinery/pkg/conversion,k8s.io/apimachinery/pkg/runtime \
  $conversion
