#!/usr/bin/env bash
# Leak check: runs one test layer (default: unit) with jest's --detectOpenHandles and fails when
# jest reports a handle (timer, socket, server, child process) left open after the tests ended.
# --detectOpenHandles runs files one at a time, so CI runs it on the unit layer; run
# `pnpm test:leaks service` or `pnpm test:leaks e2e` by hand for the slower layers.
set -uo pipefail
cd "$(dirname "$0")/.."
layer=${1:-unit}
shift || true
out=$(mktemp)
NODE_OPTIONS="--experimental-vm-modules --no-warnings" node node_modules/jest/bin/jest.js --selectProjects "$layer" --detectOpenHandles "$@" 2>&1 | tee "$out" | grep -E "^(PASS|FAIL)|^Tests:" 
rc=${PIPESTATUS[0]}
if grep -qE "Jest has detected the following [0-9]+ open handle|failed to exit gracefully|did not exit one second" "$out"; then
  echo "leak check ($layer): open handles after the tests ended:"
  grep -A25 -E "Jest has detected the following|failed to exit gracefully|did not exit one second" "$out" | head -60
  rm -f "$out"; exit 1
fi
rm -f "$out"
[ "$rc" = 0 ] && echo "leak check ($layer): no open handles"
exit "$rc"
