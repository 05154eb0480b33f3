"""The command line: one module per command; shared flags in args."""
