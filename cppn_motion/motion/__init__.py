"""Motion: what changes over the loop (timeline, keyframes, interpolation, easing, camera)."""
