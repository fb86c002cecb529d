#!/usr/bin/env bash
# Builds every image of the hall from deploy/Dockerfile and, with --save, writes them together with
# the third-party images the zones run (Postgres, MinIO and its mc client, NATS, nginx) into one tarball to carry into
# an air-gapped zone (`docker load -i …` there; see docs/deploy.md).
# Needs a Docker engine with BuildKit: none runs on the project's development machines, so this
# script is not run by the test suite (the bundles it packs are: packages/platform/test/deploy-bundle.test.ts).
# Usage: deploy/images.sh [--registry hall] [--version 0.1.0] [--save deploy/dist/hall-images.tar]
set -euo pipefail
cd "$(dirname "$0")/.."
REGISTRY=hall VERSION=0.1.0 SAVE=
while [ $# -gt 0 ]; do
  case "$1" in
    --registry) REGISTRY=$2; shift 2 ;;
    --version) VERSION=$2; shift 2 ;;
    --save) SAVE=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v docker >/dev/null || { echo "需要 Docker 引擎（本机没有）：请在构建机上运行" >&2; exit 1; }
images=()
for svc in $(ls services) tools; do
  [ "$svc" = tools ] || [ -f "services/$svc/src/server.ts" ] || continue
  tag="$REGISTRY/hall-$svc:$VERSION"
  docker build -f deploy/Dockerfile --build-arg SERVICE="$svc" -t "$tag" .
  images+=("$tag")
done
if [ -n "$SAVE" ]; then
  third=$(node --import tsx -e "import('./deploy/compose.ts').then(c=>import('./deploy/nats.ts').then(n=>import('./deploy/minio.ts').then(m=>console.log([c.POSTGRES_IMAGE,c.MINIO_IMAGE,m.MC_IMAGE,c.NGINX_IMAGE,n.NATS_IMAGE].join(' ')))))")
  for img in $third; do docker pull "$img"; images+=("$img"); done
  mkdir -p "$(dirname "$SAVE")"
  docker save -o "$SAVE" "${images[@]}"
  sha256sum "$SAVE" > "$SAVE.sha256"
  echo "saved ${#images[@]} images to $SAVE ($(du -h "$SAVE" | cut -f1)); checksum in $SAVE.sha256"
fi
