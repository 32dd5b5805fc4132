#!/usr/bin/env bash
# Installs the system packages that cfpull's test suite runs for real, on Debian or Ubuntu.
# The suite itself installs nothing: its global setup runs this script with --check and fails,
# naming the missing packages and this script, when one is not there. A separate script, because
# installing system packages as root is something a developer should choose to do, not a side
# effect of `npm test`.
#
# Usage: scripts/setup-system.sh           install the missing packages (as root, or through sudo)
#        scripts/setup-system.sh --check   list the missing ones; exit 1 if there are any
set -euo pipefail

# Debian package, then the binary the suite runs from it:
# - the registry tests (test/helpers/registry.ts) run Debian's Distribution 2.8 registry, at the
#   path that package installs it to, with htpasswd and openssl for the users and TLS certificates;
# - `cfpull mirror` copies images with skopeo, and its tests run the real one between two registries;
# - the CI integration tests run the real pre-commit and gitlab-ci-local (which drives git and rsync);
# - the completion tests load cfpull's completion scripts in real zsh and fish.
PACKAGES=(
  docker-registry:/usr/bin/docker-registry
  apache2-utils:htpasswd
  openssl:openssl
  git:git
  rsync:rsync
  pre-commit:pre-commit
  zsh:zsh
  fish:fish
  skopeo:skopeo
)

missing=()
for entry in "${PACKAGES[@]}"; do
  command -v "${entry#*:}" >/dev/null 2>&1 || missing+=("$entry")
done

describe() {
  local entry
  for entry in "$@"; do echo "  ${entry#*:} (Debian package ${entry%%:*})"; done
}

if [ "${1:-}" = --check ]; then
  [ ${#missing[@]} -eq 0 ] && exit 0
  echo "missing system packages the test suite runs:"
  describe "${missing[@]}"
  exit 1
elif [ $# -gt 0 ]; then
  echo "usage: scripts/setup-system.sh [--check]" >&2
  exit 2
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: every package the test suite needs is installed"
  exit 0
fi

names=()
for entry in "${missing[@]}"; do names+=("${entry%%:*}"); done

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-system: this script installs Debian packages with apt-get, which this system does not have." >&2
  echo "Install these (or your system's equivalents) yourself:" >&2
  describe "${missing[@]}" >&2
  exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "setup-system: installing ${names[*]} needs root, and sudo is not installed: run this script as root" >&2
    exit 1
  fi
  sudo=(sudo)
fi

echo "setup-system: installing ${names[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -o DPkg::Lock::Timeout=600 "${names[@]}"

still=()
for entry in "${missing[@]}"; do
  command -v "${entry#*:}" >/dev/null 2>&1 || still+=("$entry")
done
if [ ${#still[@]} -gt 0 ]; then
  echo "setup-system: apt-get finished, but these are still missing:" >&2
  describe "${still[@]}" >&2
  exit 1
fi
echo "setup-system: done"
