"""Business errors. Each carries its HTTP status; one handler renders them."""

from __future__ import annotations


class MatchmakingError(Exception):
    status_code = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(MatchmakingError):
    status_code = 404


class Conflict(MatchmakingError):
    status_code = 409


class InvalidInput(MatchmakingError):
    status_code = 422


class Unauthorized(MatchmakingError):
    """Not logged in (or the token is not valid)."""

    status_code = 401


class Forbidden(MatchmakingError):
    """Logged in, but this user may not do this."""

    status_code = 403


class TooManyAttempts(MatchmakingError):
    status_code = 429


class ConfigurationError(MatchmakingError):
    """The deployment's settings contradict each other (the operator must fix them)."""

    status_code = 503
