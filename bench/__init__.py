"""Benchmarks: scripts that write their figures into docs/benchmarks.md (never timed assertions in tests)."""
