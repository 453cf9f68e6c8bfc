"""The web UI in a real browser: Debian's Chromium driven by Playwright against a real
`dangan serve` (uvicorn, with its worker pool) on 127.0.0.1.

upload → (pipeline: OCR, classify) → review by keyboard → browse to the household →
an inspector finds the household and a keyword. Screenshots go to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
if not Path(CHROMIUM).exists():
    # `make test` installs it (make system); a missing browser must fail, not skip.
    raise RuntimeError(f"{CHROMIUM} is missing: run `make system` (apt-get install chromium)")

from playwright import sync_api  # noqa: E402

from dangan.archive import users  # noqa: E402
from tests import factories  # noqa: E402
from tests.e2e.server import running_server  # noqa: E402
from tests.e2e.world import PASSWORD, fast_hashing  # noqa: E402, F401
from tests.pages import page as render_page  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
# The committed screenshots are refreshed on request (DANGAN_UPDATE_SCREENSHOTS=1);
# an ordinary run takes its pictures in a temporary folder and leaves the tree clean.
SHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("DANGAN_UPDATE_SCREENSHOTS")
    else Path(tempfile.gettempdir()) / "dangan-screenshots"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ID_WANG = "11010519491231002X"

SCANS = {
    "入户调查表-王建国.png": [
        "贫困户入户调查表",
        "户主姓名: 王建国",
        f"身份证号: {ID_WANG}",
        "家庭人口: 4人",
        "致贫原因: 因病",
        "调查日期: 2018年3月5日",
    ],
    "扶贫手册-李桂芳.png": [
        "扶贫手册",
        "户主姓名: 李桂芳",
        "帮扶责任人: 李明",
        "帮扶措施: 危房改造 发放鸡苗50只",
        "填写日期: 2018年5月10日",
    ],
    "会议记录.png": [
        "白沙村两委会会议记录",
        "会议时间: 2018年4月2日",
        "议题: 研究危房改造项目和贫困户评议",
    ],
}


@pytest.fixture
def server(arc, tmp_path: Path) -> Iterator[str]:
    """`dangan serve` with one worker process, on a free port, over the test archive."""
    with arc.db.write() as session:
        v3 = factories.village(session, arc, "003", "白沙村")
        factories.household(session, v3, "017", "王建国")
        h18 = factories.household(session, v3, "018", "李桂芳")
        h18.id_number = "110105195001010019"
        factories.village(session, arc, "004", "青山村")
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
        users.create_user(
            session,
            "ducha",
            role="inspector",
            password=PASSWORD,
            actor="test",
            display_name="督查组",
            villages=["003"],
        )
    with running_server(arc.settings.home, tmp_path / "server.log", workers=1) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _image_loaded(page) -> None:  # type: ignore[no-untyped-def]
    """The first page image has arrived and decoded (polled: the pages' CSP forbids
    the string evaluation that wait_for_function uses)."""
    image = page.locator("img.pageimg").first
    image.scroll_into_view_if_needed()
    wait_until(
        lambda: image.evaluate("img => img.complete && img.naturalWidth > 0"), 30, "the page image"
    )


def _login(page, url: str, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")


def _scans(folder: Path) -> list[Path]:
    folder.mkdir()
    paths = []
    for name, lines in SCANS.items():
        path = folder / name
        render_page(lines, dpi=200).save(path)
        paths.append(path)
    (folder / "说明.txt").write_text("这不是扫描件", encoding="utf-8")
    shutil.copy(paths[0], folder / "重复的调查表.png")
    return [*paths, folder / "重复的调查表.png", folder / "说明.txt"]


def test_upload_review_browse_search(server: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url = server
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and "/api/review/" not in r.url
            else None
        ),
    )

    # -- the archivist logs in and uploads scans, a duplicate and a file that is not a scan
    page.goto(f"{url}/")
    assert "/login" in page.url
    _shot(page, "01-login")
    _login(page, url, "zhuanGan")
    page.goto(f"{url}/upload")
    page.set_input_files("#files", [str(p) for p in _scans(tmp_path / "scans")])
    rows = page.locator("tr.upload-row")
    wait_until(
        lambda: rows.count() == 5 and page.locator("tr.upload-row[data-outcome]").count() == 5,
        60,
        "every upload to finish",
    )
    outcomes = {
        rows.nth(i).get_attribute("data-name"): rows.nth(i).get_attribute("data-outcome")
        for i in range(5)
    }
    assert outcomes == {
        "入户调查表-王建国.png": "queued",
        "扶贫手册-李桂芳.png": "queued",
        "会议记录.png": "queued",
        "重复的调查表.png": "duplicate",
        "说明.txt": "failed",
    }
    assert page.locator("#count-queued").inner_text() == "3"
    assert "内容相同" in page.locator("tr.upload-row[data-outcome=duplicate]").inner_text()
    _shot(page, "02-upload")

    # -- the worker pool in the server reads and classifies them (real OCR)
    def idle() -> bool:
        progress = page.request.get(f"{url}/api/jobs/progress").json()
        return progress["queued"] + progress["processing"] == 0

    page.goto(f"{url}/")
    _shot(page, "03-dashboard-processing")
    wait_until(idle, 240, "the pipeline to process the uploads")
    page.goto(f"{url}/")
    _shot(page, "04-dashboard")

    # -- review: every waiting item confirmed from the keyboard
    page.goto(f"{url}/review")
    waiting = page.locator("tbody tr").count() if page.locator("#start-review").count() else 0
    if waiting:
        page.click("#start-review")
        first = True
        for _ in range(10):
            if not re.search(r"/review/\d+", page.url):
                break
            page.wait_for_selector("#review-form")
            if first:
                _image_loaded(page)
                _shot(page, "05-review")
                first = False
            doc_type = page.locator("#doc_type").input_value()
            if not doc_type:
                page.select_option("#doc_type", "H07")
                doc_type = "H07"
            if not page.locator("#village").input_value():
                page.select_option("#village", "003")
                page.wait_for_timeout(500)  # htmx loads the village's households
            if doc_type.startswith("H") and not page.locator("#household").input_value():
                page.select_option("#household", "018")
            if not page.locator("#year").input_value():
                page.fill("#year", "2018")
            page.locator("body").click(position={"x": 5, "y": 5})
            before = page.url
            page.keyboard.press("Enter")  # one keystroke files the item
            page.wait_for_url(lambda u, before=before: u != before)
            assert page.locator(".flash.bad").count() == 0, page.locator(".flash.bad").inner_text()
        assert "没有待审核的文件" in page.content()
    docs = page.request.get(f"{url}/api/docs").json()
    assert sorted(d["status"] for d in docs) == ["failed", "filed", "filed", "filed"], docs
    assert {d["household_head"] for d in docs if d["status"] == "filed"} >= {"王建国"}

    # -- browse: township → village → household with its checklist → item
    page.goto(f"{url}/browse")
    page.click("text=白沙村")
    page.click("a:has-text('王建国')")
    page.wait_for_selector("table.checklist")
    assert page.locator("tr[data-code=H02][data-present=yes]").count() == 1
    assert page.locator("tr[data-present=no]").count() >= 1  # the rest of 一户一档 is missing
    assert ID_WANG in page.locator(".idnumber").inner_text()  # archivists see the number
    _shot(page, "06-household")
    page.click("tr[data-code=H02] a")
    page.wait_for_selector(".archival-code")
    assert "Z105-FP·2018-Y-003·017-" in page.locator(".archival-code").inner_text()
    assert "入户调查表" in page.locator("#doc-text").inner_text().replace(" ", "")
    _image_loaded(page)
    _shot(page, "07-item")
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login"))

    # -- the inspector finds the household and a keyword, read-only, ID numbers masked
    _login(page, url, "ducha")
    assert page.locator("nav.menu >> text=上传").count() == 0
    page.goto(f"{url}/search")
    page.fill("#q", "王建国")
    page.keyboard.press("Enter")
    page.wait_for_selector("#household-results")
    assert "110***********002X" in page.locator("#household-results").inner_text()
    assert ID_WANG not in page.content()
    _shot(page, "08-search-household")
    page.fill("#q", "危房改造")
    page.keyboard.press("Enter")
    page.wait_for_selector("#hits")
    hits = page.locator("article.hit")
    assert hits.count() >= 1
    assert page.locator("article.hit mark").count() >= 1
    _shot(page, "09-search-keyword")
    forbidden = page.request.post(f"{url}/api/review/1/file", data=json.dumps({}))
    assert forbidden.status == 403
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login"))

    # -- the administrator sees the journal (reads included) and the accounts
    _login(page, url, "admin")
    page.goto(f"{url}/journal?verify=1")
    assert "日志完整" in page.locator(".flash.ok").inner_text()
    assert page.locator("td:has-text('查阅户档')").count() >= 1
    _shot(page, "10-journal")
    page.goto(f"{url}/users")
    assert page.locator("#user-ducha").count() == 1
    _shot(page, "11-users")
    assert not errors, errors
    context.close()
