"""torch.distributed for rendering under torchrun: detect the launch, join the process group,
share clip-wide state from rank 0, split work over ranks, and render a clip as per-rank segments
that rank 0 checks and joins. Any command can spread a list of jobs with shard_items/gather_to_rank0.
"""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence, TypeVar

import torch
import torch.distributed as dist

from cppn_motion.config.schema import Preset
from cppn_motion.errors import UserError
from cppn_motion.rendering.device import resolve_device
from cppn_motion.rendering.dull import DullnessCheck
from cppn_motion.rendering.output import resolve_output
from cppn_motion.rendering.preflight import prepare_render, report_notes
from cppn_motion.rendering.scene import Scene, build_scene
from cppn_motion.scale.plan import DEFAULT_SEGMENTS, assign_contiguous, fingerprint, work_folder
from cppn_motion.scale.resumable import (
    SegmentedRender,
    check_segmentable,
    checkpoint_jobs,
    render_segments,
)
from cppn_motion.scale.segment_files import (
    SegmentRecord,
    join_segments,
    segment_is_complete,
)

T = TypeVar("T")

# Collectives here wait for the slowest rank to finish rendering its share, which can
# take hours; the default (30 min) would kill a healthy job. A rank that dies is caught
# at once anyway: torchrun stops the job, and gloo sees the closed connection.
COLLECTIVE_TIMEOUT = timedelta(days=7)

# Test hook: the rank named here exits abruptly (os._exit) after its first segment, as a
# crashed or killed worker would. Used by the tests to prove a lost rank fails the job.
DIE_AFTER_FIRST_SEGMENT_ENV = "CPPN_MOTION_TEST_DIE_RANK"

# Scene attributes measured once per clip from its content (colour statistics, frozen
# normalisation stats): rank 0's values are sent to every rank so all render the same
# function even where devices or kernels round differently. A feature that adds such a
# quantity to Scene adds its attribute name here.
CLIP_WIDE_SCENE_FIELDS: list[str] = ["calibration"]


@dataclass(frozen=True)
class DistEnv:
    """Where this process sits in a torchrun job (from RANK, WORLD_SIZE, LOCAL_RANK)."""

    rank: int
    world_size: int
    local_rank: int

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def detect() -> DistEnv | None:
    """The torchrun launch this process is part of, or None when run on its own (or alone)."""
    try:
        world_size = int(os.environ.get("WORLD_SIZE", "1"))
        rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", str(rank)))
    except ValueError:
        raise UserError("torchrun environment: RANK, WORLD_SIZE and LOCAL_RANK must be whole numbers; got "
                        f"{os.environ.get('RANK')!r}, {os.environ.get('WORLD_SIZE')!r}, {os.environ.get('LOCAL_RANK')!r}") from None
    if world_size <= 1:
        return None
    return DistEnv(rank, world_size, local_rank)


def device_for(env: DistEnv, requested: str = "auto") -> torch.device:
    """This rank's device: with 'auto' or 'cuda', GPU number LOCAL_RANK (one GPU per process,
    as torchrun --nproc-per-node expects); the CPU where there is no GPU."""
    if requested in ("auto", "cuda") and torch.cuda.is_available():
        count = torch.cuda.device_count()
        if env.local_rank >= count:
            raise UserError(f"torchrun: local rank {env.local_rank} has no GPU of its own (this machine has {count}); "
                            f"use --nproc-per-node={count} or fewer")
        device = torch.device("cuda", env.local_rank)
        torch.cuda.set_device(device)
        return device
    if requested == "auto":
        return torch.device("cpu")
    return resolve_device(requested)


@contextmanager
def process_group(env: DistEnv | None) -> Iterator[None]:
    """Join torchrun's process group for the duration of the block (nothing to do without one).

    Always gloo: the only traffic is a few small Python objects (clip statistics, each
    rank's outcome), which gloo carries from CPU memory on machines with or without
    GPUs, and without NCCL's watchdog aborting a rank that waits hours for the others.
    """
    if env is None or dist.is_initialized():
        yield
        return
    dist.init_process_group("gloo", timeout=COLLECTIVE_TIMEOUT)
    try:
        yield
    finally:
        dist.destroy_process_group()


def _active() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_items(items: Sequence[T]) -> list[T]:
    """This rank's contiguous share of `items` (all of them outside a process group).

    For sweeps (compare, complexity, contact sheets): every rank builds the same list of
    configurations, renders `shard_items(configs)`, and rank 0 collects with gather_to_rank0.
    """
    rank, world_size = _active()
    return assign_contiguous(list(items), rank, world_size)


def gather_to_rank0(mine: Sequence[T]) -> list[T] | None:
    """Every rank's results, concatenated in rank order (so in the order of the list given to
    shard_items) on rank 0; None on the other ranks. Results must be picklable and small
    (numbers, paths, small arrays): large outputs should be files each rank writes itself."""
    rank, world_size = _active()
    if world_size == 1:
        return list(mine)
    gathered: list[Any] = [None] * world_size if rank == 0 else None  # type: ignore[assignment]
    dist.gather_object(list(mine), gathered, dst=0)
    if rank != 0:
        return None
    return [item for part in gathered for item in part]


def broadcast_clip_state(scene: Scene) -> None:
    """Replace this rank's clip-wide quantities (CLIP_WIDE_SCENE_FIELDS) with rank 0's."""
    _, world_size = _active()
    if world_size == 1:
        return
    payload = [{name: _to_device(getattr(scene, name), "cpu") for name in CLIP_WIDE_SCENE_FIELDS}]
    dist.broadcast_object_list(payload, src=0)
    for name, value in payload[0].items():
        setattr(scene, name, _to_device(value, scene.device))


def _to_device(value: Any, device: torch.device | str) -> Any:
    if isinstance(value, torch.Tensor) or hasattr(value, "to"):
        return value.to(device)
    if isinstance(value, dict):
        return {key: _to_device(item, device) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_device(item, device) for item in value)
    return value


class RankFailed(RuntimeError):
    """Some rank could not render its share: the job produced no output."""


def render_distributed(preset: Preset, output: str | Path, env: DistEnv, *, device: torch.device,
                       segments: int = DEFAULT_SEGMENTS, resume: bool = False, batch_size: int | None = None,
                       progress: Callable[[int], None] | None = None,
                       notify: Callable[[str], None] | None = None) -> SegmentedRender | None:
    """This rank's part of a torchrun render: render its contiguous run of checkpoint segments
    into the work folder beside `output`; rank 0 then checks every segment and joins them.

    Returns the result on rank 0 and None elsewhere. Uses the same segments as
    render_resumable, so the file is byte-identical to a single-process --resume render, and a
    failed job rerun with `resume=True` renders only the missing segments, with any world size.
    """
    output = Path(output)
    check_segmentable(preset, output, "torchrun")
    jobs = checkpoint_jobs(preset, output, segments, env.world_size)
    mine = assign_contiguous(jobs, env.rank, env.world_size)
    result = SegmentedRender(output)
    outcome = "ok"
    check = DullnessCheck()
    try:
        # Every rank checks its own device (rank 0 also joins, so a GIF's frames count for all);
        # inside the try, so a rank refused here is reported by rank 0 instead of leaving it waiting.
        prepare_render(preset, output, device)
        scene = build_scene(preset, device)
        broadcast_clip_state(scene)
        if progress is not None:
            progress(0)
        for number, job in enumerate(mine):
            render_segments(scene, resolve_output(preset, output), [job], resume=resume, batch_size=batch_size, progress=progress, result=result,
                            check=check)
            if number == 0 and os.environ.get(DIE_AFTER_FIRST_SEGMENT_ENV) == str(env.rank):
                os._exit(3)
    except Exception as err:  # reported to rank 0 below, then re-raised here
        outcome = f"{type(err).__name__}: {err}"
        failure: Exception | None = err
    else:
        failure = None
    reports = _all_outcomes((outcome, result.rendered, result.reused), output)
    failed = [(rank, text) for rank, (text, _, _) in enumerate(reports) if text != "ok"]
    if failed:
        lines = "; ".join(f"rank {rank}: {text}" for rank, text in failed)
        raise RankFailed(f"{len(failed)} of {env.world_size} ranks failed, so '{output}' was not written ({lines}); "
                         f"finished segments are kept in {work_folder(output)}/: rerun with --resume to render only "
                         "the missing ones") from failure
    if not env.is_main:
        return None
    # Never a silently short video: every segment must be there with all its frames.
    print_hash = fingerprint(preset)
    for segment, path in jobs:
        if not segment_is_complete(path, SegmentRecord.of(segment, print_hash)):
            raise RankFailed(f"segment for frames {segment.start}-{segment.stop - 1} ({path}) is missing or "
                             f"incomplete although every rank reported success; '{output}' was not written; "
                             "rerun with --resume")
    join_segments([path for _, path in jobs], output, check_counts=False, notify=notify)  # counted just above
    report_notes(preset, notify, check)  # rank 0's share stands for the clip: one note, not one per rank
    shutil.rmtree(work_folder(output), ignore_errors=True)
    return SegmentedRender(output, rendered=[s for _, done, _ in reports for s in done],
                           reused=[s for _, _, kept in reports for s in kept])


def _all_outcomes(outcome: tuple, output: Path) -> list[tuple]:
    """Every rank's (outcome 'ok' or its error, segments rendered, segments reused), on every rank."""
    outcomes: list[Any] = [None] * dist.get_world_size()
    try:
        dist.all_gather_object(outcomes, outcome)
    except RuntimeError as err:  # a peer vanished (killed, crashed): its connection closed
        raise RankFailed(f"a rank stopped without reporting (killed or crashed: see torchrun's report), so "
                         f"'{output}' was not written; finished segments are kept in {work_folder(output)}/: "
                         f"rerun with --resume to render only the missing ones ({err})") from None
    return outcomes
