"""The public contract (docs/contract.md) as pydantic models: declarations, commands, events."""
