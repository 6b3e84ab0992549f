"""The Celery worker: its app, the bootstep that consumes declarations, and thin adapters."""
