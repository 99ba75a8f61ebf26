"""Celery app and tasks: thin shells over ``matchmaking`` services."""
