"""Bundled presets (YAML files).

This file makes the folder the package `cppn_motion.bundled_presets`, so the presets ship
inside wheels and are found by name wherever cppn_motion is installed.
"""
