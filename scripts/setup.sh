#!/usr/bin/env bash
# Installs what the platform needs on a fresh machine of this kind, idempotently:
# pnpm (pinned), Debian's nats-server, the workspace's dependencies, and the Prisma clients.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || need_apt+=(nats-server)
if [ "${HALL_NEEDS_BROWSER:-0}" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
# Always: the certificate service renders Chinese PDFs (services/certificate/src/pdf.ts), and without
# a CJK font the portal's Chinese renders as empty boxes in screenshots.
[ -d /usr/share/fonts/opentype/noto ] && ls /usr/share/fonts/opentype/noto | grep -q CJK || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

want_pnpm=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$want_pnpm" ]; then
  echo "installing pnpm@$want_pnpm"
  npm install -g "pnpm@$want_pnpm" >/dev/null 2>&1
fi

# optimistic-repeat-install: when node_modules' recorded state (lockfile, manifests, settings) still
# matches, pnpm says so in about 1.5 s instead of relinking the workspace (6-7 s), on every start of
# scripts/run.sh; a changed lockfile or manifest, or a missing node_modules, still installs.
pnpm install --frozen-lockfile --config.optimistic-repeat-install=true --reporter=silent
# Prisma clients, generated again only for services whose schema or lockfile changed since (a
# stamp beside the generated client): generating all of them takes 20 s of CPU, over a minute on a
# busy machine, on every start of scripts/run.sh otherwise.
# prisma generate needs no schema engine; pointing the variable at any file stops the download attempt.
stale=()
for schema in services/*/prisma/schema.prisma; do
  svc=${schema%%/prisma/schema.prisma}
  stamp=$(cat "$schema" pnpm-lock.yaml | sha256sum | cut -d' ' -f1)
  [ "$(cat "$svc/src/generated/.stamp" 2>/dev/null)" = "$stamp" ] || stale+=(--filter "./$svc")
done
if [ ${#stale[@]} -gt 0 ]; then
  PRISMA_SCHEMA_ENGINE_BINARY="${PRISMA_SCHEMA_ENGINE_BINARY:-/bin/true}" pnpm -r "${stale[@]}" --reporter=silent run generate >/dev/null
  for schema in services/*/prisma/schema.prisma; do
    svc=${schema%%/prisma/schema.prisma}
    if [ -d "$svc/src/generated" ]; then cat "$schema" pnpm-lock.yaml | sha256sum | cut -d' ' -f1 > "$svc/src/generated/.stamp"; fi
  done
fi
