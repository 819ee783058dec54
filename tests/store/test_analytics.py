"""The analytics queries on SQLite and PostgreSQL: grouping, the date range and the first response share."""

import datetime as dt

from tests.store.test_tickets import open_ticket

NOW = dt.datetime.now(dt.UTC)
RANGE = (NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=1))


def test_reports_group_what_was_logged_in_the_range(store):
    for _ in range(2):
        store.logs.search("VSFTPD  passive", "en", [], conversation="c" * 16)
    store.logs.search("ssh keys", "en", ["ssh-host-keys-en"], conversation="d" * 16)
    store.logs.decision(question="blorp zzqx", lang="en", plan=None, scope="unknown", software=None, result_ids=[],
                        conversation="e" * 16)
    store.votes.record("ssh-host-keys-en", False, "en", voter="v1")
    store.votes.record("ssh-host-keys-en", True, "en", voter="v2")
    answered = open_ticket(store, plan="S3")
    open_ticket(store)
    store.tickets.reply(answered["number"], "on it", "responded", author="li.wei")
    analytics = store.analytics
    queries = {r["key"]: r for r in analytics.queries(*RANGE)}
    assert queries["vsftpd passive"] == {"key": "vsftpd passive", "count": 2, "searches": 2, "asks": 0, "no_results": 2,
                                         "no_click": 0}
    assert queries["ssh keys"]["no_click"] == 1
    assert analytics.unhelpful(*RANGE) == [{"article_id": "ssh-host-keys-en", "not_helpful": 1, "helpful": 1}]
    assert [(r["question"], r["count"]) for r in analytics.undecided(*RANGE)] == [("blorp zzqx", 1)]
    tickets = analytics.tickets(*RANGE)
    assert sorted((r["value"], r["count"]) for r in tickets["plan"]) == [("S3", 1), ("S4", 1)]
    assert tickets["first_response"] == {"answered": 1, "met": 0}  # the fixture's deadline is in the past
    days = analytics.deflection(*RANGE, window=dt.timedelta(hours=24), zone=dt.UTC)
    assert [(d["visits"], d["potential"]) for d in days] == [(3, 3)]
    later = (NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=2))
    assert analytics.queries(*later) == [] and analytics.tickets(*later)["plan"] == []
