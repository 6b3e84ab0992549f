"""`assigner chaos`: break RabbitMQ, PostgreSQL and workers while declarations flow, then count.

plan: the stream (valid, re-sent, poison) and what each message must become; poison and hostile: the
messages that can never be processed; stream: how long the stream goes on (until the faults are over);
upstream: the publisher that re-sends what the broker did not confirm; downstream: the consumers bound
per office and on `#`; cluster: the worker processes and the services' restarts; faults: when each fault
happens and how long the workers took to consume again; commands: the supervisors' burst; verdict: the
checks; run: all of it.
"""
