import datetime as dt

from sqlalchemy import text

CONVERSATION = "c" * 24
OTHER = "o" * 24


def clicked(store, log_id):
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT clicked_article_id FROM search_logs WHERE id = :id"), {"id": log_id}).scalar_one()


def outcome(store, log_id):
    with store.engine.connect() as connection:
        return connection.execute(text("SELECT outcome, ticket_number FROM ask_logs WHERE id = :id"), {"id": log_id}).one()


def test_a_click_counts_only_for_an_article_the_conversation_was_shown(store):
    first = store.logs.search("ssh timeout", "en", ["ssh-timeout-en"], CONVERSATION)
    assert not store.logs.event(OTHER, "click", article_id="ssh-timeout-en")  # someone else's search
    assert not store.logs.event(CONVERSATION, "click", article_id="never-shown-en")
    assert clicked(store, first) is None
    assert store.logs.event(CONVERSATION, "click", article_id="ssh-timeout-en")
    store.logs.event(CONVERSATION, "click", article_id="ssh-timeout-en")
    assert clicked(store, first) == "ssh-timeout-en"
    assert [e["kind"] for e in store.logs.events(CONVERSATION)] == ["click", "click"]
    assert store.logs.events(OTHER) == []


def test_solved_and_ticket_mark_the_conversations_latest_answer(store):
    older = store.logs.decision(question="q1", lang="en", plan="S2", scope="out", software=None, result_ids=[],
                                conversation=CONVERSATION)
    latest = store.logs.decision(question="q2", lang="en", plan="S2", scope="in", software="ssh", result_ids=["a-en"],
                                 conversation=CONVERSATION)
    assert not store.logs.event(OTHER, "solved")
    assert store.logs.event(CONVERSATION, "solved")
    assert tuple(outcome(store, latest)) == ("deflected", None)
    assert tuple(outcome(store, older)) == (None, None)
    assert store.logs.event(CONVERSATION, "ticket", ticket_number="T20261203-AAAAAA")
    assert tuple(outcome(store, latest)) == ("ticket", "T20261203-AAAAAA")
    assert store.logs.event(CONVERSATION, "need_help")
    assert [e["kind"] for e in store.logs.events(CONVERSATION)] == ["solved", "ticket", "need_help"]


def test_the_decision_log_keeps_what_a_replay_needs(store):
    entry = {"input": {"question": "sshd fails", "plan": "S3", "severity": None, "onsite": None,
                       "reported_at": "2026-12-03T10:00:00+08:00", "lang": "en"},
             "fingerprint": "abc123", "fired": ["scope.catalog_advice"], "decided": {"scope": "in", "channels": ["ticket"]}}
    store.logs.decision(question="sshd fails", lang="en", plan="S3", scope="in", software="ssh", result_ids=[],
                        conversation=CONVERSATION, **entry)
    (logged,) = store.logs.decisions()
    assert {k: logged[k] for k in entry} == entry
    assert logged["conversation"] == CONVERSATION
    assert store.logs.decisions(since=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == []


def test_unanswered_groups_normalised_queries_most_frequent_first(store):
    logs = store.logs
    logs.search("SSH  Timeout", "en", [], "a" * 24)  # no results
    logs.search(" ssh timeout", "en", ["ssh-timeout-en"], "b" * 24)  # results, never clicked
    logs.search("ＳＳＨ timeout", "en", [], "c" * 24)  # full-width letters normalise to the same query
    logs.search("sftp chroot", "en", ["sftp-chroot-en"], "d" * 24)
    logs.event("d" * 24, "click", article_id="sftp-chroot-en")  # answered
    logs.decision(question="vsftpd 被动模式 列表超时", lang="zh", plan="S3", scope="in", software="ftp",
                  result_ids=["ftp-passive-zh"], conversation="e" * 24)
    logs.event("e" * 24, "solved")  # answered
    logs.decision(question="vsftpd 被动模式  列表超时", lang="zh", plan="S3", scope="in", software="ftp",
                  result_ids=["ftp-passive-zh"], conversation="f" * 24)
    logs.event("f" * 24, "ticket", ticket_number="T20261122-AAAAAA")
    logs.decision(question="MySQL 安装", lang="zh", plan=None, scope="out", software=None, result_ids=[])

    rows = logs.unanswered()
    assert [(r["key"], r["count"]) for r in rows] == [("ssh timeout", 3), ("mysql 安装", 1), ("vsftpd 被动模式 列表超时", 1)]
    # Shown as typed (the latest wording, whitespace collapsed), grouped by the normalised key.
    assert [r["query"] for r in rows] == ["ＳＳＨ timeout", "MySQL 安装", "vsftpd 被动模式 列表超时"]
    ssh, mysql, ftp = rows
    assert (ssh["searches"], ssh["asks"], ssh["no_results"], ssh["tickets"]) == (3, 0, 2, 0)
    assert (mysql["searches"], mysql["asks"], mysql["no_results"], mysql["tickets"]) == (0, 1, 1, 0)
    assert (ftp["searches"], ftp["asks"], ftp["no_results"], ftp["tickets"]) == (0, 1, 0, 1)
    assert all(dt.datetime.fromisoformat(r["last_seen"]).utcoffset() == dt.timedelta(0) for r in rows)
    assert logs.unanswered(limit=1) == rows[:1]
