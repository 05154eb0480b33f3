"""Choosing the compute device and how many frames to render per batch."""
from __future__ import annotations

import os

import torch

from cppn_motion.errors import UserError

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def resolve_device(name: str | torch.device | None = "auto") -> torch.device:
    """'auto' picks CUDA, then Apple MPS, then CPU. Asking for one that is absent is a UserError."""
    if isinstance(name, torch.device):
        return name
    name = name or "auto"
    kind, _, index = name.partition(":")
    if kind not in DEVICE_CHOICES or (_ and not (kind in ("cuda", "mps") and index.isdigit())):
        raise UserError(f"--device: expected one of {', '.join(DEVICE_CHOICES)} (cuda:N for a GPU); got {name!r}")
    if kind == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if kind == "cuda" and not torch.cuda.is_available():
        raise UserError(f"--device {name}: CUDA is not available on this machine; use --device cpu or auto")
    if kind == "cuda" and index and int(index) >= torch.cuda.device_count():
        raise UserError(f"--device {name}: this machine has {torch.cuda.device_count()} CUDA device(s), "
                        f"numbered from 0; got index {index}")
    if kind == "mps" and not _mps_available():
        raise UserError(f"--device {name}: Apple MPS is not available on this machine; use --device cpu or auto")
    return torch.device(name)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def available_memory(device: torch.device) -> int:
    """Bytes free for new tensors on the device (a conservative estimate on CPU)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2 * 1024**3


def frames_per_batch(device: torch.device, width: int, height: int, channels: int, requested: int | None = None,
                     limit: int = 32, per_frame_bytes: int = 0) -> int:
    """How many frames to render at once.

    Each frame in a batch holds raw outputs, RGB floats and uint8 (about 28 bytes a
    pixel for 3 channels); the hidden activations are chunked and do not grow with
    the frame size. Use at most a quarter of free memory, and cap the batch: beyond
    ~8 frames on CPU (32 on GPU) there is nothing left to gain and latency grows.
    `per_frame_bytes`: what else each frame of a batch holds (its own weights, when they move).
    """
    if requested:
        return max(1, int(requested))
    per_frame = width * height * (channels * 4 + 3 * 4 * 2 + 3) + per_frame_bytes
    budget = available_memory(device) // 4
    cap = limit if device.type != "cpu" else 8
    return int(max(1, min(cap, budget // max(per_frame, 1))))
