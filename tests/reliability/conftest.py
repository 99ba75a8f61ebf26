"""Reliability tests reuse the import tests' registered organizations."""

from tests.importing.conftest import registered  # noqa: F401
