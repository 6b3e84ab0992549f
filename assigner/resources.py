"""Where the files shipped beside the code are: the repository, or the installed wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def shipped(name: str) -> Path:
    """The top-level folder `name` (alembic, config): bundled in a wheel, or in the checkout."""
    bundled = _PACKAGE / "_bundled" / name
    if bundled.is_dir():
        return bundled
    return _PACKAGE.parent / name
