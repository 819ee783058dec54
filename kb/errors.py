"""The exceptions of the core. Each carries the data a caller needs to report it."""

from __future__ import annotations

from dataclasses import dataclass


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


class InvalidInput(KBError):
    """Raised when a caller's input is out of range (a field, a length, a choice)."""

    code = "invalid_input"

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(f"{field}: {message}")
