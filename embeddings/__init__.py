"""Encoders and indexes. Imports nothing from ``matchmaking``, ``web`` or ``workers``."""
