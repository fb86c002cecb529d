#!/usr/bin/env bash
# The whole test suite (the README's test command) while a CPU hog keeps every core busy, as on a
# shared CI runner: four busy-looping processes per two cores (stress-ng when installed), started
# before the run and stopped after it, whatever happens. Prints the wall time and the totals.
# Usage: pnpm test:loaded [jest arguments]
set -uo pipefail
cd "$(dirname "$0")/.."
cores=$(nproc)
hogs=$((cores * 2))
pids=()
stop_hogs() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap stop_hogs EXIT INT TERM
if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu "$hogs" --quiet & pids+=($!)
else
  for _ in $(seq "$hogs"); do node -e 'for(;;);' & pids+=($!); done
fi
echo "CPU hog: $hogs busy processes on $cores cores"
start=$(date +%s)
bash .ci/run "$@"
rc=$?
echo "wall time under load: $(( $(date +%s) - start )) s"
exit $rc
