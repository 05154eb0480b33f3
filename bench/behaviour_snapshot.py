"""A behaviour snapshot of the CLI, for changes that must not change behaviour (a restructure).

Records, through the installed command only (so it does not depend on the package layout):
the decoded-pixel hash of every bundled preset rendered tiny (4 frames, 48x28, PNG sequence),
the hash of a tiny still of each, `cppn-motion show` of each preset, and the error line and
exit status for every broken preset in tests/config/broken_presets/.

    python bench/behaviour_snapshot.py --write snapshot.json    # before the change
    python bench/behaviour_snapshot.py --check snapshot.json    # after: prints every difference
"""
from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import imageio.v3 as iio

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "cppn_motion"]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(CLI + args, cwd=cwd, capture_output=True, text=True, timeout=600)


def pixel_hash(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(iio.imread(path).tobytes())
    return digest.hexdigest()[:16]


def preset_names() -> list[str]:
    return sorted(path.stem for path in (ROOT / "presets").glob("*.yaml"))


def snapshot_preset(name: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        clip = run(["render", name, "--size", "48x28", "--frames", "4", "--quiet", "-o", "clip/f_%04d.png"], work)
        still = run(["still", name, "--size", "48x28", "--time", "0.25", "--quiet", "-o", "still.png"], work)
        shown = run(["show", name], work)
        return {
            "render": f"exit {clip.returncode} " + (pixel_hash(list((work / "clip").glob("*.png")))
                                                    if clip.returncode == 0 else clip.stderr.strip()),
            "still": f"exit {still.returncode} " + (pixel_hash([work / "still.png"])
                                                    if still.returncode == 0 else still.stderr.strip()),
            "show": shown.stdout,
        }


def snapshot_broken(path: Path) -> str:
    with tempfile.TemporaryDirectory() as folder:
        done = run(["render", str(path), "--quiet"], Path(folder))
        # The corpus's own location is not behaviour: a move of tests/ must not show as a difference.
        return f"exit {done.returncode} {done.stderr.strip().replace(str(path), path.name)}"


def take() -> dict[str, object]:
    broken = sorted((ROOT / "tests" / "config" / "broken_presets").glob("*.yaml"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        presets = dict(zip(preset_names(), pool.map(snapshot_preset, preset_names())))
        errors = dict(zip((p.name for p in broken), pool.map(snapshot_broken, broken)))
    return {"presets": presets, "broken": errors}


def differences(old: dict, new: dict, where: str = "") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        found = []
        for key in sorted(set(old) | set(new)):
            found += differences(old.get(key), new.get(key), f"{where}/{key}")
        return found
    return [] if old == new else [f"{where}: {old!r} -> {new!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", type=Path, help="record a snapshot to this JSON file")
    mode.add_argument("--check", type=Path, help="compare against a recorded snapshot")
    args = parser.parse_args()
    now = take()
    if args.write:
        args.write.write_text(json.dumps(now, indent=1, sort_keys=True))
        print(f"wrote {args.write}: {len(now['presets'])} presets, {len(now['broken'])} broken presets")
        return 0
    found = differences(json.loads(args.check.read_text()), now)
    for line in found:
        print(line)
    print(f"{len(found)} differences")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
