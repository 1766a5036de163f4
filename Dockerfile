# One image for the web app and the workers.
#   docker build -t normassess:latest .
# Build arguments (docs/deploy.md): BASE, an image with Python 3.11 as `python` and `pip`
# (Debian bookworm); behind a TLS-inspecting proxy, EXTRA_CA_CERTS, the PEM text of the
# proxy's CA, trusted by pip for this build only (add `--network host` where only the
# host reaches the proxy); pip's own PIP_INDEX_URL, PIP_EXTRA_INDEX_URL and
# PIP_FIND_LINKS (a mirror); TORCH_INDEX_URL, where the CPU build of torch comes from.
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap libseccomp2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
ARG EXTRA_CA_CERTS=""
ARG PIP_INDEX_URL
ARG PIP_EXTRA_INDEX_URL
ARG PIP_FIND_LINKS
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN if [ -n "$EXTRA_CA_CERTS" ]; then \
      cat /etc/ssl/certs/ca-certificates.crt >/tmp/pip-ca.pem \
      && printf '%s\n' "$EXTRA_CA_CERTS" >>/tmp/pip-ca.pem && export PIP_CERT=/tmp/pip-ca.pem; \
    fi \
 && pip install --no-cache-dir -r requirements.txt \
 # CPU workers grade gpu-preferred problems on CPU tensors when no GPU worker is alive.
 && pip install --no-cache-dir torch==2.13.0 --index-url "$TORCH_INDEX_URL" \
 && rm -f /tmp/pip-ca.pem
COPY . .
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=build EMAIL_ALLOW_UNSENT=1 \
    python manage.py collectstatic --noinput
# app: the web server and the workers; grader: the grading service (its own uid, in the
# app group so that the workers may use its socket). Neither is root.
# Fixed ids: docker-compose.yml runs the services as 10001:10001 and 10002:10001.
RUN groupadd --system --gid 10001 app \
 && useradd --system --uid 10001 --gid app app \
 && useradd --system --uid 10002 --gid app grader \
 && mkdir -p /app/var/privacy /run/grader /run/grader-practice \
 && chown app /app/var /app/var/privacy \
 && chown grader:app /run/grader /run/grader-practice \
 && chmod 0770 /run/grader /run/grader-practice
USER app
EXPOSE 8000
CMD ["gunicorn", "assess.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
