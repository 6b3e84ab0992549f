"""What `assigner bench compare` puts next to the product's worker: Celery doing nothing (`celery_noop`), and
the broker's limit for our work (`raw_loop`); each drain timed from the first message taken to the last done."""
