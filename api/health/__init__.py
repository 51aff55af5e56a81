"""What operations ask the API: is the process up, does the whole assistant answer, and how is it doing.

- checks.py: the checks of GET /health/ready (database, Rasa's model, the action server, the workers'
  heartbeat, the outbox), each named with ok/fail and a detail;
- metrics.py: GET /metrics in Prometheus's text format, computed from the database at scrape time;
- routes.py: /health (compatibility), /health/live, /health/ready and /metrics (behind METRICS_TOKEN).

ADR 0014 says why the figures come from the database and what each probe is for.
"""
