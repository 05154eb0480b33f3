"""Configuration: the preset schema, preset files and what an output file recorded."""
