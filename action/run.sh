#!/usr/bin/env bash
# The GitHub Action's step: action.yml runs exactly this file, and so do the tests.
# Inputs arrive as INPUT_* variables (action.yml sets them: a composite action gets none of its
# own); results go to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY, problems become annotations.
set -uo pipefail
shopt -s globstar nullglob
here="$(cd "$(dirname "$0")" && pwd)"
cli="$here/../bin/cfpull.js"

fail() {
  printf '::error title=cfpull::%s\n' "$1"
  exit 2
}

case "${INPUT_MODE:-check}" in
  check) mode=(--check) ;;
  patch) mode=() ;;
  *) fail "mode must be check or patch, not '${INPUT_MODE}'" ;;
esac
case "${INPUT_ONLY_PRESENT:-false}" in
  true) opts=(--only-present) ;;
  false | '') opts=() ;;
  *) fail "only-present must be true or false, not '${INPUT_ONLY_PRESENT}'" ;;
esac
[ -n "${INPUT_SECRET:-}" ] || [ -n "${INPUT_REGISTRY:-}" ] ||
  fail 'the secret input is empty: name the registry Secret, e.g. secret: my-credential (or give registry: HOST/PATH to move the images only)'
[ -n "${INPUT_SECRET:-}" ] && opts+=(--secret "${INPUT_SECRET}")
opts+=(--plugins "${INPUT_PLUGINS:-auto}")
[ -n "${INPUT_REGISTRY:-}" ] && opts+=(--registry "${INPUT_REGISTRY}")
[ -n "${INPUT_PLUGIN_REGISTRY:-}" ] && opts+=(--plugin-registry "${INPUT_PLUGIN_REGISTRY}")
for flag in managed-registry replace-plugin-secret replace-registry; do
  var="INPUT_$(echo "$flag" | tr a-z- A-Z_)"
  case "${!var:-false}" in
    true) opts+=("--$flag") ;;
    false | '') ;;
    *) fail "$flag must be true or false, not '${!var}'" ;;
  esac
done
[ -n "${INPUT_SERVICES:-}" ] && opts+=(--services "${INPUT_SERVICES}")
[ -n "${INPUT_EXCLUDE:-}" ] && opts+=(--exclude "${INPUT_EXCLUDE}")
[ -n "${INPUT_CHART_VALUES:-}" ] && opts+=(--chart-values "${INPUT_CHART_VALUES}")
[ -n "${INPUT_CHART_VERSION:-}" ] && opts+=(--chart-version "${INPUT_CHART_VERSION}")

# The values input is a list of patterns, expanded here rather than by a shell the user never sees:
# split on whitespace with globbing off, then glob each word (globstar: ** spans directories).
set -f
# shellcheck disable=SC2206
patterns=(${INPUT_VALUES:-})
set +f
[ ${#patterns[@]} -gt 0 ] || fail 'the values input is empty: give files or globs, e.g. values: deploy/**/values*.yaml'
declare -A seen=()
files=()
for pattern in "${patterns[@]}"; do
  found=0
  # shellcheck disable=SC2206
  matches=($pattern)
  for m in "${matches[@]}"; do
    [ -f "$m" ] || continue
    found=1
    [ -n "${seen[$m]:-}" ] && continue
    seen[$m]=1
    files+=("$m")
  done
  [ "$found" = 1 ] || fail "no file matches ${pattern} (in ${PWD})"
done

summary=()
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && summary=(--summary "${GITHUB_STEP_SUMMARY}")
report="$(mktemp)"
errors="$(mktemp)"
trap 'rm -f "$report" "$errors"' EXIT
# `--` so that a file named like a flag stays a file.
node "$cli" patch "${opts[@]}" "${mode[@]}" "${summary[@]}" --json -- "${files[@]}" >"$report" 2>"$errors"
code=$?
cat "$errors" >&2
# Outputs and annotations, from the JSON report and the fix/next commands cfpull prints itself.
node "$here/report.mjs" "$report" "$errors" "$code" "${INPUT_MODE:-check}" "${opts[@]}"
exit $code
