"""The supervisors' web console: a unit leader's page of their units, and the commands they give from it.

As thin as the CLI: a page reads through a service or publishes a command; a template shows it.
"""
