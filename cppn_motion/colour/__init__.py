"""Colour: turning the network's outputs into RGB (mapping, colour spaces, dither, YUV)."""
