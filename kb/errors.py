"""The exceptions of the core. Each carries the data a caller needs to report it: bad input carries codes and
parameters, never sentences, so every caller words it in its reader's language."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field


@dataclass(frozen=True)
class Problem:
    """One problem found in a file: where it is and what is wrong."""

    path: str
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}"


class KBError(Exception):
    """Base of every error the core raises on purpose."""

    code = "kb_error"


class InvalidFiles(KBError):
    """Raised when rule or article files fail validation; carries every problem found."""

    code = "invalid_files"

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class RuleError(InvalidFiles):
    """Raised by the rule loader when `rules/` does not validate."""

    code = "invalid_rules"


class ArticleError(InvalidFiles):
    """Raised by the article loader when an article does not validate."""

    code = "invalid_article"


class NotFound(KBError):
    """Raised when an article, plan or ticket asked for does not exist."""

    code = "not_found"


class Conflict(KBError):
    """Raised when a request contradicts an earlier one: the same Idempotency-Key with another body."""

    code = "idempotency_mismatch"


class NotReady(KBError):
    """Raised when a part that needs building (the search index) is not there yet."""

    code = "not_ready"


# What each input error code means, in English for logs and the command line; readers get their own language from
# the web layer's catalogue, keyed by the same codes.
REASONS = {
    "required": "must not be empty",
    "too_short": "must be at least {min} characters",
    "too_long": "must be at most {max} characters",
    "not_text": "must be text",
    "control_characters": "must not contain control characters",
    "lone_surrogate": "must be valid Unicode text (it holds a lone surrogate)",
    "invisible_characters": "must not contain invisible or direction-changing characters",
    "not_one_of": "must be one of {choices}",
    "not_integer": "must be a whole number written with the digits 0-9",
    "out_of_range": "must be between {min} and {max}",
    "not_boolean": "must be true or false",
    "not_datetime": "must be an ISO 8601 date and time with its UTC offset",
    "unknown_field": "is not a field of this request",
    "repeated": "is given more than once",
    "not_object": "must be a JSON object",
    "not_list": "must be a list",
    "not_json": "is not valid JSON",
    "too_deep": "is nested too deeply",
    "bad_contact": "must be an email address or a phone number",
    "not_email": "must be an email address",
    "too_many_files": "may hold at most {max} files",
    "empty_file": "{name} is empty",
    "file_too_large": "{name} is larger than {max}",
    "file_type": "{name} is not a PNG, JPEG, GIF or WebP image, a PDF or a UTF-8 text file",
    "stale": "refers to something this conversation did not create",
    "invalid": "is not valid",
    "mismatch": "must be the same as the new password",
    "unchanged": "must differ from the current password",
}


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one input field: a code of REASONS and the values its wording needs."""

    field: str
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        values = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in self.params.items()}
        return f"{self.field}: {REASONS.get(self.code, REASONS['invalid']).format(**values)}"


class InvalidInput(KBError):
    """Raised when a caller's input is out of range; `errors` lists every bad field, `field` is the first."""

    code = "invalid_input"

    def __init__(self, field_name: str | list[FieldError], code: str = "invalid", **params):
        self.errors = list(field_name) if isinstance(field_name, list) else [FieldError(field_name, code, params)]
        self.field = self.errors[0].field
        super().__init__("; ".join(str(e) for e in self.errors))
