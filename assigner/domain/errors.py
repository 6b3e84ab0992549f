"""Errors the edges turn into one-line CLI errors, rejections or dead letters."""


class AssignerError(Exception):
    """Base of every error assigner reports to a user."""


class InvalidInput(AssignerError):
    """A file, message or argument that does not follow the contract."""


class InvalidRoster(InvalidInput):
    """A roster file that cannot be imported; nothing was written."""
