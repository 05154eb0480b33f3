"""Run by tests/scale/test_distributed.py under torchrun (2 ranks, gloo): a render through the real
CLI entry point, then the helpers sweeps use. Rank 0 writes what it saw to argv[2] as JSON."""
from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/, for tiny.py

from tiny import tiny_preset  # noqa: E402

from cppn_motion.cli.main import main  # noqa: E402
from cppn_motion.colour.mapping import Calibration  # noqa: E402
from cppn_motion.rendering.scene import build_scene  # noqa: E402
from cppn_motion.scale.torchrun import (  # noqa: E402
    broadcast_clip_state,
    detect,
    gather_to_rank0,
    process_group,
    shard_items,
)

env = detect()
assert env is not None and env.world_size == 2
# One process group for the whole script (the CLI joins the one already open): tearing a
# gloo group down and setting up another on torchrun's store in one process is racy.
with process_group(env):
    status = main(["render", "-o", sys.argv[1], "--size", "32x18", "--set", "timeline.frames=6", "--set",
                   "net.depth=2", "--set", "net.width=8", "--device", "cpu", "--segments", "4", "--quiet"])
    mine = shard_items(list("abcde"))
    gathered = gather_to_rank0([f"{item}{env.rank}" for item in mine])
    scene = build_scene(tiny_preset(net={"depth": 2, "width": 8}), "cpu")
    if env.rank == 1:  # as if this rank's device had measured different colour statistics
        scene.calibration = Calibration(scene.calibration.mean + 1, scene.calibration.std * 2)
    broadcast_clip_state(scene)
    calibrations = gather_to_rank0([scene.calibration.mean.tolist()])
    if env.rank == 0:
        with open(sys.argv[2], "w") as handle:
            json.dump({"status": status, "gathered": gathered, "calibrations": calibrations}, handle)
