"""Refusals, answered the same way everywhere: a Chinese sentence, a code, the field at fault.

Under ``/api`` the answer is a ``Problem`` JSON object; on the pages an error page (forms
handle their own validation errors and show them beside each field).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request as StarletteRequest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.settings import get_settings
from policy.evidence import size_label
from services.intake import IntakeError, IntakeKeyReused
from services.step_errors import StepError
from web.access import Forbidden
from web.deps import BadForm, SignInRequired, Unauthorized
from web.rendering import render
from web.schemas import FIELD_LABELS
from web.security import RateLimited
from web.validation import FieldError
from web.views import NotFound

log = logging.getLogger("web.errors")

# Large enough for the longest complaint (5,000 characters of Chinese) several times over.
MAX_BODY_BYTES = 100_000
# Evidence uploads (web/evidence.py) may carry a file up to COMPLAINTS_EVIDENCE_MAX_BYTES,
# plus this much for the multipart framing and the form's other fields.
EVIDENCE_UPLOAD = re.compile(r"^(/api)?/complaints/[^/]+/evidence$")
MULTIPART_ALLOWANCE = 64 * 1024


class BodyTooLarge(StarletteHTTPException):
    """413 with its own Chinese sentence (the limit it passed)."""

    def __init__(self, message: str) -> None:
        super().__init__(status_code=413, detail=message)


def body_limit(path: str, method: str) -> tuple[int, str]:
    """The largest body a request may send, and the sentence that refuses a larger one."""
    if method == "POST" and EVIDENCE_UPLOAD.match(path):
        limit = get_settings().evidence_max_bytes
        return limit + MULTIPART_ALLOWANCE, (
            f"上传的文件过大（上限 {size_label(limit)}），未保存；请压缩或拆分后重新上传"
        )
    return MAX_BODY_BYTES, _STATUS_MESSAGES[413]


_STATUS_CODES = {
    400: "malformed_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}
_STATUS_MESSAGES = {
    400: "请求格式不正确",
    401: "请先登录",
    403: "没有权限",
    404: "找不到该页面或资源",
    405: "不支持该请求方法",
    413: f"提交的内容过大（上限 {MAX_BODY_BYTES // 1000} KB），请精简后重试",
    429: "请求过于频繁，请稍后再试",
}


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def problem(
    request: Request,
    status: int,
    detail: str,
    *,
    field: str | None = None,
    errors: list[dict[str, str]] | None = None,
    code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    if is_api(request):
        body = {
            "detail": detail,
            "code": code or _STATUS_CODES.get(status, "error"),
            "field": field,
            "errors": errors or ([{"field": field, "message": detail}] if field else []),
        }
        return JSONResponse(body, status_code=status, headers=headers)

    response = render(
        request, "error.html", {"status": status, "detail": detail}, status_code=status
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


_PYDANTIC_MESSAGES = {
    "missing": "缺少{label}",
    "extra_forbidden": "不认识的字段「{name}」，请删除",
    "string_type": "{label}必须是字符串",
    "bool_type": "{label}必须是 true 或 false",
    "int_type": "{label}必须是整数",
    "string_too_short": "请填写{label}",
    "string_too_long": "{label}不能超过 {max_length} 个字符",
    "string_pattern_mismatch": "{label}含有无法保存的控制字符，请删除后重试",
    "enum": "{label}必须是以下之一：{expected}",
    "model_attributes_type": "请求体必须是 JSON 对象",
    "model_type": "请求体必须是 JSON 对象",
    "dict_type": "请求体必须是 JSON 对象",
    "none_required": "{label}必须为空",
    "float_type": "{label}必须是数字",
    "float_parsing": "{label}必须是数字",
    "int_parsing": "{label}必须是整数",
    "int_from_float": "{label}必须是整数",
    "bool_parsing": "{label}必须是 true 或 false",
    "list_type": "{label}必须是列表",
    "string_unicode": "{label}必须是有效的 Unicode 文本",
    "json_type": "{label}必须是 JSON 数据",
    "literal_error": "{label}必须是以下之一：{expected}",
    "greater_than": "{label}必须大于 {gt}",
    "greater_than_equal": "{label}不能小于 {ge}",
    "less_than": "{label}必须小于 {lt}",
    "less_than_equal": "{label}不能大于 {le}",
    "too_short": "{label}的项数太少",
    "too_long": "{label}的项数太多",
}
# Names the messages use for where the error is when no field is named.
_PLACES = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头"}


def _translate(error: dict[str, Any]) -> dict[str, str]:
    raw_location = list(error.get("loc", ()))
    location = [part for part in raw_location if part not in _PLACES and part != "cookie"]
    place = str(raw_location[0]) if raw_location else "body"
    name = ".".join(str(part) for part in location) if location else "body"
    top = str(location[0]) if location else None
    label = FIELD_LABELS.get(top, top) if top is not None else _PLACES.get(place, "请求内容")
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "value_error" and "error" in context:
        message = str(context["error"])
    elif kind == "missing" and top is None:
        message = "缺少请求体：请发送 JSON 对象" if place == "body" else f"缺少{label}"
    elif kind in _PYDANTIC_MESSAGES:
        try:
            message = _PYDANTIC_MESSAGES[kind].format(label=label, name=name, **context)
        except (KeyError, IndexError):
            message = f"{label}的值不符合要求，请核对后重试"
    else:  # pydantic's own text is English: never shown
        message = f"{label}的值不符合要求，请核对后重试"
    return {"field": name, "message": message}


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in raw):
        return problem(request, 400, "请求体不是合法的 JSON", code="malformed_json")
    errors = []
    seen = set()
    for error in raw:
        translated = _translate(error)
        if (translated["field"], translated["message"]) not in seen:
            seen.add((translated["field"], translated["message"]))
            errors.append(translated)
    first = errors[0] if errors else {"field": None, "message": "请求内容不符合要求"}
    return problem(request, 422, first["message"], field=first["field"], errors=errors)


def install(app: FastAPI) -> None:
    """Register the handlers that turn refusals into answers."""

    async def forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return problem(request, 403, exc.message)

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NotFound)
        return problem(request, 404, exc.message)

    async def step_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StepError)
        return problem(request, exc.status_code, exc.message, field=exc.field)

    async def field_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FieldError | IntakeError)
        message = exc.message if isinstance(exc, FieldError) else str(exc)
        return problem(request, 422, message, field=exc.field)

    async def bad_form(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BadForm)
        return problem(request, 400, exc.message, code="malformed_form")

    async def key_reused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IntakeKeyReused)
        return problem(request, 409, exc.message, code="idempotency_key_reused")

    async def unauthorized(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Unauthorized)
        return problem(request, 401, exc.message, headers={"WWW-Authenticate": "Bearer"})

    async def sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequired)
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    async def rate_limited(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RateLimited)
        return problem(
            request,
            429,
            f"登录失败次数过多，请 {exc.retry_after} 秒后再试",
            headers={"Retry-After": str(exc.retry_after)},
        )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        if isinstance(exc, BodyTooLarge):
            message = str(exc.detail)
        elif status == 400 and is_api(request):
            message = "请求体无法解析：请发送 UTF-8 编码的 JSON 对象"
        elif status in _STATUS_MESSAGES:
            message = _STATUS_MESSAGES[status]
        else:
            message = str(exc.detail)
        return problem(request, status, message, headers=getattr(exc, "headers", None))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(request, 500, "服务器内部错误，已记录；请稍后重试", code="internal_error")

    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(StepError, step_error)
    app.add_exception_handler(FieldError, field_error)
    app.add_exception_handler(IntakeError, field_error)
    app.add_exception_handler(IntakeKeyReused, key_reused)
    app.add_exception_handler(BadForm, bad_form)
    app.add_exception_handler(Unauthorized, unauthorized)
    app.add_exception_handler(SignInRequired, sign_in)
    app.add_exception_handler(RateLimited, rate_limited)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)


class BodyLimit:
    """413 for a body over ``MAX_BODY_BYTES``: at once when Content-Length says so, else as
    soon as the streamed body passes the limit (nothing of it is processed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, refusal = body_limit(scope.get("path", ""), scope.get("method", ""))
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > limit
                except ValueError:
                    too_large = False
                if too_large:
                    await self._refuse(scope, receive, send, refusal)
                    return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(refusal)
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refusal: str) -> None:

        request = StarletteRequest(scope, receive)
        response = problem(request, 413, refusal)  # type: ignore[arg-type]
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


class SecurityHeaders:
    """Headers every answer carries; pages are never cached (they hold personal data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                ]
                if not path.startswith("/static/"):
                    extra.append((b"cache-control", b"no-store"))
                # /docs starts Swagger UI with an inline script; everything it loads is ours.
                inline = b"'self' 'unsafe-inline'" if path == "/docs" else b"'self'"
                extra.append(
                    (
                        b"content-security-policy",
                        b"default-src 'self'; script-src "
                        + inline
                        + b"; style-src "
                        + inline
                        + b"; img-src 'self' data:; object-src 'none'; "
                        b"frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
                    )
                )
                headers.extend((name, value) for name, value in extra if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
