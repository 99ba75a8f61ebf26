"""Every notification kind has an email: its kind of message (for preferences) and title."""

from __future__ import annotations

from matchmaking.enums import NotificationKind
from matchmaking.outbound.kinds import CATEGORY_OF, CHOICES, DEFAULTS, Category, Frequency
from matchmaking.outbound.render import TITLES


def test_every_notification_kind_has_a_category_and_an_email_title() -> None:
    assert set(CATEGORY_OF) == set(NotificationKind)
    assert set(TITLES) == set(NotificationKind) - {NotificationKind.LEGACY}


def test_every_kind_of_message_has_a_default_it_may_choose() -> None:
    for category in Category:
        assert DEFAULTS[category] in CHOICES[category]
    assert Frequency.DAILY not in CHOICES[Category.DIGEST]
