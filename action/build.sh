#!/usr/bin/env bash
# The GitHub Action's first step: action.yml runs exactly this file, and so do the tests.
# At a release tag the ref holds dist/cli.cjs (the release workflow commits it there), a bundle
# with cfpull's dependencies inside: the action runs it as it is. At any other ref there is no
# bundle, so it installs the dev dependencies and builds one (a minute or so on a cold runner).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f dist/cli.cjs ]; then
  echo "cfpull: the bundle this ref holds (dist/cli.cjs); nothing to install"
else
  echo "cfpull: no bundle at this ref (only release tags hold one): npm ci and a build"
  npm ci --no-audit --no-fund --loglevel=error
  npm run build
fi
