#!/usr/bin/env bash
# Runs the whole platform (both zones, both relay lanes) until Ctrl-C. Data is kept in .data/.
# Uses the Postgres server at DATABASE_URL (an admin URL) when set, else an embedded Postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node --import tsx packages/platform/src/cli.ts
