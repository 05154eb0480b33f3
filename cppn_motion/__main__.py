"""`python -m cppn_motion ...` is the same as the `cppn-motion` command."""
from cppn_motion.cli.main import main

raise SystemExit(main())
