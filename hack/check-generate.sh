#!/usr/bin/env bash
# Fails when `make generate` changes any generated file: generated code must be current.
# Works on a dirty tree too: it compares the generated files' contents before and after.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
generated() {
  local dirs=(pkg)
  for d in example docs/api-reference; do
    if [[ -d $d ]]; then dirs+=("$d"); fi
  done
  {
    find "${dirs[@]}" -type f \( -name 'zz_generated.*.go' -o -path 'example/*' -o -path 'docs/api-reference/*' \)
    echo charts/internal/shoot-system-components/templates/metallb-crds.yaml
  } | sort | xargs -r sha256sum
}
before=$(generated)
make --no-print-directory generate >/dev/null
after=$(generated)
if [[ "$before" != "$after" ]]; then
  echo "generated files were out of date (make generate has now rewritten them; review and commit):" >&2
  diff <(echo "$before") <(echo "$after") >&2 || true
  exit 1
fi
echo "generated files are current"
