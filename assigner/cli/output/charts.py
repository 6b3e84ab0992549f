"""What every chart of the command line draws with: matplotlib's pyplot, drawing to files only, or one line
saying how to install it."""

from __future__ import annotations

from typing import Any

from assigner.domain.errors import InvalidInput


def pyplot() -> Any:
    """matplotlib's pyplot on the Agg backend (no display: files only); InvalidInput when it is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot as drawing
    except ImportError as error:
        raise InvalidInput("--chart needs matplotlib: pip install 'assigner[chart]'") from error
    return drawing
