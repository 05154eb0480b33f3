"""Hand-written device kernels (optional: each falls back to the torch path when unavailable)."""
