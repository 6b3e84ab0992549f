"""The rotation rules as plain Python: no framework is imported here."""
