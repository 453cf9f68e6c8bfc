"""保管与销毁 in a real browser against a real `dangan serve`: the archivist proposes a
销毁清册, the unit head (another person) approves it and carries it out before two
witnesses who type their own passwords. Afterwards the blob and the index entry are
gone, the catalog row and the list remain, the item's file is explained, and the
journal verifies. Then a flipped byte raises the fixity alarm on the dashboard."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.archive import journal, users
from dangan.archive.models import Document, StoredFile
from dangan.retention.fixity import scrub
from tests import factories
from tests.e2e.server import running_server
from tests.e2e.test_browser import _login, _shot, browser  # noqa: F401
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401
from tests.test_retention_disposal import _filed


@pytest.fixture
def served(arc, tmp_path: Path) -> Iterator[tuple[str, dict]]:  # type: ignore[type-arg]
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        wang = factories.household(session, v3)
        ids = {
            "card": _filed(session, arc, v3, wang, "H12", 2005, "帮扶联系卡 旧卡片甲").id,
            "apply": _filed(session, arc, v3, wang, "H01", 2005, "申请书 永久保管").id,
        }
        for name, role, shown in (
            ("keeper", "archivist", "扶贫专干"),
            ("head", "admin", "乡镇负责人"),
            ("w1", "auditor", "纪检监销"),
            ("w2", "inspector", "督查监销"),
        ):
            users.create_user(
                session, name, role=role, password=PASSWORD, actor="test", display_name=shown
            )
        ids["token"] = users.issue_token(session, "head", actor="test")
    with running_server(arc.settings.home, tmp_path / "server.log", workers=0) as url:
        yield url, ids


def _api(url: str, token: str, path: str) -> tuple[int, object]:
    request = urllib.request.Request(
        url + urllib.parse.quote(path, safe="/?=&"), headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_witnessed_disposal_then_a_fixity_alarm(arc, served, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url, ids = served
    with arc.db.read() as session:
        card = session.get(Document, ids["card"])
        card_sha, card_code = card.file.sha256, card.archival_code
        apply_sha = session.get(Document, ids["apply"]).file.sha256
    status, found = _api(url, ids["token"], "/api/search?q=旧卡片甲")
    assert status == 200 and found["total"] == 1

    def person(name: str):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        _login(page, url, name)
        return page

    # the appraisal group proposes
    keeper = person("keeper")
    keeper.click("nav.menu >> text=保管与销毁")
    assert keeper.locator("#r-village-003 td").nth(4).inner_text() == "1"  # destroyable
    keeper.click("form[aria-label=提出销毁清册] button[type=submit]")
    keeper.wait_for_selector("#l-done")
    assert keeper.locator("#l-status").inner_text() == "待批准"
    assert card_code in keeper.locator("#l-items").inner_text()
    assert keeper.locator("form[aria-label=批准]").count() == 0  # not the approver's role
    _shot(keeper, "disposal-proposed")
    list_path = keeper.url.split("?")[0].removeprefix(url)

    # the unit head approves and carries it out before two witnesses
    head = person("head")
    head.goto(url + list_path)
    head.click("form[aria-label=批准] button")
    head.wait_for_selector("#l-done")
    assert head.locator("#l-status").inner_text() == "已批准"
    head.fill("#w1", "w1")
    head.fill("#p1", PASSWORD)
    head.fill("#w2", "keeper")  # the proposer may not witness
    head.fill("#p2", PASSWORD)
    head.click("form[aria-label=监销] button[type=submit]")
    head.wait_for_selector("#l-error")
    assert "提出人" in head.locator("#l-error").inner_text()
    head.fill("#w1", "w1")
    head.fill("#p1", PASSWORD)
    head.fill("#w2", "w2")
    head.fill("#p2", PASSWORD)
    head.click("form[aria-label=监销] button[type=submit]")
    head.wait_for_selector("#l-done")
    assert head.locator("#l-status").inner_text() == "已销毁"
    assert "w1、w2" in head.locator("#l-meta").inner_text()
    _shot(head, "disposal-destroyed")

    # the blob and the index entry are gone; the row, the list and the journal remain
    assert not arc.store.exists(card_sha) and arc.store.exists(apply_sha)
    status, found = _api(url, ids["token"], "/api/search?q=旧卡片甲&status=all")
    assert status == 200 and found["total"] == 0
    status, doc = _api(url, ids["token"], f"/api/docs/{ids['card']}")
    assert doc["status"] == "destroyed" and doc["archival_code"] == card_code
    status, gone = _api(url, ids["token"], f"/api/docs/{ids['card']}/original")
    assert status == 410 and "按销毁清册 XH-" in gone["detail"]
    head.goto(f"{url}/docs/{ids['card']}")
    assert "按销毁清册 XH-" in head.locator("#destroyed").inner_text()
    status, listed = _api(url, ids["token"], "/api/retention/lists")
    assert listed[0]["status"] == "destroyed"
    for sha in listed[0]["reports"].values():
        assert arc.store.verify(sha)
    with arc.db.read() as session:
        _count, problems = journal.verify(session)
        assert problems == []

    # a flipped byte in a kept item: the scrub finds it and the dashboard says so
    path = arc.store.path(apply_sha)
    os.chmod(path, 0o644)
    data = bytearray(path.read_bytes())
    data[0] ^= 0x20
    path.write_bytes(bytes(data))
    assert not scrub(arc, actor="test").ok
    with arc.db.read() as session:
        assert session.query(StoredFile).filter(StoredFile.sha256 == apply_sha).one().fixity_error
    head.goto(url + "/")
    alarm = head.locator("#fixity-alarm").inner_text()
    assert "白沙村 017 号户 王建国" in alarm and "内容已改变" in alarm
    _shot(head, "fixity-alarm")
    head.goto(f"{url}/docs/{ids['apply']}")
    assert "内容已改变" in head.locator("#fixity-error").inner_text()
