#!/bin/sh
# Load benchmark on loopback: gunicorn + PostgreSQL + Redis + one Celery worker, and
# locust's 200 simulated candidates autosaving every 2-4 s, then submitting code.
#   sh assess/bench/run.sh            (BENCH_USERS, BENCH_TIME, BENCH_GUNICORN_WORKERS, BENCH_DB, BENCH_PORT to vary)
set -eu
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
DB=${BENCH_DB:-normassess_bench}
USERS=${BENCH_USERS:-200}
PORT=${BENCH_PORT:-8765}
WORK=$(mktemp -d)
export DATABASE_URL=${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$DB}
export CELERY_BROKER_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}
export GRADER_CPU_QUEUE=cpu-bench DJANGO_DEBUG=0 DJANGO_SECRET_KEY=bench-only DJANGO_ALLOWED_HOSTS=127.0.0.1
# Plain HTTP on loopback, no mail server: no TLS redirect, and invitations are not emailed.
export DJANGO_SECURE_SSL_REDIRECT=0 EMAIL_ALLOW_UNSENT=1
export DJANGO_LOG_LEVEL=WARNING NORMASSESS_VAR_DIR=$WORK BENCH_TOKENS=$WORK/tokens.txt BENCH_KINDS=$WORK/kinds.json
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
$PY manage.py migrate -v0
$PY -m assess.bench.prepare --candidates "$USERS" --out "$BENCH_TOKENS" --kinds "$BENCH_KINDS"
.venv/bin/gunicorn assess.wsgi:application -b 127.0.0.1:$PORT -w "${BENCH_GUNICORN_WORKERS:-3}" \
  --log-level warning >"$WORK/gunicorn.log" 2>&1 &
WEB=$!
$PY -m celery -A assess worker -Q cpu-bench --concurrency "${BENCH_WORKER_CONCURRENCY:-1}" --loglevel WARNING >"$WORK/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WEB $WORKER 2>/dev/null || true' EXIT
sleep 3
# Warm every gunicorn worker (imports, templates, database connections) before measuring:
# a refused link and the home page touch the candidate views without using a benchmark token.
for _ in $(seq 1 24); do
  curl -s -o /dev/null http://127.0.0.1:$PORT/t/warm-up-not-a-token/ || true
  curl -s -o /dev/null http://127.0.0.1:$PORT/ || true
done
.venv/bin/locust -f assess/bench/locustfile.py --headless -u "$USERS" -r "${BENCH_SPAWN_RATE:-10}" -t "${BENCH_TIME:-90s}" \
  --host http://127.0.0.1:$PORT --csv "$WORK/stats" --only-summary 2>&1 | tail -n 25
# Let the worker finish the grades queued by the last submits.
$PY - <<'PY'
import os, time, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "assess.settings"); django.setup()
from grader.models import Submission
deadline = time.time() + 120
while time.time() < deadline and Submission.objects.filter(status__in=["queued", "running"]).exists():
    time.sleep(1)
rows = Submission.objects.filter(public_only=False)
print(f"graded {rows.filter(status='graded').count()} of {rows.count()} code submissions")
PY
echo "stats: $WORK/stats_stats.csv"
