"""The staff web app and JSON API (FastAPI): ``create_app()``; ``complaints web`` serves it.

Pages are server-rendered Chinese (zh-CN) HTML that work without JavaScript; one small script
adds the live classification suggestion. ``/api`` is the JSON API, documented at
``/openapi.json`` (pages are left out of it).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from config.settings import get_settings
from web import (
    accountability,
    admin,
    alerts,
    api,
    channels,
    closure,
    complaint_pages,
    contacts,
    errors,
    evidence,
    extensions,
    ledger,
    monitoring_pages,
    pages,
    subjects,
)
from web.serving import quiet_access_log
from web.validation import refuse_unknown_query

STATIC = Path(__file__).resolve().parent / "static"
# Swagger UI as the fastapi-offline package ships it: /docs loads nothing from outside (an
# intranet has no internet, and a third-party script would see the API's tokens).
DOCS_ASSETS = Path(str(files("fastapi_offline") / "static"))

DESCRIPTION = """\
四川金融资产交易所客户投诉处理系统的接口，与员工页面的每一项操作一一对应。

先以 `POST /api/login` 取得访问令牌，之后每次调用携带 `Authorization: Bearer <token>`
（持令牌调用无需 CSRF 令牌）。拒绝时返回 `Problem`：`detail` 为中文说明，`code` 供程序判断，
`errors` 逐项给出字段和说明。时间为带时区的 ISO 8601 字符串，金额为数字（元）。
"""


def _warm_up() -> None:
    """Import what the first intake and the first step will need (Prefect's client, ~1–2 s),
    so that the first staff member of the day does not wait for it."""

    for module in ("prefect.deployments", "prefect.flow_runs", "orchestration.runs"):
        importlib.import_module(module)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    quiet_access_log()  # after uvicorn has set up its logging, however it was started
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    yield


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="客户投诉处理 API",
        version="1.0",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(refuse_unknown_query)],
    )

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url="/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/static/docs/swagger-ui.css",
            swagger_favicon_url="/static/docs/favicon.png",
        )

    errors.install(app)
    app.include_router(api.router)
    app.include_router(contacts.api_router)
    app.include_router(extensions.api_router)
    app.include_router(accountability.api_router)
    app.include_router(ledger.api_router)
    app.include_router(closure.api_router)
    app.include_router(evidence.api_router)
    app.include_router(channels.api_router)
    app.include_router(subjects.api_router)
    app.include_router(alerts.api_router)
    app.include_router(pages.router)
    app.include_router(complaint_pages.router)
    app.include_router(contacts.router)
    app.include_router(extensions.router)
    app.include_router(accountability.router)
    app.include_router(ledger.router)
    app.include_router(closure.router)
    app.include_router(evidence.router)
    app.include_router(channels.router)
    app.include_router(subjects.router)
    app.include_router(admin.router)
    app.include_router(alerts.router)
    app.include_router(monitoring_pages.router)
    app.mount("/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(errors.SecurityHeaders)
    app.add_middleware(errors.BodyLimit)
    # Outermost: every part of the app sees the client address that the settings allow.
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=get_settings().trusted_proxy_list)
    return app
