# Stand-in for python:3.11-slim-bookworm: Debian's Python 3.11 in a venv on PATH, so
# `python` and `pip` install and run as in the official image.
ARG BASE
FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /usr/local/python
ENV PATH=/usr/local/python/bin:$PATH LANG=C.UTF-8
