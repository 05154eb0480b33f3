"""Times written in presets and on the command line: '2.5s' (seconds), '30f' (a frame), a fraction,
and keyframe times turned into path phases. One parser, so `--time`, keyframes and the timeline
agree on what a time means."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the schema validates keyframes through check_keyframes; no import cycle at run time
    from cppn_motion.config.schema import Preset


def frame_of_suffixed(text: str, fps: float) -> float | None:
    """The frame number of '2.5s' (seconds x fps) or '30f'; None when `text` has neither suffix or
    is malformed (the caller says what it expected)."""
    raw = text.strip().lower()
    try:
        if raw.endswith("s"):
            return float(raw[:-1]) * fps
        if raw.endswith("f"):
            return float(int(raw[:-1]))
    except ValueError:
        return None
    return None


def keyframe_phase(time: int | float | str, frames: int, fps: float, loop: bool, pingpong: bool) -> float:
    """The path phase of a keyframe time: an int is a frame, a float a fraction, '2.5s' seconds, '30f' a frame.

    Frames and seconds count like the clip's own frames: frame f of a loop is phase f/frames;
    of an open clip f/(frames-1); of a ping-pong clip 2f/frames (its forward half).
    Raises ValueError (message without the key) when the time is malformed or outside the clip.
    """
    if isinstance(time, bool):
        raise ValueError(f"expected a frame number, a fraction or seconds like '2.5s'; got {time!r}")
    if isinstance(time, float):
        phase = time
    else:
        if isinstance(time, str):
            frame = frame_of_suffixed(time, fps)
            if frame is None:
                raise ValueError(f"expected a frame number (30), a fraction (0.25) or seconds ('2.5s'); "
                                 f"got {time!r}")
        else:
            frame = float(time)
        if pingpong:
            phase = 2 * frame / frames
        elif loop or frames == 1:
            phase = frame / frames
        else:
            phase = frame / (frames - 1)
    looping = loop and not pingpong
    if not math.isfinite(phase) or phase < 0 or phase > 1 or (looping and phase >= 1):
        allowed = "[0, 1) of the loop (the end is the start again)" if looping else "[0, 1] of the clip"
        raise ValueError(f"must fall within {allowed}; got {time!r} = {phase:.4g}")
    return phase


def keyframe_phases(preset: Preset) -> list[float]:
    """Each keyframe's phase, with errors naming the keyframe index."""
    motion = preset.timeline
    phases: list[float] = []
    for index, key in enumerate(motion.keyframes):
        where = f"timeline.keyframes[{index}].time"
        try:
            phase = keyframe_phase(key.time, motion.frames, motion.fps, motion.loop, motion.pingpong)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
        if phases and phase <= phases[-1]:
            raise ValueError(f"{where}: keyframes go in time order; {key.time!r} (phase {phase:.4g}) is not after "
                             f"keyframe {index - 1} (phase {phases[-1]:.4g})")
        phases.append(phase)
    return phases


def check_keyframes(preset: Preset) -> None:
    """Checks that need the whole preset; each ValueError names the keyframe index and key."""
    keyframe_phases(preset)
    dim = preset.latent.dim
    for index, key in enumerate(preset.timeline.keyframes):
        if key.latent is None:
            continue
        if dim == 0:
            raise ValueError(f"timeline.keyframes[{index}].latent: latent.dim is 0, so there is no latent to set")
        if isinstance(key.latent, list) and len(key.latent) != dim:
            raise ValueError(f"timeline.keyframes[{index}].latent: needs latent.dim = {dim} numbers; "
                             f"got {len(key.latent)}")
