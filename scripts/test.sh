#!/usr/bin/env bash
# Runs every test: the type check beside the unit, service and end-to-end layers in one jest run
# (units first, docs/testing.md), then the leak check of the unit layer (--detectOpenHandles).
# Results are written to .tmp/jest-results.json; .ci/run prints the totals from it.
set -uo pipefail
cd "$(dirname "$0")/.."
# Browser tests need Debian's Chromium; setup installs it when missing.
HALL_NEEDS_BROWSER=1 bash scripts/setup.sh || exit 1
mkdir -p .tmp
rm -f .tmp/jest-results.json .tmp/typecheck.failed .tmp/leaks.failed

# Tests use the machine's Postgres on 127.0.0.1:5432 (PG_ADMIN_URL overrides); start it if it is down.
if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start 2>/dev/null || true
fi

# The type check (about 30 s of one core) runs beside jest rather than before it: jest's first
# minutes leave a core idle often enough. Its result is printed the moment it is known.
echo "== type check (beside jest; its result is printed when it finishes)"
( if pnpm -s typecheck >.tmp/typecheck.log 2>&1; then echo "== type check: passed"; else touch .tmp/typecheck.failed; echo "== type check: FAILED"; cat .tmp/typecheck.log; fi ) &
typecheck=$!

echo "== jest"
NODE_OPTIONS="--experimental-vm-modules --no-warnings" node node_modules/jest/bin/jest.js \
  --json --outputFile=.tmp/jest-results.json --maxWorkers=2 "$@"
rc=$?
wait "$typecheck"
echo "== leak check (unit layer, --detectOpenHandles)"
if ! bash scripts/test-leaks.sh unit >.tmp/leaks.log 2>&1; then touch .tmp/leaks.failed; fi
tail -1 .tmp/leaks.log
[ -f .tmp/leaks.failed ] && { echo "leak check failed:"; tail -60 .tmp/leaks.log; rc=1; }
[ -f .tmp/typecheck.failed ] && { echo "type check failed"; rc=1; }
exit $rc
