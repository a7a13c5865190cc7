#!/usr/bin/env bash
# Lint, typecheck and build side by side (each mostly one thread, none needs another's output), before the
# tests, which use the build. Each one's output is printed whole when it ends, so the three do not
# interleave; the script fails if any of them did.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
declare -A pids
for step in lint typecheck build; do
  npm run --silent "$step" > "$logs/$step" 2>&1 &
  pids[$step]=$!
done
failed=()
for step in lint typecheck build; do
  if wait "${pids[$step]}"; then status=ok; else status=FAILED; failed+=("$step"); fi
  echo "── npm run $step: $status"
  cat "$logs/$step"
done
[ ${#failed[@]} -eq 0 ] || { echo "failed: ${failed[*]}" >&2; exit 1; }
