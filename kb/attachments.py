"""Files a customer attaches to a ticket (screenshots, logs), checked on their content: the name and the type the
browser claims are not believed, so a page or a program never passes for a picture. puremagic knows the signatures
of the images and PDF; anything else passes only as UTF-8 text without control characters (a log)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import puremagic

from kb.errors import FieldError
from kb.errors import InvalidInput

FIELD = "attachments"
TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")
TEXT = "text/plain; charset=utf-8"
NAME_MAX = 120
_TEXT_CONTROLS = "\t\n\r\f"


@dataclass(frozen=True)
class Attachment:
    """A checked file: a safe name to offer it under, its type (from its content) and its bytes."""

    name: str
    media_type: str
    data: bytes


def media_type(data: bytes) -> str | None:
    """The file's type from its bytes, one of TYPES or TEXT; None for anything else."""
    try:
        found = puremagic.from_string(data, mime=True)
    except puremagic.PureError:
        found = None
    if found in TYPES:
        return found
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(unicodedata.category(c) == "Cc" and c not in _TEXT_CONTROLS for c in text):
        return None
    return TEXT


def safe_name(name: str) -> str:
    """The file's own name without folders, control or invisible characters, at most NAME_MAX characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    return base[-NAME_MAX:] or "attachment"


def size_text(size: int) -> str:
    """A limit in bytes as people read it: 5 MiB, 512 KiB."""
    return f"{size / 2**20:.3g} MiB" if size >= 2**20 else f"{size / 1024:.3g} KiB"


def checked(files: list[tuple[str, bytes]], *, max_count: int, max_bytes: int) -> list[Attachment]:
    """The files as Attachments, or InvalidInput naming every file too large, empty or of a type not accepted."""
    if len(files) > max_count:
        raise InvalidInput(FIELD, "too_many_files", max=max_count)
    errors, found = [], []
    for name, data in files:
        name = safe_name(name)
        kind = media_type(data) if data else None
        if not data:
            errors.append(FieldError(FIELD, "empty_file", {"name": name}))
        elif len(data) > max_bytes:
            errors.append(FieldError(FIELD, "file_too_large", {"name": name, "max": size_text(max_bytes)}))
        elif kind is None:
            errors.append(FieldError(FIELD, "file_type", {"name": name}))
        else:
            found.append(Attachment(name, kind, data))
    if errors:
        raise InvalidInput(errors)
    return found
