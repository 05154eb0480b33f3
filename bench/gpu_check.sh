#!/usr/bin/env bash
# One prepared GPU run (issue 15, item 5). On a machine with a CUDA build of torch (it ships
# triton) and the package installed, it runs, each step under its own time limit so that one
# stuck step cannot eat the others' time (at most 8.5 minutes in all, about 5 when nothing sticks):
#   1. the CUDA tests (kernel vs torch reference, fast paths, pinned ring, device yuv420p,
#      parallel encoders, the kernel's safety net);
#   2. the fused kernel's self-check on real hardware, for every activation it knows;
#   3. the exactness table: CPU vs CUDA codes per bundled preset (bench/device_diff.py);
#   4. render-to-uint8 throughput, float32 torch path vs the fp16 kernel;
#   5. the end-to-end 1080p MP4 with parallel encoders, float32 (the file default) vs fast,
#      next to the encoders-alone ceiling.
# Every step appends to one results file (default bench/gpu_results.md, or $1); a failing step
# is recorded and the next one still runs. Exit status: the number of failed steps.
set -uo pipefail
cd "$(dirname "$0")/.."
results="${1:-bench/gpu_results.md}"
failed=0

step() {  # step TITLE SECONDS COMMAND...
    local title="$1" limit="$2"
    shift 2
    local started=$SECONDS
    printf '\n## %s\n\n```\n$ %s\n' "$title" "$*" >>"$results"
    timeout --signal=TERM --kill-after=10 "$limit" "$@" >>"$results" 2>&1
    local status=$?
    printf '```\nexit %s after %s s (limit %s s)\n' "$status" "$((SECONDS - started))" "$limit" >>"$results"
    echo "[gpu_check] $title: exit $status after $((SECONDS - started)) s" >&2
    [ "$status" -eq 0 ] || failed=$((failed + 1))
}

{
    echo "# GPU check, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/GPU: /'
    python -c "import torch, triton; print(f'torch {torch.__version__}, triton {triton.__version__}, CUDA {torch.version.cuda}')" 2>&1
    echo "CPU cores: $(nproc)"
} >"$results"

export PYTHONUNBUFFERED=1
export TRITON_INTERPRET=0  # the kernel tests default to the interpreter (for CPUs); here the real compiler
step "CUDA tests" 120 python -m pytest -q -p no:cacheprovider tests/nets/test_triton_kernel.py \
    tests/nets/test_fast_paths.py tests/nets/test_kernel_guard.py tests/rendering/test_host_copy.py \
    tests/colour/test_yuv.py tests/scale/test_parallel_encoders.py
step "Fused kernel self-check on this GPU" 60 python bench/kernel_check.py
step "Exactness: CPU vs CUDA codes per preset" 90 python bench/device_diff.py --device cuda --frames 2
step "Render to uint8: float32 torch path" 40 python bench/run.py --device cuda \
    --workloads mlp8x32-1080p,mlp8x32-360p --stages net,render --frames 64 --baseline-frames 8 --repeats 2 \
    --precision fp32
step "Render to uint8: fp16 kernel (fast)" 40 python bench/run.py --device cuda \
    --workloads mlp8x32-1080p,mlp8x32-360p --stages net,render --frames 64 --baseline-frames 8 --repeats 2 \
    --precision fast
step "1080p MP4, parallel encoders, float32 (file default)" 60 python bench/run.py --device cuda \
    --workloads mlp8x32-1080p --stages mp4 --frames 240 --baseline-frames 4 --repeats 2 \
    --x264-preset veryfast --device-yuv auto --encoders auto
step "1080p MP4, parallel encoders, fast" 60 python bench/run.py --device cuda \
    --workloads mlp8x32-1080p --stages mp4 --frames 240 --baseline-frames 4 --repeats 2 \
    --x264-preset veryfast --device-yuv auto --encoders auto --precision fast
step "Encoders alone (the ceiling)" 40 python bench/encoder_ceiling.py --size 1920x1080 --frames 240 \
    --encoders auto --x264-preset veryfast --repeats 2

echo "failed steps: $failed" >>"$results"
echo "[gpu_check] results in $results; failed steps: $failed" >&2
exit "$failed"
