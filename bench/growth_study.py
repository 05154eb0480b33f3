"""Does depth (or width) growth read as one picture growing? For each method, over presets x
seeds: Spearman rho of complexity (mean gradient, high-frequency energy) against the stage,
blurred-luminance correlation and hue-histogram distance of consecutive stages. Prints a
markdown table of means (and the worst luminance correlation).

    python bench/growth_study.py [--presets grow_layers,default,ink] [--seeds 1-8] [--size 192x108]
        [--mode depth] [--variants 0,4] [--set net.arch=residual ...] [--save DIR]
        # --save writes each growth's stages as one PNG strip

The last column compares the last stage with the real net's own render (the frame `render`
makes): blurred-luminance correlation. 1.00 for 'independent'; readout growth's last stage is a
different net (its head reads every layer), so a low figure there is expected, not a fault.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch
from PIL import Image

import cppn_motion as cm
from cppn_motion.colour.mapping import quantize
from cppn_motion.config.presets import parse_set
from cppn_motion.rendering.scene import build_scene
from cppn_motion.study.growth import calibration_for, growth_stages, stage_rgb
from cppn_motion.study.growth_measures import growth_summary, luminance_correlation

VARIANTS = {  # label: (method, calibration)
    "independent, own calibration (old default)": ("independent", "stage"),
    "independent, full net's calibration": ("independent", "full"),
    "residual, own calibration": ("residual", "stage"),
    "residual, shared calibration": ("residual", "shared"),
    "readout, own calibration": ("readout", "stage"),
    "readout, shared calibration": ("readout", "shared"),
}


def stage_frames(preset, mode: str, method: str, calibration: str) -> tuple[list[np.ndarray], np.ndarray]:
    """The stages' frames at phase 0, and the real net's own frame there."""
    scene = build_scene(preset, "cpu")
    calib = calibration_for(scene, method, calibration)
    frames = [quantize(stage_rgb(scene, stage, 0.0, calib)).numpy() for stage in growth_stages(scene, mode, method)]
    real = quantize(scene.render_rgb(torch.tensor([0.0], dtype=torch.float64))[0]).numpy()
    return frames, real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presets", default="grow_layers,default,ink")
    parser.add_argument("--seeds", default="1-8")
    parser.add_argument("--size", default="192x108")
    parser.add_argument("--mode", default="depth", choices=("depth", "width"))
    parser.add_argument("--variants", default=None, help="comma-separated indices into VARIANTS (default all)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="preset override for every preset (repeatable), e.g. net.arch=residual")
    parser.add_argument("--save", default=None, help="folder for PNG strips of the stages")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    low, _, high = args.seeds.partition("-")
    seeds = range(int(low), int(high or low) + 1)
    variants = list(VARIANTS.items())
    if args.variants:
        variants = [variants[int(i)] for i in args.variants.split(",")]
    overrides = dict(parse_set(item) for item in args.set)
    print(f"{args.mode} growth at {width}x{height}, phase 0, presets {args.presets}, seeds {args.seeds}"
          f"{', ' + ' '.join(args.set) if args.set else ''}; means over presets x seeds\n")
    print("| method | rho gradient | rho high-freq | luma corr (mean) | luma corr (worst) | hue distance "
          "| last stage vs real net |")
    print("|---|---|---|---|---|---|---|")
    for label, (method, calibration) in variants:
        rows, last_vs_real = [], []
        for name in args.presets.split(","):
            for seed in seeds:
                preset = cm.load_preset(name, {**overrides, "canvas.width": width, "canvas.height": height,
                                               "seed": seed})
                frames, real = stage_frames(preset, args.mode, method, calibration)
                rows.append(growth_summary(frames))
                last_vs_real.append(luminance_correlation(frames[-1], real))
                if args.save:
                    folder = Path(args.save)
                    folder.mkdir(parents=True, exist_ok=True)
                    strip = np.concatenate(frames, axis=1)
                    Image.fromarray(strip).save(folder / f"{name}_s{seed}_{method}_{calibration}_{args.mode}.png")
        mean = {key: np.mean([r[key] for r in rows]) for key in rows[0]}
        worst = min(r["luma_corr_min"] for r in rows)
        print(f"| {label} | {mean['rho_gradient']:.2f} | {mean['rho_high_freq']:.2f} | {mean['luma_corr']:.2f} | "
              f"{worst:.2f} | {mean['hue_dist']:.2f} | {np.mean(last_vs_real):.2f} |", flush=True)


if __name__ == "__main__":
    main()
