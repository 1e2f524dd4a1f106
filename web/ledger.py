"""The complaint ledger (投诉台账) for compliance, leadership and admin: a spreadsheet
(``GET /api/ledger.xlsx``) and CSV (``GET /api/ledger.csv``) of the complaints received in a
period, and a page with the period and the two downloads. What the ledger holds, and who may
export it, is ``services.ledger``'s."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from config.settings import Settings
from models.people import User
from services.ledger import (
    LEDGER_ROLES,
    LedgerRow,
    ledger_csv,
    ledger_period,
    ledger_rows,
    ledger_xlsx,
)
from services.step_errors import StepError, StepForbidden
from web.deps import ApiUser, DbSession, PageUser, SettingsDep
from web.rendering import render
from web.schemas import refusals
from web.validation import FieldError, parse_date

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[str | None, Query(alias="from", description="开始日期（受理日期，YYYY-MM-DD）")]
To = Annotated[str | None, Query(alias="to", description="结束日期（受理日期，含当日）")]


def _rows(
    db: DbSession, settings: Settings, user: User, start: str | None, end: str | None
) -> tuple[list[LedgerRow], date, date]:
    first, last = ledger_period(
        parse_date(start, field="from", label="开始日期"),
        parse_date(end, field="to", label="结束日期"),
    )
    return ledger_rows(db, reader=user, start=first, end=last, tz=settings.tz), first, last


def _download(content: bytes, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


_REFUSALS = refusals(
    {
        403: "只有合规、公司领导和管理员可以导出",
        404: "所选期间没有受理的投诉",
        422: "日期缺失、格式不对、先后颠倒或期间过长：detail 说明原因",
    },
    body=False,
)


@api_router.get(
    "/ledger.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "投诉台账（Excel）"}} | _REFUSALS,
    summary="投诉台账（Excel）：所选期间受理的每件投诉一行，不含客户个人信息",
    tags=["投诉台账"],
)
def get_ledger_xlsx(
    user: ApiUser, db: DbSession, settings: SettingsDep, start: From = None, end: To = None
) -> Response:
    rows, first, last = _rows(db, settings, user, start, end)
    content = ledger_xlsx(rows, settings.tz, start=first, end=last)
    return _download(content, XLSX, f"ledger-{first}-{last}.xlsx")


@api_router.get(
    "/ledger.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "投诉台账（CSV）"}} | _REFUSALS,
    summary="投诉台账（CSV，UTF-8）：与 Excel 相同的列",
    tags=["投诉台账"],
)
def get_ledger_csv(
    user: ApiUser, db: DbSession, settings: SettingsDep, start: From = None, end: To = None
) -> Response:
    rows, first, last = _rows(db, settings, user, start, end)
    return _download(
        ledger_csv(rows, settings.tz), "text/csv; charset=utf-8", f"ledger-{first}-{last}.csv"
    )


@router.get("/ledger")
def ledger_page(request: Request, user: PageUser, db: DbSession, settings: SettingsDep) -> Response:
    """投诉台账: pick a period, see how many complaints it holds, download either format."""
    if user.role not in LEDGER_ROLES:
        raise StepForbidden("只有合规、公司领导和管理员可以导出投诉台账")
    query = {key: request.query_params.get(key, "") for key in ("from", "to")}
    count, problem, status = None, "", 200
    if query["from"] or query["to"]:
        try:
            rows, _, _ = _rows(db, settings, user, query["from"], query["to"])
            count = len(rows)
        except (StepError, FieldError) as refused:
            problem = refused.message
            status = refused.status_code if isinstance(refused, StepError) else 422
    return render(
        request,
        "ledger.html",
        {"query": query, "count": count, "problem": problem},
        status_code=status,
    )


@router.get("/ledger.xlsx")
def ledger_page_xlsx(
    user: PageUser, db: DbSession, settings: SettingsDep, start: From = None, end: To = None
) -> Response:
    """The page's download (signed in with the session cookie, not a token)."""
    return get_ledger_xlsx(user, db, settings, start, end)


@router.get("/ledger.csv")
def ledger_page_csv(
    user: PageUser, db: DbSession, settings: SettingsDep, start: From = None, end: To = None
) -> Response:
    return get_ledger_csv(user, db, settings, start, end)
