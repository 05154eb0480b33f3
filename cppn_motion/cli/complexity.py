"""`cppn-motion complexity`: measure a preset's stills over configurations x seeds; write a
CSV, a contact sheet of the first seed and (with matplotlib) a plot; print a summary table."""
from __future__ import annotations

import argparse
import csv
import io
import math
import sys
import time as clock
from pathlib import Path
from typing import Any, Callable

EXAMPLE = """examples:
  cppn-motion complexity seed_10x10_relu --vary net.depth=1,2,4,10 --seeds 8 -o study/
  cppn-motion complexity seed_10x10_relu --vary net.depth=1,10 --vary net.activation=relu,sigmoid -o study/"""


def register(add_command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    from cppn_motion.cli.args import add_preset_options, positive_int

    parser = add_command("complexity", "Measure image complexity over variations of a preset and several seeds.")
    parser.epilog = EXAMPLE
    add_preset_options(parser, output_help="output folder for complexity.csv, sheet.png and complexity.png; "
                                           "default outputs/<preset name>_complexity/")
    parser.add_argument("--vary", action="append", default=[], metavar="KEY=V1,V2,...",
                        help="a preset key and the values to try (repeatable; combinations are crossed)")
    parser.add_argument("--seeds", type=positive_int, default=8, metavar="N",
                        help="seeds per configuration: the preset's seed, seed+1, ... (default 8)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from cppn_motion.atomic import atomic_output
    from cppn_motion.cli.args import ProgressBar, load_from_args
    from cppn_motion.errors import UserError
    from cppn_motion.rendering.device import resolve_device
    from cppn_motion.study.contact_sheet import compose
    from cppn_motion.study.sweep import run_study, summarise
    from cppn_motion.study.variations import expand, grid_shape, parse_vary

    variations = [parse_vary(text) for text in args.vary]
    base = load_from_args(args)
    cells = expand(variations)
    presets = [(cell.label or base.name, base.with_overrides(cell.overrides)) for cell in cells]
    folder = Path(args.output) if args.output else Path("outputs") / f"{base.name}_complexity"
    if folder.suffix:
        raise UserError(f"-o: complexity writes a folder of files; give a folder name, not {str(folder)!r}")
    seeds = [base.seed + i for i in range(args.seeds)]
    device = resolve_device(args.device)
    firsts: dict[str, Any] = {}

    def keep_first(label: str, seed: int, frame: Any) -> None:
        if seed == seeds[0]:
            firsts[label] = frame

    started = clock.perf_counter()
    with ProgressBar(len(presets) * len(seeds), args.quiet, f"{base.name} study") as bar:
        rows = run_study(presets, seeds, device, bar.update, keep_first)
    summary = summarise(rows)
    folder.mkdir(parents=True, exist_ok=True)
    _write_csv(folder / "complexity.csv", rows, atomic_output)
    rows_n, cols_n = grid_shape(variations)
    sheet = compose([firsts[label] for label, _ in presets], [label for label, _ in presets], rows_n, cols_n)
    _write_png(folder / "sheet.png", sheet, atomic_output)
    plotted = _plot(folder / "complexity.png", summary, atomic_output)
    print(_table(summary))
    if not args.quiet:
        extra = ", complexity.png" if plotted else " (no plot: pip install 'cppn_motion[plot]')"
        print(f"wrote {folder}/: complexity.csv ({len(rows)} rows), sheet.png{extra} "
              f"in {clock.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _write_csv(path: Path, rows: list[dict[str, Any]], atomic_output) -> None:
    with atomic_output(path) as temp, open(temp, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _write_png(path: Path, image, atomic_output) -> None:
    from PIL import Image

    with atomic_output(path) as temp:
        Image.fromarray(image).save(temp, format="PNG", optimize=True)


def _fmt(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "-"
    spread = "" if math.isnan(std) else f" ± {std:.3g}"
    return f"{mean:.3g}{spread}"


def _table(summary: list[dict[str, Any]]) -> str:
    """Markdown table: configuration, seeds, parameters, mean ± standard deviation per metric."""
    from cppn_motion.study.sweep import METRICS

    header = ["config", "seeds", "params"] + list(METRICS)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in summary:
        cells = [row["config"], str(row["seeds"]), str(row["params"])]
        cells += [_fmt(row[f"{m}_mean"], row[f"{m}_std"]) for m in METRICS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _plot(path: Path, summary: list[dict[str, Any]], atomic_output) -> bool:
    """Bar chart of each metric's mean (error bars: one standard deviation), if matplotlib is installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    from cppn_motion.study.sweep import METRICS

    metrics = [m for m in METRICS if any(not math.isnan(r[f"{m}_mean"]) for r in summary)]
    figure, axes = plt.subplots(1, len(metrics), figsize=(3.2 * len(metrics), 3.2), squeeze=False)
    labels = [row["config"] for row in summary]
    for axis, metric in zip(axes[0], metrics):
        means = [row[f"{metric}_mean"] for row in summary]
        stds = [0.0 if math.isnan(row[f"{metric}_std"]) else row[f"{metric}_std"] for row in summary]
        axis.bar(range(len(labels)), means, yerr=stds, capsize=3, color="#5a6fb0")
        axis.set_xticks(range(len(labels)), labels, rotation=60, ha="right", fontsize=7)
        axis.set_title(metric, fontsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    with atomic_output(path) as temp:
        temp.write_bytes(buffer.getvalue())
    return True
