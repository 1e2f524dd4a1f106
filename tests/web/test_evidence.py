"""Evidence through the JSON API and the complaint page: uploaded (multipart) by those who
handle the case, listed in ``GET /api/complaints/{ref}`` and on the page with name, size and
SHA-256, downloaded with its type and name (RFC 5987) by whoever may see the complaint; bad
input answered with a Chinese 4xx and nothing written, no file left behind."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select, update

from config.settings import get_settings
from models import Complaint
from models.evidence import Evidence
from policy.enums import Stage
from tests.web.conftest import field_error

PDF = b"%PDF-1.7\n" + "客户来信：要求退还手续费。".encode() * 20
SHA = hashlib.sha256(PDF).hexdigest()
NAME = "客户来信 2026.pdf"


def _assigned(api, staff) -> str:  # type: ignore[no-untyped-def]
    ref = api.new_complaint(staff.owner)
    assert api.post(f"/complaints/{ref}/written-record", staff.owner, {"text": "已记录"}).is_success
    done = api.post(f"/complaints/{ref}/assignment", staff.manager, {"handler": "colleague"})
    assert done.status_code == 200, done.text
    return ref


def _upload(api, ref, user, name=NAME, content=PDF, media="application/pdf"):  # type: ignore[no-untyped-def]
    return api.client.post(
        f"/api/complaints/{ref}/evidence",
        files={"file": (name, content, media)},
        headers=api.headers(user),
    )


def _written(session, settings) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    session.expire_all()
    rows = session.scalar(select(func.count()).select_from(Evidence)) or 0
    folder = Path(settings.data_dir) / "evidence"
    files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return rows, files


def test_api_upload_is_listed_and_downloaded_with_its_type_and_name(api, staff) -> None:
    ref = _assigned(api, staff)
    done = _upload(api, ref, staff.colleague)
    assert done.status_code == 201, done.text
    body = done.json()
    assert (body["sha256"], body["name"], body["size"]) == (SHA, NAME, len(PDF))
    assert body["already_attached"] is False and "已上传" in body["message"]
    (listed,) = api.get(f"/complaints/{ref}", staff.compliance).json()["evidence"]
    assert (listed["name"], listed["size"], listed["sha256"]) == (NAME, len(PDF), SHA)
    assert listed["download_url"] == f"/api/complaints/{ref}/evidence/{SHA}"
    got = api.get(f"/complaints/{ref}/evidence/{SHA}", staff.compliance)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-type"] == "application/pdf"
    disposition = got.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(NAME, safe='')}" in disposition
    timeline = api.get(f"/complaints/{ref}", staff.manager).json()["timeline"]
    assert timeline[-1]["kind"] == "evidence_attached" and timeline[-1]["label"] == "上传证据材料"


def test_api_the_same_file_again_is_the_earlier_upload(api, staff, session, settings) -> None:
    ref = _assigned(api, staff)
    assert _upload(api, ref, staff.colleague).status_code == 201
    again = _upload(api, ref, staff.manager, name="copy.pdf")
    assert again.status_code == 200 and again.json()["already_attached"] is True
    assert again.json()["name"] == NAME
    assert _written(session, settings) == (1, 1)


def test_only_those_who_may_see_the_complaint_download(api, staff) -> None:
    ref = _assigned(api, staff)
    _upload(api, ref, staff.colleague)
    refused = api.get(f"/complaints/{ref}/evidence/{SHA}", staff.gm_staff)
    assert refused.status_code == 403 and "无权查看" in refused.json()["detail"]
    missing = api.get(f"/complaints/{ref}/evidence/{'0' * 64}", staff.manager)
    assert missing.status_code == 404 and "没有这份证据材料" in missing.json()["detail"]
    assert api.get(f"/complaints/{ref}/evidence/{SHA[:-1]}g", staff.manager).status_code == 404


@pytest.fixture
def small_limit(settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("COMPLAINTS_EVIDENCE_MAX_BYTES", "1024")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("big.pdf", b"%PDF-" + b"x" * 2000, 413, "超过上限 1 KB"),
        ("run.exe", b"MZ\x90\x00", 422, "不接受该类型的文件"),
        ("letter.pdf", b"MZ\x90\x00", 422, "扩展名与内容不符"),
        ("empty.pdf", b"", 422, "是空文件"),
    ],
)
def test_api_refuses_bad_files_with_a_chinese_reason_and_writes_nothing(
    api, staff, session, settings, small_limit, name, content, status, message
) -> None:  # type: ignore[no-untyped-def]
    ref = _assigned(api, staff)
    refused = _upload(api, ref, staff.colleague, name=name, content=content)
    assert refused.status_code == status, refused.text
    assert message in refused.json()["detail"] and refused.json()["field"] == "file"
    assert _written(session, settings) == (0, 0)


def test_api_a_body_far_over_the_limit_is_refused_before_it_is_read(
    api, staff, session, settings, small_limit
) -> None:  # type: ignore[no-untyped-def]
    ref = _assigned(api, staff)
    refused = _upload(api, ref, staff.colleague, content=b"%PDF-" + b"x" * 200_000)
    # The body limit's own refusal, not the file check's (which would mean it was read).
    assert refused.status_code == 413 and "上传的文件过大（上限 1 KB）" in refused.json()["detail"]
    assert _written(session, settings) == (0, 0)


def test_api_refuses_who_may_not_attach_an_unknown_complaint_and_a_missing_file(
    api, staff, session, settings
) -> None:  # type: ignore[no-untyped-def]
    ref = _assigned(api, staff)
    refused = _upload(api, ref, staff.compliance)
    assert refused.status_code == 403 and "上传证据材料" in refused.json()["detail"]
    unknown = _upload(api, "TS-20990101-0001", staff.colleague)
    assert unknown.status_code == 404 and "找不到" in unknown.json()["detail"]
    no_file = api.client.post(
        f"/api/complaints/{ref}/evidence", headers=api.headers(staff.colleague), data={"x": "1"}
    )
    assert no_file.status_code == 422 and "请选择要上传的文件" in no_file.json()["detail"]
    assert _written(session, settings) == (0, 0)


def test_api_an_archived_complaints_evidence_is_immutable(api, staff, session, settings) -> None:
    ref = _assigned(api, staff)
    _upload(api, ref, staff.colleague)
    session.execute(
        update(Complaint).where(Complaint.reference == ref).values(stage=Stage.archived)
    )
    session.commit()
    refused = _upload(api, ref, staff.colleague, content=PDF + b"more")
    assert refused.status_code == 409 and "已归档" in refused.json()["detail"]
    assert _written(session, settings) == (1, 1)
    assert api.get(f"/complaints/{ref}/evidence/{SHA}", staff.manager).status_code == 200


# The complaint page ----------------------------------------------------------------------------


def test_page_uploads_lists_and_downloads(api, staff, browser) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.colleague)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="evidence-form"' in page.text and "上传证据文件" in page.text
    done = browser.client.post(
        f"/complaints/{ref}/evidence",
        data={"csrf_token": browser.csrf},
        files={"file": (NAME, PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].endswith("#evidence")
    page = browser.get(done.headers["location"])
    assert "证据材料已上传" in page.text and NAME in page.text and SHA in page.text
    got = browser.get(f"/complaints/{ref}/evidence/{SHA}")
    assert got.status_code == 200 and got.content == PDF


def test_page_shows_a_refusal_beside_the_upload(api, staff, browser, session, settings) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.colleague)
    refused = browser.client.post(
        f"/complaints/{ref}/evidence",
        data={"csrf_token": browser.csrf},
        files={"file": ("run.exe", b"MZ\x90", "application/octet-stream")},
    )
    assert refused.status_code == 422
    assert "不接受该类型的文件" in field_error(refused.text, "file")
    forged = browser.client.post(
        f"/complaints/{ref}/evidence",
        data={"csrf_token": "forged"},
        files={"file": (NAME, PDF, "application/pdf")},
    )
    assert forged.status_code == 403 and "防跨站请求伪造" in forged.text
    assert _written(session, settings) == (0, 0)


def test_page_says_why_one_may_not_upload(api, staff, browser) -> None:
    ref = _assigned(api, staff)
    browser.sign_in(staff.compliance)
    page = browser.get(f"/complaints/{ref}")
    assert 'id="evidence-form"' not in page.text and 'id="why-no-evidence"' in page.text
