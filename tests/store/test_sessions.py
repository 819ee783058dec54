"""Browser sessions kept on the server."""

import datetime as dt


def test_sessions_expire_and_end(store):
    sessions = store.sessions
    sessions.save("a" * 43, {"conversation": "c"}, dt.timedelta(hours=1))
    data, expires = sessions.load("a" * 43)
    assert data == {"conversation": "c"} and expires > dt.datetime.now(dt.UTC)
    sessions.save("b" * 43, {"x": 1}, dt.timedelta(seconds=-1))  # already expired
    assert sessions.load("b" * 43) is None and sessions.purge() == 1
    sessions.end("a" * 43)
    assert sessions.load("a" * 43) is None
