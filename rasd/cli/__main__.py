"""`python -m rasd.cli ...` is `rasd ...`."""

from rasd.cli.app import main

main()
