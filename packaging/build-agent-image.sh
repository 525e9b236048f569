#!/usr/bin/env bash
# Builds the prebuilt yak-agent image (config.yaml `agent.image`, for clusters that may not exec an upload into a
# public base image) as an OCI image archive, without Docker: one layer per architecture holding the static agent at
# /usr/local/bin/yak-agent, an image config, a manifest per architecture and an index naming their platforms.
#
#   packaging/build-agent-image.sh --agent amd64=PATH [--agent arm64=PATH] --version VERSION --out FILE.tar
#
# Push it with skopeo, e.g.:
#   skopeo copy oci-archive:FILE.tar docker://registry.corp/yak/yak-agent:VERSION --all
set -euo pipefail

agents=()
version=""
out=""
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --agent) agents+=("$2"); shift 2 ;;
    --version) version="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) usage 0 ;;
    *) echo "build-agent-image.sh: unknown argument '$1'" >&2; usage 2 >&2 ;;
  esac
done
[ ${#agents[@]} -gt 0 ] && [ -n "$version" ] && [ -n "$out" ] || usage 2 >&2

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
# Reproducible: same agent bytes, same digests (sorted entries, fixed owner and time).
export SOURCE_DATE_EPOCH=0

# Stores stdin as a blob; prints "sha256:HEX SIZE".
blob() {
  local tmp="$work/blob.tmp" hex
  cat > "$tmp"
  hex="$(sha256sum "$tmp" | cut -d' ' -f1)"
  mv "$tmp" "$layout/blobs/sha256/$hex"
  echo "sha256:$hex $(stat -c %s "$layout/blobs/sha256/$hex")"
}

manifests=""
for entry in "${agents[@]}"; do
  arch="${entry%%=*}"
  path="${entry#*=}"
  case "$arch" in amd64|arm64) ;; *) echo "build-agent-image.sh: architecture '$arch' is not amd64 or arm64" >&2; exit 2 ;; esac
  [ -f "$path" ] || { echo "build-agent-image.sh: no agent build at $path" >&2; exit 1; }

  root="$work/root-$arch"
  mkdir -p "$root/usr/local/bin"
  install -m 0755 "$path" "$root/usr/local/bin/yak-agent"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$root" -cf "$work/layer-$arch.tar" usr
  diff_id="sha256:$(sha256sum "$work/layer-$arch.tar" | cut -d' ' -f1)"
  read -r layer_digest layer_size < <(gzip -9n < "$work/layer-$arch.tar" | blob)

  config="{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/bin\"],\"Entrypoint\":[\"/usr/local/bin/yak-agent\"],\"Labels\":{\"org.opencontainers.image.title\":\"yak-agent\",\"org.opencontainers.image.version\":\"$version\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"$diff_id\"]},\"history\":[{\"created_by\":\"packaging/build-agent-image.sh\"}]}"
  read -r config_digest config_size < <(printf '%s' "$config" | blob)

  manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"$config_digest\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"$layer_digest\",\"size\":$layer_size}]}"
  read -r manifest_digest manifest_size < <(printf '%s' "$manifest" | blob)
  manifests="$manifests${manifests:+,}{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"$manifest_digest\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"}}"
done

# The image is an index over the architectures; the layout's index.json names it by the version (its tag).
image_index="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[$manifests]}"
read -r index_digest index_size < <(printf '%s' "$image_index" | blob)
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
  "$index_digest" "$index_size" "$version" > "$layout/index.json"
mkdir -p "$(dirname "$out")"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$layout" -cf "$out.tmp" oci-layout index.json blobs
mv "$out.tmp" "$out"
echo "$out"
