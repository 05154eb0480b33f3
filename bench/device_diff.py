"""How much may frames differ between a CPU and a GPU? (Issue "Reliability", item 6.)

Same preset, seed and version, different device: the arithmetic differs in three ways, and each
is measured here on every bundled preset, in 8-bit codes after the colour stage:

  order   float32 sums in another order and transcendentals from another library. On a CPU this
          is what our own exact rewrites do (oneDNN fused layers, sigmoid-folded tanh, chunked
          layers) against plain whole-frame torch layers, the same kind of difference cuBLAS /
          cuDNN kernels make.
  fp16    the fused GPU kernel's hidden matmuls (fp16 inputs, fp32 sums), emulated on the CPU by
          rounding each hidden layer's input and weights to fp16 (the products are exact in fp32).
  tf32    cuDNN convolutions in TF32 (10-bit mantissa inputs), PyTorch's default for convs on
          Ampere and later, emulated by rounding conv inputs and weights to 10 mantissa bits.

With `--device cuda` it also renders each preset on the GPU (torch path, and the fused kernel
where it covers the net) and compares with the CPU: the real measurement.

    python bench/device_diff.py                    # CPU emulation, every bundled preset
    python bench/device_diff.py --device cuda      # plus real CPU-vs-GPU rows
"""
from __future__ import annotations

import argparse
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cppn_motion.colour.mapping import quantize, to_rgb  # noqa: E402
from cppn_motion.config.presets import bundled_names, load_preset  # noqa: E402
from cppn_motion.nets import conv_cpu  # noqa: E402
from cppn_motion.nets.kernels.triton_mlp import ACTIVATION_CODES  # noqa: E402
from cppn_motion.rendering.scene import Scene, build_scene  # noqa: E402

Rounding = Callable[[torch.Tensor], torch.Tensor]


def to_fp16(t: torch.Tensor) -> torch.Tensor:
    return t.half().float()


def to_tf32(t: torch.Tensor) -> torch.Tensor:
    """Round float32 to TF32's 10 mantissa bits (nearest, ties away), kept as float32."""
    bits = t.float().contiguous().view(torch.int32)
    return ((bits + 0x1000) & ~0x1FFF).view(torch.float32)


def plain_mlp_raw(scene: Scene, phase: torch.Tensor, hidden_rounding: Rounding | None = None) -> torch.Tensor:
    """Raw outputs from plain whole-frame layers, one frame at a time: the reference arithmetic.
    `hidden_rounding` rounds the input and weights of layers 2..depth (the kernel's fp16 dots)."""
    inputs = scene.timeline.inputs_at(phase)
    coords = scene.coords_at(phase, scene.coords, scene.grid)
    net, frames = scene.net, []
    for b in range(phase.shape[0]):
        own = coords if coords.dim() == 2 else coords[b]
        weights = [w[b if w.shape[0] > 1 else 0] for w in inputs.weights]
        h = torch.cat([own, inputs.frame_features[b].expand(own.shape[0], -1)], dim=1)
        layers = len(weights) // 2
        for layer in range(layers):
            w, bias = weights[2 * layer], weights[2 * layer + 1]
            if hidden_rounding is not None and 0 < layer < layers - 1:
                h, w = hidden_rounding(h), hidden_rounding(w)
            h = h @ w + bias
            if layer < net.spec.depth:
                h = net.activations[layer](h)
        frames.append(h)
    return torch.stack(frames)


def kernel_would_cover(scene: Scene, phase: torch.Tensor) -> bool:
    """The fused kernel's own rule (kernels/triton_mlp.covers): one activation it knows, weights
    shared by every frame, one coordinate field for every frame (no camera motion)."""
    inputs = scene.timeline.inputs_at(phase)
    return (scene.preset.net.activation in ACTIVATION_CODES and all(w.shape[0] == 1 for w in inputs.weights)
            and scene.coords_at(phase, scene.coords, scene.grid).dim() == 2)


@contextmanager
def rounded_convs(rounding: Rounding) -> Iterator[None]:
    """Every F.conv2d sees rounded input and weights (cuDNN's TF32 mode)."""
    functional = torch.nn.functional
    real = functional.conv2d

    def conv2d(x, weight, *args, **kwargs):
        return real(rounding(x), rounding(weight), *args, **kwargs)

    functional.conv2d = conv2d
    try:
        yield
    finally:
        functional.conv2d = real


@contextmanager
def plain_convs() -> Iterator[None]:
    """Every conv layer through F.conv2d (not oneDNN's fused conv + activation), so the
    emulations below see every convolution."""
    real = conv_cpu.onednn_conv_available
    conv_cpu.onednn_conv_available = lambda: False
    try:
        yield
    finally:
        conv_cpu.onednn_conv_available = real


def codes(scene: Scene, raw: torch.Tensor) -> np.ndarray:
    """Raw outputs -> 8-bit codes through the preset's colour stage (same for every variant)."""
    return quantize(to_rgb(raw, scene.preset.colour, scene.calibration)).numpy().astype(np.int16)


def difference(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    d = np.abs(a.astype(np.int16) - b.astype(np.int16))
    return {"exact": 100 * (d == 0).mean(), "within1": 100 * (d <= 1).mean(), "mean": d.mean(), "max": int(d.max())}


def emulated_rows(name: str, size: tuple[int, int], frames: int) -> list[tuple[str, str, dict]]:
    preset = load_preset(name, {"canvas.width": size[0], "canvas.height": size[1], "canvas.supersample": 1})
    scene = build_scene(preset, "cpu")
    phase = scene.timeline.phases(np.linspace(0, preset.timeline.frames - 1, frames).round().astype(int).tolist())
    with torch.no_grad():
        ours = codes(scene, scene.raw_at(phase))
        if preset.net.arch == "mlp":
            plain = codes(scene, plain_mlp_raw(scene, phase))
            rows = [("order", "ours vs plain torch layers", difference(ours, plain))]
            if kernel_would_cover(scene, phase):
                fp16 = codes(scene, plain_mlp_raw(scene, phase, to_fp16))
                rows.append(("fp16", "fused-kernel dots vs plain fp32", difference(fp16, plain)))
            return rows
        with plain_convs(), torch.backends.mkldnn.flags(enabled=False):
            native = codes(scene, scene.raw_at(phase))
        with plain_convs(), rounded_convs(to_tf32):
            tf32 = codes(scene, scene.raw_at(phase))
    return [("order", "ours (oneDNN fused) vs native convs", difference(ours, native)),
            ("tf32", "TF32 convs vs fp32", difference(tf32, ours))]


def device_rows(name: str, size: tuple[int, int], frames: int) -> list[tuple[str, str, dict]]:
    """Real CPU-vs-CUDA rows: whole renders (colour included) on each device."""
    values = {"canvas.width": size[0], "canvas.height": size[1]}
    cpu, cuda = build_scene(load_preset(name, values), "cpu"), build_scene(load_preset(name, values), "cuda")
    indices = np.linspace(0, cpu.preset.timeline.frames - 1, frames).round().astype(int).tolist()
    reference = cpu.render_phases(cpu.timeline.phases(indices)).numpy()
    rows = []
    if hasattr(cuda.net, "use_kernel"):
        cuda.net.use_kernel = False
    torch_path = cuda.render_phases(cuda.timeline.phases(indices)).cpu().numpy()
    rows.append(("gpu", "CUDA float32 torch path (the file-render default) vs CPU", difference(torch_path, reference)))
    if hasattr(cuda.net, "use_kernel"):
        cuda.net.use_kernel = True
        kernel = cuda.render_phases(cuda.timeline.phases(indices)).cpu().numpy()
        rows.append(("gpu", "CUDA fast / in-memory (fused kernel where it covers) vs CPU",
                     difference(kernel, reference)))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--presets", default=",".join(bundled_names()), help="comma-separated preset names")
    parser.add_argument("--size", default="240x136", help="WIDTHxHEIGHT (default 240x136)")
    parser.add_argument("--frames", type=int, default=3)
    args = parser.parse_args(argv)
    size = tuple(int(v) for v in args.size.split("x"))
    print(f"torch {torch.__version__}; {args.size}, {args.frames} frames per preset; 8-bit codes per channel\n")
    print("| preset | net | kind | comparison | exact % | within 1 % | mean | max |")
    print("|---|---|---|---|---|---|---|---|")
    for name in args.presets.split(","):
        net = load_preset(name).net
        rows = emulated_rows(name, size, args.frames)
        if args.device == "cuda":
            rows += device_rows(name, size, args.frames)
        for kind, what, d in rows:
            print(f"| {name} | {net.arch} {net.activation} | {kind} | {what} | {d['exact']:.2f} | "
                  f"{d['within1']:.2f} | {d['mean']:.3f} | {d['max']} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
