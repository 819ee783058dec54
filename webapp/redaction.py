"""Keep secrets out of the logs: a ticket's access token in a logged URL (an old link, a mistyped API call) is
replaced before any handler writes the line."""

from __future__ import annotations

import logging
import re

SECRET_PARAMETER = re.compile(r"((?:^|[?&\s])(?:token|csrf_token)=)[^&\s\"']+", re.I)


class RedactTokens(logging.Filter):
    """Rewrites a record's message with every token=… value replaced by [redacted]."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = SECRET_PARAMETER.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install() -> None:
    """Redact the request lines of Werkzeug's and gunicorn's access logs (once per process)."""
    for name in ("werkzeug", "gunicorn.access"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
