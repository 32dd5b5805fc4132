#!/usr/bin/env bash
# The GitHub Action's step (action.yml), kept in a file so the tests run exactly this.
# Inputs arrive as CFPULL_* variables; results go to $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY.
set -uo pipefail
shopt -s globstar nullglob

case "${CFPULL_MODE:-check}" in
  check) mode=(--check) ;;
  patch) mode=() ;;
  *) echo "::error::mode must be check or patch, not ${CFPULL_MODE}"; exit 2 ;;
esac

# Word-split and glob-expand the values input on purpose: it is a list of patterns.
set -f
patterns=(${CFPULL_VALUES})
set +f
files=()
for pattern in "${patterns[@]}"; do
  matches=($pattern)
  if [ ${#matches[@]} -eq 0 ]; then echo "::error::no file matches ${pattern}"; exit 2; fi
  files+=("${matches[@]}")
done

args=(patch "${files[@]}" --secret "${CFPULL_SECRET}" --plugins "${CFPULL_PLUGINS:-auto}" "${mode[@]}" --json)
[ -n "${CFPULL_CHART_VERSION:-}" ] && args+=(--chart-version "${CFPULL_CHART_VERSION}")
[ -n "${GITHUB_STEP_SUMMARY:-}" ] && args+=(--summary "${GITHUB_STEP_SUMMARY}")

report="$(mktemp)"
node "$(dirname "$0")/../bin/cfpull.js" "${args[@]}" > "$report"
code=$?
changed=$(node -e 'try { const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(d.summary && d.summary.changed > 0 ? "true" : "false") } catch { console.log("false") }' "$report")
[ -n "${GITHUB_OUTPUT:-}" ] && echo "changed=${changed}" >> "$GITHUB_OUTPUT"
# Errors as annotations, so they show on the pull request.
node -e 'try { const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); for (const f of d.files || []) if (f.error) console.log(`::error file=${f.error.file || f.file},line=${f.error.line || 1},col=${f.error.col || 1}::${f.error.message}`); else if (f.status === "changed" && process.argv[2] === "check") console.log(`::error file=${f.file}::needs imagePullSecrets: run cfpull patch ${f.file} --secret ${process.argv[3]}`) } catch {}' "$report" "${CFPULL_MODE:-check}" "${CFPULL_SECRET}"
rm -f "$report"
exit $code
