"""Rendering: a scene (net + timeline + colour) to frames on a device, and frames to a writer."""
