"""`python -m healthequity`: the command line."""

from healthequity.cli import main

main()
