# One image for the web app and the workers.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap libseccomp2 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt \
 # CPU workers grade gpu-preferred problems on CPU tensors when no GPU worker is alive.
 && pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
COPY . .
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=build \
    python manage.py collectstatic --noinput
# app: the web server and the workers; grader: the grading service (its own uid, in the
# app group so that the workers may use its socket). Neither is root.
RUN useradd --system --uid 10001 --user-group app \
 && useradd --system --uid 10002 --gid app grader \
 && mkdir -p /app/var /run/grader /run/grader-practice && chown app /app/var \
 && chown grader:app /run/grader /run/grader-practice \
 && chmod 0770 /run/grader /run/grader-practice
USER app
EXPOSE 8000
CMD ["gunicorn", "assess.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
