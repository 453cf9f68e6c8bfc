"""The Chinese pages, in-process: what each shows, and the forms behind them."""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from dangan.archive.models import Document, JournalEvent
from dangan.web.app import create_app
from dangan.web.images import page_png
from tests.e2e import world as w
from tests.e2e.world import fast_hashing  # noqa: F401 (autouse fixture)
from tests.pages import image_pdf


@pytest.fixture
def world(arc):
    return w.build(arc)


@pytest.fixture
def app(arc, world):
    return create_app(arc)


def logged_in(app, role: str) -> TestClient:
    client = TestClient(app)
    w.login(client, role)
    return client


def test_every_page_is_chinese_with_csp_and_no_inline_script(app, world):
    client = logged_in(app, "admin")
    for url in (
        "/",
        "/upload",
        "/review",
        f"/review/{world.review_id}",
        "/browse",
        "/browse/003",
        "/browse/003/017",
        f"/docs/{world.filed_id}",
        "/search",
        "/search?q=申请书",
        "/journal",
        "/users",
        "/account",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in response.text, url
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", response.text), url


def test_dashboard_counts_and_review_link(app, world):
    page = logged_in(app, "archivist").get("/").text
    assert "桑村镇" in page and "白沙村" in page and "青山村" not in page
    assert "去审核" in page


def test_review_page_shows_image_text_and_proposal(app, world):
    page = logged_in(app, "archivist").get(f"/review/{world.review_id}").text
    assert f'src="/docs/{world.review_id}/pages/1.png?w=900"' in page
    assert "入户调查表" in page and "未能确定所属贫困户" in page
    assert '<option value="H02" selected>' in page
    assert "确认归档 (Enter)" in page and 'id="confirm" autofocus' in page


def test_review_form_files_and_moves_to_the_next_item(arc, app, world):
    client = logged_in(app, "archivist")
    page = client.get(f"/review/{world.review_id}").text
    response = client.post(
        f"/review/{world.review_id}",
        data={
            "csrf_token": w.csrf_from(page),
            "doc_type": "H02",
            "village": "003",
            "household": "018",
            "year": "2018",
        },
        follow_redirects=True,
    )
    assert "已归档, 档号 Z105-FP·2018-Y-003·018-0001" in response.text
    assert "没有待审核的文件" in response.text
    with arc.db.read() as session:
        assert session.get(Document, world.review_id).status == "filed"


def test_review_form_shows_why_filing_failed(app, world):
    client = logged_in(app, "archivist")
    page = client.get(f"/review/{world.review_id}").text
    response = client.post(
        f"/review/{world.review_id}",
        data={"csrf_token": w.csrf_from(page), "doc_type": "H02", "village": "003"},
        follow_redirects=True,
    )
    assert "必须指定贫困户" in response.text


def test_household_page_lists_present_and_missing_items(app, world):
    page = logged_in(app, "archivist").get("/browse/003/017").text
    present = re.search(r'data-code="H01" data-present="(\w+)"', page).group(1)
    assert present == "yes"
    assert 'data-code="H07" data-present="no"' in page
    assert "缺 7 项" in page
    assert w.ID_WANG in page  # archivists may see full ID numbers


def test_village_page_shows_households_and_village_items(app, world):
    page = logged_in(app, "inspector").get("/browse/003").text
    assert "王建国" in page and "李桂芳" in page and "必备 1/8" in page
    assert "两委会" in page or "贫困户申请书" in page  # the village-level item's title


def test_item_page_shows_code_text_and_history(app, world):
    page = logged_in(app, "archivist").get(f"/docs/{world.filed_id}").text
    assert "Z105-FP·2018-Y-003·017-0001" in page
    assert "SB 精准识别" in page and "Y 永久" in page
    assert "归档" in page and "下载原件" in page
    assert "改档(移到正确位置并给出新档号)" in page
    inspector = logged_in(app, "inspector").get(f"/docs/{world.filed_id}").text
    assert "改档(移到正确位置" not in inspector


def test_refile_form(arc, app, world):
    client = logged_in(app, "archivist")
    page = client.get(f"/docs/{world.filed_id}").text
    response = client.post(
        f"/docs/{world.filed_id}/refile",
        data={"csrf_token": w.csrf_from(page), "household": "018", "reason": "户主认错"},
        follow_redirects=True,
    )
    assert "已改档: Z105-FP·2018-Y-003·017-0001 → Z105-FP·2018-Y-003·018-0001" in response.text
    assert "原档号" in response.text


def test_download_keeps_the_uploaded_name(app, world):
    response = logged_in(app, "inspector").get(f"/docs/{world.filed_id}/original")
    assert response.status_code == 200 and response.content.startswith(b"\x89PNG")
    assert "filename" in response.headers["content-disposition"]


def test_pdf_pages_are_rendered_with_pdfium_and_cached(arc, world):
    pdf = image_pdf([["第一页"], ["第二页 申请书"]], dpi=72)
    with arc.db.write() as session:
        doc = session.get(Document, world.filed_id)
        doc.file.media_type = "pdf"
        put = arc.store.put_bytes(pdf)
        doc.file.sha256 = put.sha256
        doc.pages, doc.source_pages = 1, "2"
    with arc.db.read() as session:
        doc = session.get(Document, world.filed_id)
        path = page_png(arc, doc, 1, 400)
        assert path.is_relative_to(arc.settings.home / "cache")
        assert "-p2-w400" in path.name  # the item's page 1 is the original's page 2
        with Image.open(path) as img:
            assert img.width == 400
        assert page_png(arc, doc, 1, 400) == path


def test_users_page_creates_an_account_and_shows_its_password_once(arc, app, world):
    client = logged_in(app, "admin")
    page = client.get("/users").text
    response = client.post(
        "/users",
        data={
            "csrf_token": w.csrf_from(page),
            "username": "wang",
            "role": "inspector",
            "display_name": "王督查",
            "villages": ["003", "004"],
        },
    )
    assert response.status_code == 200
    password = re.search(r'<div class="token" id="secret">([^<]+)</div>', response.text).group(1)
    again = client.get("/users").text
    assert password not in again and "wang" in again
    fresh = TestClient(app)
    w.login(fresh, "wang", password)
    assert fresh.get("/api/me").json()["villages"] == ["003", "004"]


def test_admin_cannot_demote_themself(app, world):
    client = logged_in(app, "admin")
    page = client.get("/users").text
    response = client.post(
        "/users/admin",
        data={"csrf_token": w.csrf_from(page), "op": "save", "role": "inspector", "active": "1"},
    )
    assert response.status_code == 400 and "不能取消自己的管理员角色" in response.text


def test_account_page_issues_a_token_that_works(app, world):
    client = logged_in(app, "inspector")
    page = client.get("/account").text
    response = client.post("/account", data={"csrf_token": w.csrf_from(page), "op": "token"})
    token = re.search(r'id="secret">(dg_[^<]+)</div>', response.text).group(1)
    api = TestClient(app, headers={"Authorization": f"Bearer {token}"})
    assert api.get("/api/me").json()["username"] == "inspector"
    # The token issued at set-up no longer works.
    old = TestClient(app, headers={"Authorization": f"Bearer {world.tokens['inspector']}"})
    assert old.get("/api/me").status_code == 401


def test_account_password_change_needs_the_old_password(app, world):
    client = logged_in(app, "auditor")
    page = client.get("/account").text
    data = {
        "csrf_token": w.csrf_from(page),
        "op": "password",
        "old_password": "wrong-one",
        "new_password": "new-pass-123",
        "new_password2": "new-pass-123",
    }
    assert "原密码不正确" in client.post("/account", data=data).text
    data["old_password"] = w.PASSWORD
    response = client.post("/account", data=data, follow_redirects=False)
    assert response.headers["location"] == "/login"
    w.login(TestClient(app), "auditor", "new-pass-123")


def test_journal_page_lists_events_and_verifies_the_chain(arc, app, world):
    client = logged_in(app, "auditor")
    client.get(f"/docs/{world.filed_id}")
    page = client.get("/journal?action=document.read").text
    assert "查阅文件" in page and "auditor" in page
    assert "日志完整" in client.get("/journal?verify=1").text
    with arc.db.read() as session:
        assert session.scalars(
            select(JournalEvent).where(JournalEvent.action == "auth.login")
        ).all()


def test_search_page_finds_and_highlights(app, world):
    page = logged_in(app, "inspector").get("/search", params={"q": "因病致贫"}).text
    assert 'class="hit"' in page and "<mark>" in page
    assert "110***********002X" in page and w.ID_WANG not in page
    households = logged_in(app, "inspector").get("/search", params={"q": "王建国"}).text
    assert 'id="household-results"' in households and "/browse/003/017" in households
    # A household of another village is not found for a scoped inspector.
    other = logged_in(app, "inspector").get("/search", params={"q": "赵小红"}).text
    assert 'id="household-results"' not in other and "/browse/004/021" not in other


def test_upload_page_has_files_folders_and_drop(app, world):
    page = logged_in(app, "archivist").get("/upload").text
    assert 'id="files" multiple' in page and "webkitdirectory" in page
    assert 'id="dropzone"' in page and "/static/upload.js" in page
    assert TestClient(app).get("/static/htmx.min.js").status_code == 200
    assert TestClient(app).get("/static/upload.js").status_code == 200


def test_static_png_upload_via_page_script_endpoint(app, world):
    client = logged_in(app, "archivist")
    token = w.csrf_from(client.get("/upload").text)
    response = client.post(
        "/api/ingest",
        files={"files": ("村/扫描.png", io.BytesIO(w.scan_png(["评议表"])), "image/png")},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201 and response.json()["summary"]["queued"] == 1


def test_review_form_rejects_a_bad_year_in_words(app, world):
    client = logged_in(app, "archivist")
    page = client.get(f"/review/{world.review_id}").text
    response = client.post(
        f"/review/{world.review_id}",
        data={"csrf_token": w.csrf_from(page), "household": "018", "year": "99999"},
        follow_redirects=True,
    )
    assert response.status_code == 200 and "年度应在 1949 至 2100 之间" in response.text


def test_search_page_finds_items_in_review_labelled_and_narrows_by_status(app, world):
    client = logged_in(app, "inspector")  # no review permission, still finds what is held
    page = client.get("/search", params={"q": "入户调查表"}).text
    assert f'href="/docs/{world.review_id}"' in page
    assert 'class="badge st-needs_review">待审核</span>' in page
    filed = client.get("/search", params={"q": "入户调查表", "status": "filed"}).text
    assert 'class="badge st-needs_review"' not in filed
    assert '<option value="filed" selected>已归档</option>' in filed
