"""The Celery app: `celery -A workers.app worker`."""

from workers.factory import create_app

app = create_app()
