"""Escalations to klantmanagers and their follow-up tasks."""
