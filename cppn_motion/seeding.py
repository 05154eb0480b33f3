"""Seeded, device-independent randomness: one named stream per purpose.

Each purpose ('weights', 'latent', ...) gets its own CPU generator derived from the
preset seed, so changing one part of a preset (say the latent size) does not
reshuffle the others (the weights stay the same picture).
"""
from __future__ import annotations

import hashlib

import torch


def derive_seed(seed: int, *purpose: object) -> int:
    text = "/".join([str(seed), *map(str, purpose)]).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") & (2**63 - 1)


def generator_for(seed: int, *purpose: object) -> torch.Generator:
    """A CPU torch.Generator for this seed and purpose; draw on CPU, then move to the device."""
    generator = torch.Generator(device="cpu")
    generator.manual_seed(derive_seed(seed, *purpose))
    return generator
