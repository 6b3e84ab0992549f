"""What the worker does with a delivered batch: declarations, and supervisors' commands."""
