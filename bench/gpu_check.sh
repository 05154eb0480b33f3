#!/usr/bin/env bash
# One prepared GPU run (see bench/RESULTS.md "Still needs a GPU"): kernel correctness against the
# torch reference on CUDA, the pipeline's CUDA paths (pinned ring, yuv420p on the device, parallel
# encoders), then the benchmark and the encoders-alone ceiling it is compared with (issue target:
# 1080p MP4, crf 18, veryfast, >= 140 frames/s and within 10% of the ceiling). Needs a CUDA build
# of torch (it ships triton).
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pytest -q tests/nets/test_triton_kernel.py tests/nets/test_fast_paths.py tests/rendering/test_host_copy.py tests/colour/test_yuv.py \
    tests/scale/test_parallel_encoders.py
python bench/run.py --device cuda --workloads mlp8x32-1080p,mlp8x32-360p --frames 64 --baseline-frames 16 \
    --x264-preset veryfast
# The pipeline at 1080p: one encoder with rgb24 vs device yuv420p, then auto parallel encoders.
python bench/run.py --device cuda --workloads mlp8x32-1080p --stages mp4 --frames 240 --baseline-frames 4 \
    --repeats 2 --x264-preset veryfast --device-yuv off --encoders 1
python bench/run.py --device cuda --workloads mlp8x32-1080p --stages mp4 --frames 240 --baseline-frames 4 \
    --repeats 2 --x264-preset veryfast --device-yuv auto --encoders auto
python bench/encoder_ceiling.py --size 1920x1080 --frames 240 --encoders auto --x264-preset veryfast --repeats 2
# CPU vs GPU frame differences (issue "Reliability" item 6): the real rows next to the CPU emulation.
python bench/device_diff.py --device cuda
