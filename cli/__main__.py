"""``python -m cli``: the same as the ``matchmaking`` command."""

from cli.app import main

main()
