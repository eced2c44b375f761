"""Run the `faelles` command as python -m faelles."""

from faelles.cli import main

main()
