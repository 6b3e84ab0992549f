"""assigner: automatic rotating assignment of customs declaration checkers."""

__version__ = "0.1.0"
