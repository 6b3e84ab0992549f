"""One function per use case, each taking a unit of work, a clock and plain values."""
