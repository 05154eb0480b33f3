#!/usr/bin/env bash
# One prepared GPU run (see bench/RESULTS.md "Still needs a GPU"): kernel correctness against the
# torch reference on CUDA, then the benchmark. Needs a CUDA build of torch (it ships triton).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest -q tests/test_triton_kernel.py tests/test_fast_paths.py
python bench/run.py --device cuda --workloads mlp8x32-1080p,mlp8x32-360p --frames 64 --baseline-frames 16 \
    --x264-preset veryfast
# CPU vs GPU frame differences (issue "Reliability" item 6): the real rows next to the CPU emulation.
python bench/device_diff.py --device cuda
