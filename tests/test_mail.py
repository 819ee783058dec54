"""kb.mail against a real SMTP server (aiosmtpd on a free port): what it sends, and that a failure is only logged."""

import logging
import socket

import pytest

from kb.mail import Mailer
from kb.mail import check_url
from kb.mail import is_address


def test_a_message_arrives_as_plain_utf8_text(smtp_sink):
    url, inbox = smtp_sink
    assert Mailer(url, "help@example.com").send("ops@example.cn", "工单 T1", "您好\nhttps://x/t#t=abc", about="test")
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["ops@example.cn"] and message["From"] == "help@example.com" and message["Subject"] == "工单 T1"
    assert message["Message-ID"].endswith("@example.com>") and message["Date"]
    assert message.get_content_type() == "text/plain" and message.get_content().replace("\r\n", "\n").strip() == "您好\nhttps://x/t#t=abc"


def test_a_server_that_is_not_there_is_logged_not_raised(caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe is closed
    with caplog.at_level(logging.WARNING, logger="kb.mail"):
        assert not Mailer(f"smtp://127.0.0.1:{port}", "help@example.com", timeout=2).send(
            "ops@example.cn", "s", "secret body", about="filed T1")
    assert "mail filed T1 to the contact not sent" in caplog.text and "secret body" not in caplog.text


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://host:port", "mail.example.com"])
def test_a_mistyped_server_is_refused_at_start(url):
    with pytest.raises(ValueError):
        check_url(url)


def test_only_one_plain_email_address_gets_mail():
    assert is_address("ops@example.cn") and is_address("first.last+tag@sub.example.com")
    assert not any(map(is_address, ["+86 138 0013 8000", "a,b@example.cn", "a<b>@example.cn", "用户@例子.中国"]))


def test_the_settings_check_the_server_and_keep_its_password_out_of_their_repr():
    from kb.settings import Settings

    settings = Settings(smtp_url="smtp://mailer:s3cret@127.0.0.1:8025")
    assert settings.smtp_url.get_secret_value().endswith("@127.0.0.1:8025") and "s3cret" not in repr(settings)
    assert Settings(smtp_url="").smtp_url is None
    with pytest.raises(ValueError):
        Settings(smtp_url="http://127.0.0.1:8025")
