"""The one boundary where errors become responses: JSON under /api, an HTML page everywhere else."""

from __future__ import annotations

from flask import Flask
from flask import jsonify
from flask import make_response
from flask import render_template
from flask import request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from kb.errors import InvalidInput
from kb.errors import KBError
from kb.errors import NotFound
from webapp.i18n import describe
from webapp.i18n import error_message
from webapp.inputs import clean

KB_STATUS = {InvalidInput: 400, NotFound: 404}
HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
              415: "unsupported_media_type", 500: "server_error"}


def status_of(exc: KBError) -> int:
    """The HTTP status for a core error: its own `status` if it has one, else by class, else 500."""
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return status
    return next((s for cls, s in KB_STATUS.items() if isinstance(exc, cls)), 500)


MAX_DETAIL = 200


def error_response(status: int, code: str, field: str | None = None, detail: str = "", headers=None, exc=None):
    """Render one error as JSON (API paths) or as the error page; `exc` (bad input) may name several fields."""
    items = describe(exc)["items"] if isinstance(exc, InvalidInput) else []
    message = items[0]["message"] if items else error_message(code, field, detail)
    # The core's message may quote the input: never echo it at length, or with characters JSON cannot carry.
    detail = clean(detail, MAX_DETAIL)
    if request.path.startswith("/api/"):
        body = {"code": code, "message": message}
        if field:
            body["field"] = field
        if detail:
            body["detail"] = detail
        if len(items) > 1:
            body["errors"] = items
        response = jsonify(error=body)
    else:
        response = make_response(render_template("errors/error.html", status=status, message=message,
                                                 messages=[i["message"] for i in items[1:]]))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def handle_kb_error(exc: KBError):
    """A core error, with its status and (for bad input) the field."""
    return error_response(status_of(exc), exc.code, getattr(exc, "field", None), str(exc), exc=exc)


def handle_http_error(exc: HTTPException):
    """404, 405, 413, 415, 500 and the rest, in the same shape as core errors."""
    status = exc.code or 500
    code = HTTP_CODES.get(status, "bad_request" if status < 500 else "server_error")
    if isinstance(exc, CSRFError):
        code = "csrf_failed"
    headers = {"Allow": ", ".join(sorted(exc.valid_methods))} if getattr(exc, "valid_methods", None) else None
    return error_response(status, code, headers=headers)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(KBError, handle_kb_error)
    app.register_error_handler(HTTPException, handle_http_error)
