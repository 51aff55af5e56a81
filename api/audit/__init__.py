"""Audit log: who read or changed what, and whether it was allowed."""
