"""The ``matchmaking`` command: a shell around ``matchmaking/``, like ``web/`` and ``workers/``.

One module per command group; it may import ``web`` and ``workers`` (to serve, to run a
worker, to dispatch jobs), which ``matchmaking/`` never does.
"""
