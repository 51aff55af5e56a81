"""What operations read about the running processes, kept in the database so every process sees it.

- heartbeat.py: each worker's last round (`worker_heartbeat`), for GET /health/ready;
- counters.py: durable counters and histograms (`metric_counter`), incremented in the transaction of what
  they count, so several API processes and workers add up to one figure for GET /metrics (ADR 0014).
"""
