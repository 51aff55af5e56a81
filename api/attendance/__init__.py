"""Attendance per participant, reported by the person and assessed by staff."""
