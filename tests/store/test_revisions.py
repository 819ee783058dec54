"""Article revisions in the store: versions with their authors, the file kept as the first version, and a conflict
(with the diff) when two saves start from the same version."""

import pytest

from kb.store.revisions import EditConflict

PATH = "widget/widget-start.en.md"
FILE = "---\nid: x\n---\n## Fix\n\nRun it.\n"


def test_the_first_save_keeps_the_file_as_version_one_and_each_save_counts_on(store):
    saved = store.revisions.save(PATH, FILE.replace("Run it.", "Run it twice."), author="li.wei", base=None, baseline=FILE)
    assert saved["version"] == 2
    again = store.revisions.save(PATH, FILE, author="wang.fang", base=2, note="restored version 1")
    assert [(r["version"], r["author"]) for r in store.revisions.history(PATH)] == [(3, "wang.fang"), (2, "li.wei"),
                                                                                      (1, "files")]
    assert store.revisions.get(PATH, 1)["text"] == FILE and store.revisions.newest()[PATH]["id"] == again["id"]
    assert store.revisions.stamp() == again["id"]
    assert [e["action"] for e in store.audit.entries(target=f"article:{PATH}")] == ["article.save", "article.save"]


def test_a_save_from_an_older_version_is_a_conflict_with_what_changed(store):
    store.revisions.save(PATH, FILE.replace("Run it.", "Run it twice."), author="li.wei", base=None, baseline=FILE)
    with pytest.raises(EditConflict) as conflict:
        store.revisions.save(PATH, FILE.replace("Run it.", "Run it once."), author="wang.fang", base=None, baseline=FILE)
    assert conflict.value.current["author"] == "li.wei" and "+Run it twice." in conflict.value.diff
    store.revisions.save(PATH, FILE.replace("Run it.", "Run it thrice."), author="li.wei", base=2)
    with pytest.raises(EditConflict) as conflict:
        store.revisions.save(PATH, FILE, author="wang.fang", base=2)
    assert "-Run it twice." in conflict.value.diff and "+Run it thrice." in conflict.value.diff
    assert len(store.revisions.history(PATH)) == 3
