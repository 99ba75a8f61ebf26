"""Signed links in messages: one-click unsubscribe and click-through, no login needed.

A token is ``<fields>-<HMAC>``: HMAC-SHA256 of the fields under the app's secret key
(``Settings.session_secret``) and a purpose string, cut to 128 bits. Nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote

from matchmaking.config import get_settings
from matchmaking.outbound.kinds import Category

UNSUBSCRIBE = "outbound.unsubscribe"
CLICK = "outbound.click"
MAX_PATH = 300


def _mac(purpose: str, text: str) -> str:
    key = get_settings().session_secret().encode()
    return hmac.new(key, f"{purpose}:{text}".encode(), hashlib.sha256).hexdigest()[:32]


def _check(purpose: str, text: str, mac: str) -> bool:
    return len(mac) == 32 and hmac.compare_digest(mac.encode(), _mac(purpose, text).encode())


def unsubscribe_token(user_id: int, category: Category) -> str:
    fields = f"{user_id}.{category.value}"
    return f"{fields}-{_mac(UNSUBSCRIBE, fields)}"


def read_unsubscribe(token: str) -> tuple[int, Category] | None:
    """The user and kind of message a token stops; None if it is not exactly right."""
    if len(token) > 120 or not token.isascii():
        return None
    fields, _, mac = token.rpartition("-")
    raw_id, _, raw_category = fields.partition(".")
    if not raw_id.isdigit() or len(raw_id) > 18 or not _check(UNSUBSCRIBE, fields, mac):
        return None
    try:
        return int(raw_id), Category(raw_category)
    except ValueError:
        return None


def safe_path(path: str) -> bool:
    """A path on this site (no scheme, no other host): what a click may lead to."""
    return (
        path.startswith("/")
        and not path.startswith("//")
        and "\\" not in path
        and len(path) <= MAX_PATH
        and path.isprintable()
    )


def click_path(delivery_id: int, path: str) -> str:
    """The signed link through which a message's link counts its click, then redirects."""
    if not safe_path(path):
        path = "/"
    fields = f"{delivery_id}:{path}"
    return f"/o/{delivery_id}-{_mac(CLICK, fields)}?to={quote(path, safe='/')}"


def read_click(token: str, path: str) -> int | None:
    """The delivery a click link belongs to; None unless token and path were signed so."""
    if len(token) > 60 or not token.isascii() or not safe_path(path):
        return None
    raw_id, _, mac = token.partition("-")
    if not raw_id.isdigit() or len(raw_id) > 18:
        return None
    if not _check(CLICK, f"{raw_id}:{path}", mac):
        return None
    return int(raw_id)


def absolute(path: str) -> str:
    return get_settings().public_url.rstrip("/") + path
