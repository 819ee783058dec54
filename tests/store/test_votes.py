from sqlalchemy import text


def test_votes_are_counted_per_article(store):
    votes = store.votes
    assert votes.counts("ssh-publickey-denied-en") == {"helpful": 0, "not_helpful": 0}
    for helpful in (True, True, False):
        votes.record("ssh-publickey-denied-en", helpful, "en")
    votes.record("sftp-chroot-zh", False, "zh")
    assert votes.counts("ssh-publickey-denied-en") == {"helpful": 2, "not_helpful": 1}
    assert votes.counts("sftp-chroot-zh") == {"helpful": 0, "not_helpful": 1}


def test_one_vote_per_voter_and_article_the_last_one_counts(store):
    votes = store.votes
    for helpful in (True, True, False):
        votes.record("ssh-timeout-en", helpful, "en", voter="session-a")
    votes.record("ssh-timeout-en", True, "en", voter="session-b")
    votes.record("ssh-timeout-zh", True, "zh", voter="session-a")
    assert votes.counts("ssh-timeout-en") == {"helpful": 1, "not_helpful": 1}
    assert votes.of("ssh-timeout-en", "session-a") is False
    assert votes.of("ssh-timeout-en", "session-c") is None
    assert votes.of("ssh-timeout-zh", "session-a") is True
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM votes WHERE voter = 'session-a'")).scalar_one() == 2

