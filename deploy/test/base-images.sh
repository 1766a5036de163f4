#!/bin/sh
# Builds, from Debian's packages only, the images the deploy test needs where no registry
# can be reached: a bookworm minbase (debootstrap, then `docker import`), and on it Python,
# PostgreSQL, Redis and Caddy stand-ins for the compose file's official images. An image
# that already exists is kept (delete it to rebuild): the base takes ~30 s and a few
# hundred MB of downloads.
#   sh deploy/test/base-images.sh     (DEBIAN_MIRROR to vary)
set -eu
cd "$(dirname "$0")"
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE=normassess-test/debian:bookworm

have() { docker image inspect "$1" >/dev/null 2>&1; }

if ! have "$BASE"; then
  ROOT=$(mktemp -d)
  trap 'rm -rf "$ROOT"' EXIT
  debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >/dev/null
  # The Dockerfiles' apt-get reaches the same mirror (and its security updates).
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$MIRROR" "$MIRROR" \
    >"$ROOT/etc/apt/sources.list"
  rm -rf "$ROOT/var/cache/apt/archives"/*.deb "$ROOT/var/lib/apt/lists"/*
  tar -C "$ROOT" -c . | docker import - "$BASE" >/dev/null
  rm -rf "$ROOT"
  trap - EXIT
fi
for name in python postgres redis caddy; do
  if ! have "normassess-test/$name:bookworm"; then
    docker build --network host -q --build-arg BASE="$BASE" -t "normassess-test/$name:bookworm" \
      -f "images/$name.Dockerfile" images >/dev/null
  fi
done
echo "base images ready"
