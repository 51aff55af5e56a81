"""Custom actions for the inburgering assistant (served by bot/action_server.py, from bot/).

Modules: case_api (HTTP client), conversation (tracker helpers), questions (form questions), session,
language, appointments, absence, escalation, profile_answers. Actions never store anything and never
write reply text: they call the case API and name a response that the API's NLG endpoint renders.
"""
