"""Re-run the project's benchmark (same code as `cppn-motion bench`); pass its flags, e.g.

    python bench/run.py --quick
    python bench/run.py --workloads mlp8x32-1080p --stages net,render > bench/latest.md
"""
from __future__ import annotations

import sys

from cppn_motion.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", *sys.argv[1:]]))
