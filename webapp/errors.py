"""The one boundary where errors become responses: JSON under /api, an HTML page everywhere else."""

from __future__ import annotations

from flask import Flask
from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kb.attachments import size_text
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.errors import KBError
from kb.errors import NotFound
from kb.errors import NotReady
from webapp.i18n import ERROR_PAGES
from webapp.i18n import describe

KB_STATUS = {InvalidInput: 400, NotFound: 404, Conflict: 422, NotReady: 503}
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
              413: "payload_too_large", 415: "unsupported_media_type", 429: "too_many_requests", 500: "server_error"}
RETRY_AFTER = "30"  # seconds: long enough for `kb index` on the shipped library


def status_of(exc: KBError) -> int:
    """The HTTP status for a core error, by class; anything else is the server's fault."""
    return next((s for cls, s in KB_STATUS.items() if isinstance(exc, cls)), 500)


def error_response(status: int, code: str, exc: InvalidInput | None = None, headers=None, params: dict | None = None):
    """Render one error as JSON (API paths) or as the error page; bad input names every bad field."""
    items = describe(exc)["items"] if exc is not None else []
    message = items[0]["message"] if items else str(ERROR_PAGES.get(code, ERROR_PAGES["bad_request"]))
    if params and not items:
        message %= params
    if request.path.startswith("/api/"):
        body = {"code": code, "message": message}
        if exc is not None:
            body["field"] = exc.field
            body["errors"] = [{"field": e.field, "code": e.code, "params": e.params, "message": item["message"]}
                              for e, item in zip(exc.errors, items, strict=True)]
        response = jsonify(error=body)
    else:
        response = make_response(render_template("errors/error.html", status=status, message=message,
                                                 messages=[i["message"] for i in items[1:]]))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_kb_error(exc: KBError):
    """A core error, with its status; bad input with its fields."""
    status = status_of(exc)
    headers = {"Retry-After": RETRY_AFTER} if status == 503 else None
    return error_response(status, exc.code, exc if isinstance(exc, InvalidInput) else None, headers)


def handle_http_error(exc: HTTPException):
    """404, 405, 413, 415, 500 and the rest, in the same shape as core errors."""
    status = exc.code or 500
    code = HTTP_CODES.get(status, "bad_request" if status < 500 else "server_error")
    if isinstance(exc, CSRFError):
        code = "csrf_failed"
    headers = {"Allow": ", ".join(sorted(exc.valid_methods))} if getattr(exc, "valid_methods", None) else None
    return error_response(status, code, headers=headers, params={"size": _too_large_limit()} if status == 413 else None)


def _too_large_limit() -> str:
    """The limit the request passed: the whole body's (the ticket form's is larger, for its files) or one field's."""
    whole = request.max_content_length
    over = whole is not None and request.content_length is not None and request.content_length > whole
    return size_text(whole if over else request.max_form_memory_size or whole or 0)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(KBError, handle_kb_error)
    app.register_error_handler(HTTPException, handle_http_error)
