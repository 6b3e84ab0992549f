"""Readers of the files people hand over: roster CSV and declaration JSON Lines."""
