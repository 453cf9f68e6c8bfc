"""目录, 四性检测 and 移交 in a real browser against a real `dangan serve`: an archivist
of 白沙村 downloads its catalog and box labels; the administrator runs the checks, sees
the failure first, and writes a transfer package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import bagit
import pytest
from openpyxl import load_workbook

from dangan.archive import users
from dangan.archive.filing import file_document
from tests import factories
from tests.e2e.server import running_server
from tests.e2e.test_browser import _login, _shot, browser  # noqa: F401
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: F401


@pytest.fixture
def server(arc, tmp_path: Path) -> Iterator[str]:
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        v4 = factories.village(session, arc, "004", "青山村")
        wang = factories.household(session, v3, "017", "王建国")
        zhao = factories.household(session, v4, "021", "赵小红")
        for village, household in ((v3, wang), (v3, None), (v4, zhao)):
            doc = factories.document(
                session,
                arc,
                village_row=village,
                household_row=household,
                doc_type="H01" if household else "V02",
            )
            doc.pages = 1
            file_document(session, doc, arc.scheme, actor="test", store=arc.store)
        users.create_user(
            session,
            "zhuanGan",
            role="archivist",
            password=PASSWORD,
            actor="test",
            display_name="扶贫专干",
            villages=["003"],
        )
        users.create_user(
            session, "admin", role="admin", password=PASSWORD, actor="test", display_name="管理员"
        )
        # one stored original changed behind the archive's back: check 1-1 must fail
        changed = factories.document(session, arc, village_row=v3, household_row=wang)
        changed.pages = 1
        file_document(session, changed, arc.scheme, actor="test", store=arc.store)
        path = arc.store.path(changed.file.sha256)
        path.chmod(0o644)
        path.write_bytes(path.read_bytes() + b"\n% changed")
    with running_server(arc.settings.home, tmp_path / "server.log", workers=0) as url:
        yield url


def test_catalog_checks_and_transfer_pages(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    url = server
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 860}, accept_downloads=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    _login(page, url, "zhuanGan")
    page.click("nav.menu >> text=目录")
    options = page.locator("#c-village option").evaluate_all("os => os.map(o => o.value)")
    assert options == ["003"]  # an archivist of 003 sees its village only
    _shot(page, "catalog")
    page.select_option("#c-format", "xlsx")
    with page.expect_download() as got:
        page.click("#catalog-form button[type=submit]")
    saved = tmp_path / "catalog.xlsx"
    got.value.save_as(saved)
    assert got.value.suggested_filename.startswith("归档文件目录_003 白沙村")
    assert load_workbook(saved).sheetnames == ["说明", "003 白沙村"]
    with page.expect_download() as got:
        page.click("#labels-form button[type=submit]")
    assert got.value.suggested_filename.endswith(".pdf")
    assert page.locator("nav.menu >> text=移交").count() == 0
    page.goto(f"{url}/catalog/download?village=004&format=csv")
    assert "只能下载您负责的村的目录" in page.content()

    context.clear_cookies()
    _login(page, url, "admin")
    page.click("nav.menu >> text=四性检测")
    page.click("#run-checks button[type=submit]")
    page.wait_for_selector("#stage-filing h3.bad")
    first = page.locator("section.panel").first
    assert first.get_attribute("id") == "stage-filing"  # the stage with failures first
    assert "原件与其 SHA-256 摘要不符" in first.inner_text()
    assert "未检测(尚无可恢复的备份记录)" in page.locator("#stage-preservation").inner_text()
    _shot(page, "checks")

    page.click("nav.menu >> text=移交")
    page.select_option("#t-village", "004")
    page.click("#transfer-form button[type=submit]")
    page.wait_for_selector("#transfer-done")
    assert "1 件" in page.locator("#transfer-done").inner_text()
    cells = page.locator("#transfers tbody tr").first.locator("td").all_inner_texts()
    assert cells[1:4] == ["004 青山村", "全部", "1"]
    folder = page.locator("#transfers code").first.inner_text()
    bagit.Bag(folder).validate()
    _shot(page, "transfer")
    assert errors == []
    context.close()
