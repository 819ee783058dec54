"""What content is being served, as one short digest of the files themselves: a reload decides on it (a valid edit
copied in with an older modification time, by `cp -p`, `git checkout` or rsync, is still seen), and the health
endpoint and the engineers' problems page show it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def files_fingerprint(*folders: Path) -> str:
    """A digest of every file's path and content under `folders` (16 hex digits)."""
    digest = hashlib.sha256()
    for folder in folders:
        for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
        digest.update(b"\1")
    return digest.hexdigest()[:16]
