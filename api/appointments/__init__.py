"""Appointments: intake, PIP, progress meetings, PVT, MAP and KNM."""
