"""Network architectures by name. Each builds a `FieldNet` from a preset's `net` section."""
from __future__ import annotations

from cppn_motion.nets.architectures import ARCHITECTURES, ArchFactory, build_net
from cppn_motion.nets.base import FieldNet, NetSpec

# Registration happens on import of each architecture module; mlp first, so it leads the
# list of known architectures in messages.
from cppn_motion.nets import mlp as _mlp  # noqa: E402,F401  # isort: skip
from cppn_motion.nets import conv as _conv  # noqa: E402,F401  # isort: skip

__all__ = ["ARCHITECTURES", "ArchFactory", "FieldNet", "NetSpec", "build_net"]
