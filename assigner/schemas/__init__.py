"""The public contract (CONTRACT.md) as pydantic models: declarations, commands, events."""
