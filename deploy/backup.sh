#!/bin/sh
# Back up what NormAssess keeps: the PostgreSQL database (every organization, test,
# invitation, attempt, answer, submission and report), as a custom-format dump. Redis only
# carries the queue: after a restore the periodic sweep queues again whatever was waiting.
# Keep DJANGO_SECRET_KEY with the backups (your secret store): invitation emails not yet
# sent are sealed under it.
#   sh deploy/backup.sh DIR            writes DIR/normassess-<UTC time>.dump, prints its path
# COMPOSE overrides the compose command (default: docker compose, in this directory).
set -eu
COMPOSE=${COMPOSE:-docker compose}
dir=${1:?usage: sh deploy/backup.sh DIR}
mkdir -p "$dir"
out="$dir/normassess-$(date -u +%Y%m%dT%H%M%SZ).dump"
$COMPOSE exec -T db pg_dump -U normassess -d normassess --format=custom >"$out.partial"
mv "$out.partial" "$out"
echo "$out"
