"""Operating the service: the probes behind `assigner health` and the worker's gauges."""
