"""`python -m northstar` is the same as the `northstar` command."""

from northstar.cli import main

main()
