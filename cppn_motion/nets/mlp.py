"""The per-pixel MLP (a CPPN; the seed's stack of 1x1 convolutions)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Callable, Iterator, Sequence

import torch
from torch import Tensor

from cppn_motion.errors import ConfigError
from cppn_motion.nets import cpu_layers
from cppn_motion.nets.activations import make_activation
from cppn_motion.nets.base import FieldNet, NetSpec
from cppn_motion.nets.cpu_layers import batched_linear
from cppn_motion.nets.inits import INITS
from cppn_motion.nets.kernel_guard import (
    CHECK_LAYERS,
    CHECK_PIXELS,
    GUARD,
    folded_colour,
    raw_mismatch,
    uint8_mismatch,
)
from cppn_motion.nets.readout_growth import Readout, measure_readout_gains, readout_steps
from cppn_motion.seeding import generator_for

# Rows (frames x pixels) pushed through all layers at once. ~8k rows x 32 channels x 4 B
# is ~1 MB per activation, which stays in cache; whole-frame layers are memory bound and
# ~4x slower on CPU (FIELD_NOTES section 3).
ROWS_PER_CHUNK = 8192

# Hidden-layer precisions. "fp32": float32 on every device. "bf16": bf16 hidden layers on
# a CPU, using the AVX512-BF16 dot products where the CPU has them (~1.6x on this project's
# CPU); the first layer, the output layer and everything after it stay fp32 (FIELD_NOTES 6:
# bf16's step in [0.5, 1) is a whole 8-bit code). "fast": the fastest arithmetic the device
# has (bf16 hidden layers on a CPU, the fused kernel's fp16 dots with fp32 sums on CUDA).
# "auto": float32 for renders to files (on a GPU they are bound by the video encoder, so fp16
# buys no speed there and costs up to a few codes) and "fast" for in-memory rendering on CUDA.
PRECISIONS = ("auto", "fp32", "bf16", "fast")

# Below this many rows a frame batch is evaluated by one thread: a pool's hand-off
# costs more than it saves on a thumbnail.
MIN_ROWS_FOR_WORKERS = 65_536


def cpu_supports_bf16() -> bool:
    """True where torch's CPU kernels have native bf16 dot products (AVX512-BF16 or AMX)."""
    try:
        with open("/proc/cpuinfo") as info:
            flags = info.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def hidden_dtype(precision: str, device: torch.device) -> torch.dtype:
    """The dtype of hidden layers 2..depth for a precision name on a device."""
    if precision not in PRECISIONS:
        raise ConfigError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision in ("bf16", "fast") and device.type == "cpu":
        return torch.bfloat16
    return torch.float32


def on_kernel_device(tensor: Tensor) -> bool:
    """The fused kernel runs on CUDA only (its tests drive Triton's CPU interpreter directly)."""
    return tensor.device.type == "cuda"


def kernel_wanted(precision: str, in_memory: bool) -> bool:
    """Whether a precision name asks for the fused CUDA kernel (where it covers the net)."""
    return precision in ("bf16", "fast") or (precision == "auto" and in_memory)


def cpu_workers() -> int:
    """Chunk workers on a CPU: one per core torch may use."""
    try:
        cores = len(os.sched_getaffinity(0))  # our share of the host, not os.cpu_count()'s total
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(torch.get_num_threads(), cores))


_POOLS: dict[int, ThreadPoolExecutor] = {}


def _pool(workers: int) -> ThreadPoolExecutor:
    if workers not in _POOLS:
        _POOLS[workers] = ThreadPoolExecutor(workers, thread_name_prefix="cppn-mlp")
    return _POOLS[workers]


@contextmanager
def _single_threaded_ops() -> Iterator[None]:
    """Each chunk worker runs its ops on one thread. A 32-wide matmul on a few thousand
    rows is microseconds of work; splitting every such op across cores costs a barrier
    per op, which on a busy machine measured up to 50x slower than one thread
    (bench/RESULTS.md). Parallelism comes from the chunk workers instead."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class MLP(FieldNet):
    """x, y, r, ... and per-frame inputs -> `depth` hidden layers of `width` -> raw outputs."""

    # Each pixel's output depends only on its own coordinates: the renderer may tile frames.
    pixelwise = True

    def __init__(self, spec: NetSpec) -> None:
        super().__init__()
        self.spec = spec
        structure = generator_for(spec.seed, "activations")
        self.activations = torch.nn.ModuleList(
            make_activation(spec.activation, spec.width, structure, spec.mixed) for _ in range(spec.depth)
        )
        self.base_weights = self.sample_weights(generator_for(spec.seed, "weights", 0))
        # How hidden layers are computed (PRECISIONS, the preset's net.precision).
        self.precision = spec.config.precision if spec.config is not None else "auto"
        # Whether the fused CUDA kernel may run (where it covers the net and passes its
        # self-check); build_scene sets it for in-memory renders. False: always the torch path.
        self.use_kernel = kernel_wanted(self.precision, in_memory=False)

    def layer_shapes(self) -> list[tuple[int, int]]:
        spec = self.spec
        inputs = spec.coord_features + spec.frame_features
        sizes = [inputs] + [spec.width] * spec.depth + [spec.out_channels]
        return list(zip(sizes[:-1], sizes[1:]))

    def sample_weights(self, generator: torch.Generator) -> list[Tensor]:
        spec = self.spec
        scheme = INITS.get(spec.init_scheme)
        weights: list[Tensor] = []
        for fan_in, fan_out in self.layer_shapes():
            weights.append(scheme((fan_in, fan_out), fan_in, fan_out, spec.init_gain, spec.init_std, generator))
            weights.append(torch.randn(fan_out, generator=generator) * spec.bias_std)
        return weights

    def forward(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                shape: tuple[int, int], depth: int | None = None,
                layer_gains: Sequence[float] | None = None, readout: Readout | None = None) -> Tensor:
        """See FieldNet.forward. `depth` keeps only the first `depth` hidden layers before the head;
        `layer_gains` (one per hidden layer after the first) makes each a residual layer
        h + gain * f(h) (residual depth growth: gain 0 passes h through unchanged); `readout`
        makes them residual layers whose head reads a weighted sum (readout_growth.py)."""
        layers = self._layers(depth)
        gains = _check_gains(layer_gains, self.spec.depth)
        if readout is not None:
            readout.check(self.spec.depth)
            gains = readout
        # The first layer splits into a per-pixel part and a per-frame part; the
        # per-frame part (time, latent) is just a bias, computed once per frame.
        frame_bias = self._frame_bias(frame_inputs, weights)
        if gains is None and self._kernel_ready(coords, frame_bias, weights, None):
            from cppn_motion.nets.kernels import triton_mlp

            return GUARD.run(
                lambda: triton_mlp.fused_mlp(coords, frame_bias, weights, layers, self.spec.activation),
                lambda: self._torch_forward(coords, frame_bias, weights, layers))
        return self._torch_forward(coords, frame_bias, weights, layers, gains)

    def forward_chunks(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                       consume: Callable[[int, Tensor], None], depth: int | None = None) -> None:
        """The torch path of `forward`, handing each chunk's raw outputs (B, n, C) for pixels
        [start, start + n) to `consume(start, raw)` instead of collecting them. On a CPU `consume`
        runs in the chunk workers, while the chunk is still in cache, so the renderer's colour
        stage and quantisation run there too (rendering/scene.py); it must only write its own rows."""
        self._torch_chunks(coords, self._frame_bias(frame_inputs, weights), weights, self._layers(depth), consume)

    def _torch_forward(self, coords: Tensor, frame_bias: Tensor, weights: list[Tensor], layers: int,
                       gains: list[float] | Readout | None = None) -> Tensor:
        """The reference path: chunks of rows through torch ops (any device, any activation);
        with `gains`, the hidden layers after the first are residual (growth)."""
        out = torch.empty(frame_bias.shape[0], coords.shape[-2], self.spec.out_channels, device=frame_bias.device,
                          dtype=torch.float32)

        def store(start: int, raw: Tensor) -> None:
            out[:, start:start + raw.shape[1]] = raw

        self._torch_chunks(coords, frame_bias, weights, layers, store, gains)
        return out

    def _torch_chunks(self, coords: Tensor, frame_bias: Tensor, weights: list[Tensor], layers: int,
                      consume: Callable[[int, Tensor], None], gains: list[float] | Readout | None = None) -> None:
        batch = frame_bias.shape[0]
        pixels = coords.shape[-2]
        coord_w = weights[0][:, :self.spec.coord_features]
        dtype = hidden_dtype(self.precision, frame_bias.device)
        hidden = list(zip(weights[2:2 * layers:2], weights[3:2 * layers:2]))
        first_activation = partial(_activate, self.activations[0])
        head_w, head_b = weights[-2], weights[-1]
        fast = None
        if isinstance(gains, Readout):  # readout growth: the state and the head's input side by side
            steps = readout_steps(gains, self.activations[1:], [(w.to(dtype), b.to(dtype)) for w, b in hidden])
        elif gains is not None:  # residual growth: the plain torch layers, each added to its input
            steps = [partial(_residual_step, activation, w.to(dtype), b.to(dtype), gain)
                     for activation, (w, b), gain in zip(self.activations[1:], hidden, gains)]
        elif coords.device.type == "cpu":
            fast = cpu_layers.plan(self.spec.activation, first_activation, coord_w, frame_bias,
                                   hidden, (head_w, head_b), dtype)
        if fast is not None:
            coord_w, frame_bias, first_activation = fast.coord_w, fast.frame_bias, fast.first_activation
            steps, head_w, head_b = fast.steps, fast.head_w, fast.head_b
        elif gains is None:
            steps = [partial(_plain_step, activation, w.to(dtype), b.to(dtype))
                     for activation, (w, b) in zip(self.activations[1:], hidden)]
        step = max(256, ROWS_PER_CHUNK // batch)
        head = cpu_layers.head_step(head_w, head_b) if coords.device.type == "cpu" else partial(
            batched_linear, weight=head_w, bias=head_b)

        def run(start: int) -> None:
            chunk = coords[..., start:start + step, :]
            if chunk.dim() == 2:
                chunk = chunk.unsqueeze(0)
            h = torch.matmul(chunk, coord_w) + frame_bias.unsqueeze(1)
            h = first_activation(h).to(dtype)
            for layer_step in steps:
                h = layer_step(h)
            consume(start, head(h.to(torch.float32)))

        starts = range(0, pixels, step)
        workers = cpu_workers() if frame_bias.device.type == "cpu" else 1
        if workers > 1 and batch * pixels >= MIN_ROWS_FOR_WORKERS and len(starts) > 1:
            with _single_threaded_ops():
                # list() re-raises a worker's exception here.
                list(_pool(workers).map(run, starts))
        else:
            for start in starts:
                run(start)

    def _kernel_covers(self, coords: Tensor, weights: list[Tensor]) -> bool:
        """The fused Triton kernel runs on CUDA for shared weights, 2-D coords and one kernel-known activation,
        when the precision asks for it (an explicit or file-render "fp32" never does: the kernel's fp16 dots
        change ~14% of 8-bit codes by 1-4 against the CPU, bench/device_diff.py)."""
        if not self.use_kernel or not on_kernel_device(coords):
            return False
        from cppn_motion.nets.kernels import triton_mlp

        names = [self.spec.activation] if self.spec.activation != "mixed" else ["mixed"]
        return triton_mlp.covers(names, all(w.shape[0] == 1 for w in weights), coords)

    def _kernel_ready(self, coords: Tensor, frame_bias: Tensor, weights: list[Tensor],
                      colour_map: tuple[Tensor, Tensor, Tensor] | None) -> bool:
        """The kernel covers this call and its variant passed the self-check in this process."""
        if not self._kernel_covers(coords, weights):
            return False
        variant = (self.spec.activation, self.spec.width, self.spec.coord_features, self.spec.out_channels,
                   colour_map is not None, coords.device)
        return GUARD.usable(variant, lambda: self._check_kernel(coords, frame_bias, weights, colour_map))

    def _check_kernel(self, coords: Tensor, frame_bias: Tensor, weights: list[Tensor],
                      colour_map: tuple[Tensor, Tensor, Tensor] | None) -> str | None:
        """Run the kernel on a small tile next to the torch path (kernel_guard's tolerances)."""
        from cppn_motion.nets.kernels import triton_mlp

        tile, bias = coords[:CHECK_PIXELS].contiguous(), frame_bias[:1]
        layers = min(CHECK_LAYERS, self.spec.depth)
        reference = self._torch_forward(tile, bias, weights, layers)
        if colour_map is None:
            return raw_mismatch(triton_mlp.fused_mlp(tile, bias, weights, layers, self.spec.activation), reference)
        kernel = triton_mlp.fused_mlp(tile, bias, weights, layers, self.spec.activation, colour_map)
        return uint8_mismatch(kernel, folded_colour(reference, colour_map))

    @torch.no_grad()
    def fused_uint8(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                    colour_map: tuple[Tensor, Tensor, Tensor] | None, depth: int | None = None) -> Tensor | None:
        """uint8 RGB (B, P, 3) straight from the kernel with the colour stage folded into the head,
        or None when the kernel does not cover this net, device or colour mode (use forward + to_rgb)."""
        if colour_map is None:
            return None
        frame_bias = self._frame_bias(frame_inputs, weights)
        if not self._kernel_ready(coords, frame_bias, weights, colour_map):
            return None
        from cppn_motion.nets.kernels import triton_mlp

        layers = self._layers(depth)
        return GUARD.run(
            lambda: triton_mlp.fused_mlp(coords, frame_bias, weights, layers, self.spec.activation, colour_map),
            lambda: None)

    @torch.no_grad()
    def readout_gains(self, coords: Tensor, frame_inputs: Tensor, weights: list[Tensor],
                      shape: tuple[int, int] | None = None, **options: float) -> tuple[float, ...]:
        """Readout growth's gains for this net, measured on the given (proxy) coords: see
        readout_growth.measure_readout_gains (`options`: share, state_gain). A per-pixel net
        needs no `shape` (the conv nets' readout_gains do)."""
        frame_bias = self._frame_bias(frame_inputs, weights)
        if coords.dim() == 2:
            coords = coords.unsqueeze(0)
        first = self.activations[0](torch.matmul(coords, weights[0][:, :self.spec.coord_features])
                                    + frame_bias.unsqueeze(1))
        hidden = list(zip(weights[2:-2:2], weights[3:-2:2]))
        return measure_readout_gains(first, self.activations[1:], hidden, weights[-2], **options)

    def _layers(self, depth: int | None) -> int:
        """How many hidden layers to run: all, or the first `depth` (depth growth)."""
        layers = self.spec.depth if depth is None else depth
        if not 1 <= layers <= self.spec.depth:
            raise ValueError(f"depth must be 1..{self.spec.depth}; got {depth}")
        return layers

    def _frame_bias(self, frame_inputs: Tensor, weights: list[Tensor]) -> Tensor:
        """The first layer's per-frame part (time, latent): a bias per frame, computed once."""
        batch = frame_inputs.shape[0]
        first_w, first_b = weights[0], weights[1]
        per_frame_w = first_w[:, self.spec.coord_features:].expand(batch, -1, -1)
        return first_b + torch.einsum("bk,bkd->bd", frame_inputs, per_frame_w)


def _plain_step(activation: torch.nn.Module, w: Tensor, b: Tensor, h: Tensor) -> Tensor:
    return _activate(activation, batched_linear(h, w, b))


def _residual_step(activation: torch.nn.Module, w: Tensor, b: Tensor, gain: float, h: Tensor) -> Tensor:
    if gain == 0:  # a layer that has not entered yet: skip its work
        return h
    return h + gain * _activate(activation, batched_linear(h, w, b))


def _check_gains(gains: Sequence[float] | None, depth: int) -> list[float] | None:
    """The residual gains of hidden layers 2..depth, checked: one each, in [0, 1]."""
    if gains is None:
        return None
    gains = [float(g) for g in gains]
    if len(gains) != depth - 1 or not all(0.0 <= g <= 1.0 for g in gains):
        raise ValueError(f"layer_gains must be {depth - 1} values in [0, 1]; got {gains}")
    return gains


def _activate(activation: torch.nn.Module, h: Tensor) -> Tensor:
    """Apply in place when the activation can (saves an allocation and a pass over memory)."""
    inplace = getattr(activation, "forward_", None)
    return inplace(h) if inplace is not None else activation(h)


def _build(spec: NetSpec) -> MLP:
    return MLP(spec)


from cppn_motion.nets.architectures import ARCHITECTURES  # noqa: E402

ARCHITECTURES.register("mlp", "per-pixel MLP (CPPN): resolution independent, fast")(_build)
