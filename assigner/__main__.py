"""`python -m assigner` runs the command line."""

from assigner.cli import main

main()
