"""档案检查 in a real browser: an inspector of 白沙村 (003) runs the audit against a real
`dangan serve` (no workers: nothing to ingest), sees its village's score and findings,
follows the evidence to the item, and cannot see 青山村 (004)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dangan.archive import users
from tests import factories
from tests.e2e.server import running_server
from tests.e2e.test_browser import _login, _shot, browser  # noqa: F401
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401
from tests.test_audit_rules import helper, household, id_number, pair


@pytest.fixture
def server(arc, tmp_path: Path) -> Iterator[str]:
    """Two villages with faults: in 003 a mistyped ID number, a household without a
    helper, an item waiting in review; in 004 a household of its own."""
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        v4 = factories.village(session, arc, "004", "青山村")
        wang = household(session, v3, "017", "王建国", members=4)
        household(session, v3, "018", "李桂芳", id_number=id_number("19500101", "018")[:17])
        zhao = household(session, v4, "021", "赵小红")
        cadre = helper(session)
        for row in (wang, zhao):
            pair(session, row, cadre, dt.date(2016, 5, 1))
        factories.document(
            session, arc, village_row=v3, household_row=wang, doc_type="H02"
        ).status = "needs_review"
        users.create_user(
            session,
            "ducha",
            role="inspector",
            password=PASSWORD,
            actor="test",
            display_name="督查组",
            villages=["003"],
        )
    with running_server(arc.settings.home, tmp_path / "server.log", workers=0) as url:
        yield url


def test_an_inspector_audits_its_village_only(server: str, browser) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url = server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _login(page, url, "ducha")
    page.click("nav.menu >> text=档案检查")
    page.wait_for_selector("#audit-meta")
    assert "日志头" in page.locator("#audit-meta").inner_text()
    assert page.locator("#score-003").count() == 1 and page.locator("#score-004").count() == 0
    assert re.search(r"得分 \d+ / 满分 100", page.locator("#score-003").inner_text())
    findings = page.locator("#village-003 article.finding")
    assert findings.count() >= 3 and page.locator("#village-004").count() == 0
    assert "李桂芳 的身份证号" in page.locator("#village-003").inner_text()
    assert "青山村" not in page.locator("main").inner_text()
    options = page.locator("#a-village option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["", "003"]
    _shot(page, "audit")

    # the evidence of the item waiting in review leads to the item
    page.click("article[data-rule=ITEM_NOT_FILED] .evidence a")
    page.wait_for_url(re.compile(r"/docs/\d+$"))
    page.go_back()

    # one rule through the form: the URL holds the filters
    page.click(".rule-pick summary")
    page.check("input[name=rule][value=ID_INVALID]")
    page.click("form[aria-label=检查范围] button[type=submit]")
    page.wait_for_url(re.compile(r"rule=ID_INVALID"))
    rules = page.locator("article.finding").evaluate_all("fs => fs.map(f => f.dataset.rule)")
    assert rules == ["ID_INVALID"]

    # another village by URL: refused, in words
    response = page.goto(f"{url}/audit?village=004")
    assert response is not None and response.status == 403
    assert "行政村 青山村 不在您负责的村范围内" in page.locator("#audit-error").inner_text()
    assert page.locator("#score-004").count() == 0
    assert not errors, errors
    context.close()
