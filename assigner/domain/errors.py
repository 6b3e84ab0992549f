"""Errors the edges turn into one-line CLI errors, rejections or dead letters."""


class AssignerError(Exception):
    """Base of every error assigner reports to a user."""


class InvalidInput(AssignerError):
    """A file, message or argument that does not follow the contract."""


class InvalidRoster(InvalidInput):
    """A roster file that cannot be imported; nothing was written."""


def first_line(error: BaseException) -> str:
    """The first line of an error's message (of the database driver's, for a database error)."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


def error_line(error: BaseException) -> str:
    """'OperationalError: its first line': the error's type (the database driver's, for a database error) and
    the first line of its message."""
    return f"{type(getattr(error, 'orig', None) or error).__name__}: {first_line(error)}"
