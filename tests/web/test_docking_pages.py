"""Docking through the pages: request by form, the other side's inbox, accept, contacts."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_achievement, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup

UNI_PHONE = "021-6598 0133"


def test_request_accept_and_contacts_through_the_pages(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    ent_id = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    uni_id = add_org(
        client, "同济大学", "university", contact_phone=UNI_PHONE, contact_name="李老师"
    )
    need = add_need(
        client, ent_id, "氢燃料电池金属双极板耐腐蚀涂层开发", "不锈钢双极板腐蚀严重，接触电阻升高"
    )
    ach = add_achievement(
        client, uni_id, "燃料电池金属双极板碳基复合涂层", "多弧离子镀与磁控溅射复合工艺"
    )
    make_user(factory, "qiye", "enterprise", org_id=ent_id)
    make_user(factory, "gaoxiao", "university", org_id=uni_id)

    # The enterprise asks from the achievement's page (the form posts here).
    qiye = make_client()
    login(qiye, "qiye")
    form = {
        "need_id": need["id"],
        "target_kind": "achievements",
        "target_id": ach["id"],
        "score": "0.82",
        "message": "希望合作开发双极板涂层",
    }
    sent = post_form(qiye, "/dockings/request", form, follow_redirects=False)
    assert sent.status_code == 303
    docking_url = sent.headers["location"]
    page = soup(qiye.get(docking_url).text)
    assert "对接申请已发送" in page.select_one(".flash").text
    assert page.select_one("h1 .status").text.strip() == "已申请"
    assert "接受后显示" in page.select_one(".contacts").text
    assert UNI_PHONE not in page.text
    # Asking again says it exists (back on the page it came from).
    again = post_form(qiye, "/dockings/request", form, headers={"referer": docking_url})
    assert "已存在" in soup(again.text).select_one(".flash.error").text

    # The university sees the unread notification and the request under 收到的.
    gaoxiao = make_client()
    login(gaoxiao, "gaoxiao")
    inbox = soup(gaoxiao.get("/dockings").text)
    assert inbox.select_one("nav.user .badge").text.strip() == "1"
    assert inbox.select_one(".tabs a.active").text.strip() == "收到的"
    rows = inbox.select("table.dockings tbody tr")
    assert len(rows) == 1
    assert "氢燃料电池金属双极板耐腐蚀涂层开发" in rows[0].text
    assert "海门氢能动力科技有限公司" in rows[0].text
    sent_tab = soup(gaoxiao.get("/dockings?box=outgoing").text)
    assert "还没有发出对接申请" in sent_tab.select_one(".empty").text
    # It says where to look: the search page.
    assert sent_tab.select_one(".empty a")["href"] == "/search"

    # Declining without a reason keeps the page and says what is missing; accepting works.
    refused = post_form(gaoxiao, f"{docking_url}/decline", {"reason": "", "message": ""})
    assert refused.status_code == 422
    assert "请填写婉拒原因" in soup(refused.text).select_one(".field-error").text
    accepted = post_form(
        gaoxiao, f"{docking_url}/accept", {"message": "欢迎来校交流"}, follow_redirects=True
    )
    assert soup(accepted.text).select_one("h1 .status").text.strip() == "已接受"
    # Having opened the docking, its notification is read: the badge is gone.
    assert soup(gaoxiao.get("/dockings").text).select_one("nav.user .badge") is None

    # The enterprise now sees the university's phone and the history.
    page = soup(qiye.get(docking_url).text)
    assert page.select_one(".contacts .phone").text.strip() == UNI_PHONE
    history = [li.text for li in page.select("ol.timeline li")]
    assert "发起对接申请" in history[0]
    assert "接受对接" in history[1]
    assert "欢迎来校交流" in history[1]
    assert "gaoxiao" in history[1]
