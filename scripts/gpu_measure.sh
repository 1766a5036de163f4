#!/usr/bin/env bash
# Every GPU figure docs/benchmarks.md asks for, in one run on a host with an NVIDIA GPU
# (the sandbox's bubblewrap and the GPU worker's torch/Triton installed). Exits 2 without one.
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout "${GPU_MEASURE_TIMEOUT_S:-540}" "${PYTHON:-.venv/bin/python}" scripts/gpu_measure.py "$@"
