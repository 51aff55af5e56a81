"""The team inbox: who sees which escalation in which view, read state per staff member, reassigning, and
the e-mail that tells staff an urgent message waits (ADR 0019)."""
