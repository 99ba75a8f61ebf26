"""Notification text is made when shown: one function per kind, never a crash."""

from __future__ import annotations

from matchmaking.enums import NotificationKind
from matchmaking.notifications.render import FALLBACK, RENDERERS, render


def test_every_kind_has_its_wording() -> None:
    assert set(RENDERERS) == set(NotificationKind)


def test_a_docking_step_reads_as_before() -> None:
    payload = {
        "actor": "同济大学（高校）",
        "need_title": "金属双极板耐腐蚀涂层开发",
        "target_kind": "achievements",
        "target_title": "金属双极板碳基复合涂层",
        "status": "accepted",
        "note": "欢迎来校交流",
    }
    assert render(NotificationKind.DOCKING_UPDATED, payload) == (
        "同济大学（高校）接受对接：需求“金属双极板耐腐蚀涂层开发”与科技成果“金属双极板碳基复合涂层”"
        "。欢迎来校交流"
    )


def test_an_unknown_kind_or_a_broken_payload_shows_a_generic_notice() -> None:
    # A row written by a newer version, or a payload missing a name, still displays.
    assert render("event_scheduled", {"title": "对接会"}) == FALLBACK
    assert render(NotificationKind.ORG_REJECTED, {"org_name": "某公司"}) == FALLBACK
    assert render(NotificationKind.LEGACY, None) == FALLBACK


def test_long_text_is_cut_as_before() -> None:
    assert len(render(NotificationKind.LEGACY, {"text": "长" * 800})) == 500
