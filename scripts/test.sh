#!/usr/bin/env bash
# Runs every test: the unit, service and end-to-end layers in one jest run (units first,
# docs/testing.md), and beside it the type check and the leak check of the unit layer
# (--detectOpenHandles). HALL_TEST_WORKERS sets jest's workers (default 3).
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

# The type check (about 30 s of one core) and then the leak check of the unit layer (about 12 s of
# one core, --detectOpenHandles runs its files one at a time) run beside jest rather than before or
# after it: jest's first minutes and its last file leave a core idle often enough. Each result is
# printed the moment it is known.
echo "== type check, then leak check of the unit layer (--detectOpenHandles), beside jest; results are printed when known"
(
  if pnpm -s typecheck >.tmp/typecheck.log 2>&1; then echo "== type check: passed"; else touch .tmp/typecheck.failed; echo "== type check: FAILED"; cat .tmp/typecheck.log; fi
  if bash scripts/test-leaks.sh unit >.tmp/leaks.log 2>&1; then echo "== $(tail -1 .tmp/leaks.log)"; else touch .tmp/leaks.failed; echo "== leak check FAILED:"; tail -60 .tmp/leaks.log; fi
) &
beside=$!

echo "== jest"
NODE_OPTIONS="--experimental-vm-modules --no-warnings" node node_modules/jest/bin/jest.js \
  --json --outputFile=.tmp/jest-results.json --maxWorkers="${HALL_TEST_WORKERS:-3}" "$@"
rc=$?
wait "$beside"
[ -f .tmp/leaks.failed ] && { echo "leak check failed (above)"; rc=1; }
[ -f .tmp/typecheck.failed ] && { echo "type check failed (above)"; rc=1; }
exit $rc
