#!/bin/sh
# "Run sample tests" latency as the candidate sees it: gunicorn + one Celery worker on
# Redis + a throwaway SQLite database, all on loopback.
#   sh assess/bench/sample_runs.sh       (BENCH_RUNS, BENCH_REDIS_URL, BENCH_PORT to vary)
set -eu
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
WORK=$(mktemp -d)
export DATABASE_URL=sqlite:///$WORK/bench.sqlite3
export CELERY_BROKER_URL=${BENCH_REDIS_URL:-redis://127.0.0.1:6379/14}
export GRADER_CPU_QUEUE=cpu-sample-bench DJANGO_DEBUG=0 DJANGO_SECRET_KEY=bench-only DJANGO_ALLOWED_HOSTS=127.0.0.1
# Plain HTTP on loopback, no mail server: no TLS redirect, and nothing is emailed.
export DJANGO_SECURE_SSL_REDIRECT=0 EMAIL_ALLOW_UNSENT=1
export DJANGO_LOG_LEVEL=WARNING NORMASSESS_VAR_DIR=$WORK ASSESS_SAMPLE_RUNS_PER_MINUTE=1000
PORT=${BENCH_PORT:-8766}
$PY manage.py migrate -v0
.venv/bin/gunicorn assess.wsgi:application -b 127.0.0.1:$PORT -w 2 --log-level warning >"$WORK/gunicorn.log" 2>&1 &
WEB=$!
$PY -m celery -A assess worker -Q cpu-sample-bench --concurrency 1 --loglevel WARNING >"$WORK/worker.log" 2>&1 &
WORKER=$!
trap 'kill $WEB $WORKER 2>/dev/null || true' EXIT
sleep 4
$PY -m assess.bench.sample_runs --runs "${BENCH_RUNS:-30}" --base "http://127.0.0.1:$PORT"
