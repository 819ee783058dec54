"""Every worker serves the articles saved on the desk: now and then (KB_RELOAD_INTERVAL) it asks the database for
its newest revision, and when there is a new one writes the newest version of each file into its articles folder
and reloads (kb.content.revisions). A worker that saved an article does so at once."""

from __future__ import annotations

import threading
import time

from flask import Flask
from flask import current_app

from kb.content.revisions import publish
from webapp.services import get_kb
from webapp.services import get_store


class ContentSync:
    """The newest revision this worker wrote out, and when it last looked."""

    def __init__(self, interval: float):
        self.interval, self.stamp, self.checked = interval, None, float("-inf")
        self.lock = threading.Lock()

    def check(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.checked < self.interval:
            return
        with self.lock:
            self.checked = time.monotonic()
            store, kb = get_store(), get_kb()
            stamp = store.revisions.stamp()
            if stamp == self.stamp:
                return
            changed = publish(kb.articles_dir, store.revisions.newest()) if stamp else []
            self.stamp = stamp
            if changed:
                kb.refresh(min_interval=0)


def sync_now() -> None:
    """Write out and load what was just saved (the saving worker serves it on the next request)."""
    current_app.extensions["desk_content"].check(force=True)


def init_app(app: Flask, interval: float) -> None:
    app.extensions["desk_content"] = sync = ContentSync(interval)
    app.before_request(lambda: sync.check())
