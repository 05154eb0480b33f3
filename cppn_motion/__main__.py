"""`python -m cppn_motion ...` is the same as the `cppn-motion` command."""
from .cli import main

raise SystemExit(main())
