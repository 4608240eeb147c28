#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the tests run that this machine lacks; the list
# is tools/test-packages.txt ("command package" per line). Idempotent and quick when nothing is
# missing. The gateway module's build runs it before its tests (skipped with -DskipTests).
# Without root or apt-get it installs nothing and fails, naming the packages to install.
set -euo pipefail
cd "$(dirname "$0")"
missing=() packages=()
while read -r command package _; do
  case $command in ''|'#'*) continue ;; esac
  if ! command -v "$command" >/dev/null; then
    missing+=("$command")
    packages+=("$package")
  fi
done < test-packages.txt
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "tools/install-test-packages.sh: the tests need ${missing[*]}, which this machine lacks," >&2
  echo "  and cannot install it here (that needs root and apt-get)." >&2
  echo "  Install them yourself, e.g.: sudo apt-get install ${packages[*]}" >&2
  echo "  (or skip the tests: -DskipTests)" >&2
  exit 1
fi
echo "tools/install-test-packages.sh: the tests need ${missing[*]}; installing Debian's ${packages[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Other builds may hold dpkg's lock: wait for it rather than fail. A fresh machine has no package
# lists yet, so on a failed install fetch them once and try again.
apt=(apt-get -o DPkg::Lock::Timeout=300 -y -qq)
"${apt[@]}" install "${packages[@]}" >/dev/null 2>&1 \
  || { "${apt[@]}" update >/dev/null && "${apt[@]}" install "${packages[@]}" >/dev/null; }
for command in "${missing[@]}"; do
  command -v "$command" >/dev/null || {
    echo "tools/install-test-packages.sh: installed ${packages[*]} but '$command' is still not on PATH ($PATH)" >&2
    exit 1
  }
done
