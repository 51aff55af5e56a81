"""Inburgeraars and staff."""
