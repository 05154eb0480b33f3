"""What `--fast` (net.precision: fast) costs in picture, on every bundled preset, on this device.

Each preset renders a few frames twice, at its own aspect shrunk to --width, with `fp32` and
with `fast` (each with its own colour calibration, as a render would); the table gives PSNR of
the fast frames against the fp32 ones, the share of 8-bit codes identical and within one code,
and the worst code difference. `--save DIR` also writes a smooth, slowly varying gradient (a
shallow low-gain net) rendered both ways, side by side with their difference x32, to look for
banding: reduced precision shows first as steps in flat gradients.

    python bench/fast_cost.py                     # every bundled preset, 320 px wide, 3 frames
    python bench/fast_cost.py --save /tmp/fast    # and the gradient picture
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cppn_motion.config.presets import bundled_names, load_preset  # noqa: E402
from cppn_motion.rendering.scene import build_scene  # noqa: E402

# A smooth, slowly varying picture: shallow, low gain, no latent drift between the two renders.
GRADIENT = {"net.depth": 2, "net.init.gain": 0.6, "colour.contrast": 1.0}


def frames(name: str, overrides: dict, precision: str, indices: list[int], device: str) -> np.ndarray:
    preset = load_preset(name, {**overrides, "net.precision": precision})
    scene = build_scene(preset, device)
    scene.dither = False  # the same noise would be added to both; compare the values themselves
    return scene.render_indices(indices).cpu().numpy()


def compare(reference: np.ndarray, other: np.ndarray) -> dict[str, float]:
    diff = np.abs(reference.astype(np.int16) - other.astype(np.int16))
    mse = float(np.mean(diff.astype(np.float64) ** 2))
    return {"psnr": math.inf if mse == 0 else 10 * math.log10(255**2 / mse),
            "identical": 100 * float(np.mean(diff == 0)), "within1": 100 * float(np.mean(diff <= 1)),
            "worst": int(diff.max())}


def sized(name: str, width: int) -> dict:
    canvas = load_preset(name).canvas
    height = max(2, round(width * canvas.height / canvas.width / 2) * 2)
    return {"canvas.width": width, "canvas.height": height}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--frames", type=int, default=3, help="frames per preset, spread over the clip")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--presets", help="comma-separated (default: every bundled preset)")
    parser.add_argument("--save", type=Path, help="folder for the gradient picture")
    args = parser.parse_args()
    names = args.presets.split(",") if args.presets else bundled_names()
    print(f"fast vs fp32 on {args.device}, {args.width} px wide, {args.frames} frames per preset; 8-bit codes\n")
    print("| preset | net | PSNR dB | identical % | within 1 % | worst |")
    print("|---|---|---|---|---|---|")
    for name in names:
        preset = load_preset(name)
        count = preset.timeline.frames
        indices = sorted({round(i * count / args.frames) % count for i in range(args.frames)})
        overrides = sized(name, args.width)
        result = compare(frames(name, overrides, "fp32", indices, args.device),
                         frames(name, overrides, "fast", indices, args.device))
        psnr = "identical" if math.isinf(result["psnr"]) else f"{result['psnr']:.1f}"
        print(f"| {name} | {preset.net.arch} {preset.net.activation} | {psnr} | {result['identical']:.2f} | "
              f"{result['within1']:.2f} | {result['worst']} |", flush=True)
    if args.save:
        save_gradient(args.save, args.width, args.device)
    return 0


def save_gradient(folder: Path, width: int, device: str) -> None:
    import imageio.v2 as imageio

    folder.mkdir(parents=True, exist_ok=True)
    overrides = {**sized("default", width), **GRADIENT}
    exact = frames("default", overrides, "fp32", [0], device)[0]
    fast = frames("default", overrides, "fast", [0], device)[0]
    diff = np.clip(np.abs(exact.astype(np.int16) - fast.astype(np.int16)) * 32, 0, 255).astype(np.uint8)
    imageio.imwrite(folder / "gradient_fp32_fast_diff32.png", np.concatenate([exact, fast, diff], axis=1))
    result = compare(exact, fast)
    print(f"\nsmooth gradient ({', '.join(f'{k}={v}' for k, v in GRADIENT.items())}): PSNR {result['psnr']:.1f} dB, "
          f"worst {result['worst']}; picture: {folder / 'gradient_fp32_fast_diff32.png'}")


if __name__ == "__main__":
    raise SystemExit(main())
