#!/bin/sh
# Restore a dump of deploy/backup.sh into this stack: a fresh one (new host, lost volumes)
# or this one. Stops what writes, replaces the database's contents in one transaction,
# then starts everything (the `migrate` service brings an older dump's schema up to date).
#   sh deploy/restore.sh FILE.dump
# COMPOSE overrides the compose command (default: docker compose, in this directory).
set -eu
COMPOSE=${COMPOSE:-docker compose}
dump=${1:?usage: sh deploy/restore.sh FILE.dump}
[ -s "$dump" ] || { echo "no dump at $dump" >&2; exit 1; }
$COMPOSE stop proxy web worker-cpu beat >/dev/null 2>&1 || true
$COMPOSE up -d --wait db
$COMPOSE exec -T db pg_restore -U normassess -d normassess --clean --if-exists --no-owner \
  --single-transaction --exit-on-error <"$dump"
$COMPOSE up -d --wait
