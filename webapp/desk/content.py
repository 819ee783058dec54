"""Every worker serves the articles and rules saved on the desk: now and then (KB_RELOAD_INTERVAL) it asks the
database for its newest revisions, and when there is a new one writes the newest version of each file into its
articles or rules folder and reloads (kb.content.revisions, kb.drafts). A worker that saved does so at once.

The worker that wrote a changed file (on a host, the first to see the revision) then builds the search index again
in the background: only the changed article's passages are embedded (the others' vectors are reused) and the
keyword index takes a second or two, so search finds the saved text within seconds; every worker on the host
switches to the new build by itself."""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask
from flask import current_app

from kb.content.revisions import publish
from kb.drafts import write_rules
from webapp.services import get_kb
from webapp.services import get_store

log = logging.getLogger(__name__)


class ContentSync:
    """The newest article and rule revisions this worker wrote out, when it last looked, and its index build under way."""

    def __init__(self, interval: float):
        self.interval, self.stamp, self.rules, self.checked = interval, None, None, float("-inf")
        self.lock = threading.Lock()
        self.build: threading.Thread | None = None
        self.again = False

    def check(self, force: bool = False) -> None:
        if not force and time.monotonic() - self.checked < self.interval:
            return
        with self.lock:
            self.checked = time.monotonic()
            store, kb = get_store(), get_kb()
            stamp, rules = store.revisions.stamp(), store.rule_revisions.stamp()
            if (stamp, rules) == (self.stamp, self.rules):
                return
            changed = publish(kb.articles_dir, store.revisions.newest()) if stamp and stamp != self.stamp else []
            ruled = write_rules(kb.rules_dir, store.rule_revisions.state()) if rules and rules != self.rules else []
            self.stamp, self.rules = stamp, rules
            if changed or ruled:
                kb.refresh(min_interval=0)
            if changed:
                self._index(kb)

    def _index(self, kb) -> None:
        """Build the index in the background; a change during a build makes one more build after it."""
        if self.build is not None and self.build.is_alive():
            self.again = True
            return

        def run():
            while True:
                self.again = False
                try:
                    kb.build_index()
                except Exception:  # the last good build keeps serving; the problems page shows the index state
                    log.exception("the search index was not rebuilt after an article was saved")
                if not self.again:
                    return

        self.build = threading.Thread(target=run, name="kb-index-after-save", daemon=True)
        self.build.start()

    def wait(self, timeout: float = 60) -> None:
        """Wait for the index build under way, if any (tests; a worker shutting down)."""
        if self.build is not None:
            self.build.join(timeout)


def sync_now() -> None:
    """Write out and load what was just saved (the saving worker serves it on the next request)."""
    current_app.extensions["desk_content"].check(force=True)


def init_app(app: Flask, interval: float) -> None:
    app.extensions["desk_content"] = sync = ContentSync(interval)
    app.before_request(lambda: sync.check())
