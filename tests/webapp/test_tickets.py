"""Opening a ticket and reading it back."""

import io
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from tests.conftest import CJK
from tests.conftest import IN_SCOPE
from tests.conftest import TICKET
from tests.conftest import open_web_ticket
from tests.conftest import sign_in
from tests.conftest import text_of
from tests.store.test_tickets import PNG


def test_opening_a_ticket_shows_number_token_channel_and_deadline(en):
    form = {"plan": "S3", "severity": "degraded", "software": "ssh", "subject": IN_SCOPE,
            "description": "It says: Bad configuration option.", "contact": "ops@example.com"}
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 302
    page = text_of(en.get(response.headers["Location"]))
    assert "Your ticket was created." in page and "Keep the number and the token" in page
    assert 'class="ticket-number"' in page and 'class="ticket-token"' in page
    assert 'class="deadline"><time datetime=' in page
    assert '<details class="trace">' in page


def test_s4_ticket_says_accepted_within(en):
    page = text_of(en.get(open_web_ticket(en, plan="S4")))
    assert "accepted within 120 min" in page


def test_ticket_page_shows_plan_severity_software_description_created_and_status(en):
    page = text_of(en.get(open_web_ticket(en)))
    assert "S3 Business" in page
    assert "Business/system abnormal" in page
    assert '<dd class="software">SSH' in page
    assert "Bad configuration option: PermitRootLogn" in page
    created = re.search(r'<dd class="created"><time datetime="([^"]+)">', page).group(1)
    assert created.endswith("+08:00")
    assert "New: waiting for an engineer" in page


def test_ticket_needs_its_token(app, en):
    form = {"plan": "S4", "subject": "ufw blocks ssh", "description": "locked out", "contact": "me@example.com"}
    location = en.post("/tickets/new", data=form).headers["Location"]
    number = urlsplit(location).path.rsplit("/", 1)[1]
    token = re.search(r'class="ticket-token"><code>([^<]+)<', text_of(en.get(location))).group(1)
    stranger = app.test_client()
    assert stranger.get(f"/tickets/{number}", query_string={"token": "wrong"}).status_code == 404
    assert 'action="/tickets/lookup"' in text_of(stranger.get(f"/tickets/{number}"))  # no token: the lookup form
    response = stranger.post("/tickets/lookup", data={"number": number, "token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{number}"
    response = app.test_client().post("/tickets/lookup", data={"number": number, "token": "nope"})
    assert response.status_code == 404 and 'role="alert"' in text_of(response)


def test_lookup_with_a_wrong_token_says_so_on_the_form(en):
    number = urlsplit(open_web_ticket(en)).path.rsplit("/", 1)[1]
    response = en.get("/tickets/lookup", query_string={"number": number, "token": "nope"})
    assert response.status_code == 404
    page = text_of(response)
    assert "No ticket with that number and access token." in page
    assert f'value="{number}"' in page and 'action="/tickets/lookup"' in page


def test_ticket_without_token_shows_the_lookup_form_with_the_number(app, en):
    number = urlsplit(open_web_ticket(en)).path.rsplit("/", 1)[1]
    stranger = app.test_client()
    stranger.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = stranger.get(f"/tickets/{number}")
    assert response.status_code == 200
    page = text_of(response)
    assert 'action="/tickets/lookup"' in page and f'value="{number}"' in page
    response = stranger.get(f"/tickets/{number}", query_string={"token": "wrong"})
    assert response.status_code == 404 and "No ticket with that number and access token." in text_of(response)


def test_ticket_form_and_lookup_refuse_nul(en):
    form = dict(TICKET, description="NUL \x00 in the description text")
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 400 and "Invalid description: must not contain control characters" in text_of(response)
    response = en.get("/tickets/lookup", query_string={"number": "T1\x00", "token": "x"})
    assert response.status_code == 400 and 'role="alert"' in text_of(response)


@pytest.mark.parametrize(("missing", "zh"), [("contact", "联系方式"), ("plan", "服务计划"), ("description", "问题描述")])
def test_ticket_form_reports_the_missing_field_and_keeps_the_rest(client, missing, zh):
    form = {"plan": "S3", "subject": "sshd down", "description": "sshd is down since noon", "contact": "me@example.com"}
    form.pop(missing)
    response = client.post("/tickets/new", data=form)
    assert response.status_code == 400
    page = text_of(response)
    assert f"输入有误（{zh}）" in page and f'href="#f-{missing}"' in page
    assert 'value="sshd down"' in page


def test_ticket_form_says_how_long_a_description_must_be(en):
    form = {"plan": "S3", "subject": "sshd down", "description": "help", "contact": "me@example.com"}
    page = text_of(en.post("/tickets/new", data=form))
    assert "Invalid description: must be at least 10 characters" in page


def test_description_hint_states_the_minimum(en, client):
    assert "At least 10 characters" in text_of(en.get("/tickets/new"))
    assert "至少 10 个字" in text_of(client.get("/tickets/new"))


def test_ticket_form_reports_every_bad_field_at_once_and_focuses_the_summary(en):
    form = {"plan": "S3", "subject": "ab", "description": "short", "contact": "!!!"}
    response = en.post("/tickets/new", data=form)
    assert response.status_code == 400
    page = text_of(response)
    summary = page[page.index('id="form-error"'):].split("</div>")[0]
    assert "Please fix these 3 problems:" in summary
    for field in ("subject", "description", "contact"):
        assert f'href="#f-{field}"' in summary
        assert re.search(rf'id="f-{field}" name="{field}" aria-invalid="true" aria-describedby="[^"]*error-{field}', page)
    assert re.search(r'<div class="form-error" role="alert" id="form-error" tabindex="-1" autofocus>', page)


@pytest.mark.parametrize("contact", ["!!!", "xyz", "ops@", "123", "call me maybe"])
def test_contact_must_be_an_email_or_a_phone(en, contact):
    page = text_of(en.post("/tickets/new", data=dict(TICKET, contact=contact)))
    assert "Invalid contact: must be an email address (like name@example.com) or a phone number" in page


@pytest.mark.parametrize("contact", ["ops@example.com", "+86 138 0013 8000", "010-12345678", "(021) 6123 4567 ext 89",
                                     "13800138000"])
def test_contact_accepts_emails_and_phone_numbers(en, contact):
    assert en.post("/tickets/new", data=dict(TICKET, contact=contact)).status_code == 302


def test_ticket_trace_follows_the_reader_language(app, client, knowledge):
    location = open_web_ticket(client)  # created with the Chinese UI
    zh_page = text_of(client.get(location))
    en_page = text_of(client.get(location, headers={"Accept-Language": "en"}))
    zh_trace = zh_page[zh_page.index('<details class="trace">'):]
    en_trace = en_page[en_page.index('<details class="trace">'):]
    assert CJK.search(zh_trace.split("<cite")[0])
    english = knowledge.render(knowledge.ask(f"{TICKET['subject']}\n{TICKET['description']}", plan="S3", severity="degraded"),
                               "en").model_dump()["rules"]
    assert english and all(str(r["reason"]) in en_trace.replace("&#39;", "'") for r in english if r["kind"] == "rule")
    reasons = re.findall(r"</code> (.*?) <cite", en_trace)
    assert reasons and not any(CJK.search(r) for r in reasons)


def test_the_token_never_travels_in_an_address_and_ticket_pages_are_not_cached(en):
    location = open_web_ticket(en)
    assert "token" not in location
    response = en.get(location)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = text_of(response)
    token = re.search(r'class="ticket-token"><code>([^<]+)<', page).group(1)
    number = urlsplit(location).path.rsplit("/", 1)[1]
    assert "token=" not in page
    other = en.application.test_client()  # another browser: only the lookup form, until it gives the token
    assert 'action="/tickets/lookup"' in text_of(other.get(f"/tickets/{number}"))
    response = other.post("/tickets/lookup", data={"number": number, "token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{number}"
    assert number in text_of(other.get(f"/tickets/{number}"))


def test_an_old_link_with_the_token_opens_once_and_drops_it(en):
    location = open_web_ticket(en)
    number = urlsplit(location).path.rsplit("/", 1)[1]
    token = re.search(r'class="ticket-token"><code>([^<]+)<', text_of(en.get(location))).group(1)
    other = en.application.test_client()
    response = other.get(f"/tickets/{number}", query_string={"token": token})
    assert response.status_code == 302 and response.headers["Location"] == f"/tickets/{number}"
    assert other.get(response.headers["Location"]).status_code == 200


def test_pressing_submit_twice_files_one_ticket(app, en):
    page = text_of(en.get("/tickets/new"))
    once = re.search(r'name="once" value="([^"]+)"', page).group(1)
    form = {k: v for k, v in dict(TICKET, once=once).items() if k != "lang"}
    first, second = en.post("/tickets/new", data=form), en.post("/tickets/new", data=form)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with app.extensions["store"].engine.connect() as connection:
        from sqlalchemy import text as sql

        assert connection.execute(sql("SELECT count(*) FROM tickets")).scalar_one() == 1


def test_tokens_are_redacted_from_logged_request_lines():
    import logging

    from webapp.redaction import RedactTokens

    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '"%s" %s', ("GET /tickets/T1?token=s3cr3t&x=1 HTTP/1.1",
                                                                                  200), None)
    RedactTokens().filter(record)
    assert "s3cr3t" not in record.getMessage() and "token=[redacted]&x=1" in record.getMessage()


def test_the_customer_marks_the_ticket_solved_and_the_desk_sees_it(app, en):
    location = open_web_ticket(en)
    number = urlsplit(location).path.rsplit("/", 1)[1]
    page = text_of(en.get(location))
    assert "Submit a ticket in the console" not in page and '<dd class="channel">Ticket</dd>' in page
    assert f'action="/tickets/{number}/solve"' in page
    stranger = app.test_client()  # without the token: nothing changes
    assert 'action="/tickets/lookup"' in text_of(stranger.post(f"/tickets/{number}/solve"))
    response = en.post(f"/tickets/{number}/solve")
    assert response.status_code == 302
    page = text_of(en.get(response.headers["Location"]))
    assert "the ticket is marked as solved" in page and '<dd class="status">Resolved</dd>' in page
    assert "/solve" not in page
    staff = app.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(app, staff)
    assert '<dd class="status">Resolved</dd>' in text_of(staff.get(f"/engineer/tickets/{number}"))
    [entry] = app.extensions["store"].audit.entries(target=f"ticket:{number}")
    assert entry["actor"] == "(customer)" and entry["after"] == {"status": "resolved"}


def test_mark_as_solved_reads_in_chinese(client):
    page = text_of(client.get(open_web_ticket(client)))
    assert "标记为已解决" in page and "控制台" not in page


def test_my_requests_lists_this_browsers_tickets_by_their_plain_address(app, en):
    assert "No tickets in this browser yet." in text_of(en.get("/tickets/mine"))
    first = urlsplit(open_web_ticket(en, subject="sshd refuses my key")).path
    second = urlsplit(open_web_ticket(en, subject="vsftpd passive mode times out")).path
    page = text_of(en.get("/tickets/mine"))
    assert page.index(f'href="{second}"') < page.index(f'href="{first}"')  # the newest first
    assert "sshd refuses my key" in page and "New: waiting for an engineer" in page
    assert "token" not in page.replace("access token", "")
    assert 'href="/tickets/mine"' in text_of(en.get(first))
    other = app.test_client()
    other.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert first not in text_of(other.get("/tickets/mine"))  # another browser sees none of them
    assert "我的工单" in text_of(app.test_client().get("/tickets/mine"))


def _with_files(*files):
    """The ticket form with these (name, bytes) files, as a browser sends it (multipart)."""
    return dict({k: v for k, v in TICKET.items() if k != "lang"}, attachments=[(io.BytesIO(d), n) for n, d in files])


def test_attachments_are_filed_and_served_only_to_the_holder_and_staff(app, en):
    response = en.post("/tickets/new", data=_with_files(("screen.png", PNG), ("sshd.log", b"sshd: refused\n")),
                       content_type="multipart/form-data")
    assert response.status_code == 302, text_of(response)[:500]
    location = urlsplit(response.headers["Location"]).path
    page = text_of(en.get(location))
    links = re.findall(r'<a href="(/tickets/[^"]+/attachments/\d+)" download>([^<]+)</a>', page)
    assert [name for _, name in links] == ["screen.png", "sshd.log"]
    served = en.get(links[0][0])
    assert served.status_code == 200 and served.data == PNG and served.mimetype == "image/png"
    disposition = served.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "screen.png" in disposition
    assert served.headers["X-Content-Type-Options"] == "nosniff" and served.headers["Cache-Control"] == "no-store"
    assert en.get(links[1][0]).headers["Content-Type"] == "text/plain; charset=utf-8"
    stranger = app.test_client()
    assert b"sshd: refused" not in stranger.get(links[1][0]).data  # no token in this session: the lookup form
    staff = app.test_client()
    sign_in(app, staff)
    number = location.rsplit("/", 1)[1]
    desk = text_of(staff.get(f"/engineer/tickets/{number}"))
    desk_links = re.findall(r'href="(/engineer/tickets/[^"]+/attachments/\d+)"', desk)
    assert len(desk_links) == 2 and staff.get(desk_links[1]).data == b"sshd: refused\n"
    assert stranger.get(desk_links[1]).status_code in (302, 401, 403)


def test_a_file_whose_content_is_not_an_accepted_type_is_refused_and_nothing_is_filed(app, en):
    response = en.post("/tickets/new", data=_with_files(("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 60)),
                       content_type="multipart/form-data")
    assert response.status_code == 400
    page = text_of(response)
    assert "invoice.pdf is not a PNG, JPEG, GIF or WebP image, a PDF or a UTF-8 text file" in page
    assert 'href="#f-attachments"' in page and "Choose the files again" in page
    assert f'value="{TICKET["subject"]}"' in page  # the rest is kept
    with app.extensions["store"].engine.connect() as connection:
        from sqlalchemy import text as sql

        assert connection.execute(sql("SELECT count(*) FROM tickets")).scalar_one() == 0


def test_attachment_count_and_size_limits_come_from_the_settings(knowledge, tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KB_ATTACHMENTS_MAX": 1, "KB_ATTACHMENT_MAX_BYTES": 2048})
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Up to 1 files of 2 KiB each" in text_of(client.get("/tickets/new"))
    two = client.post("/tickets/new", data=_with_files(("a.log", b"a\n"), ("b.log", b"b\n")), content_type="multipart/form-data")
    assert two.status_code == 400 and "may hold at most 1 files" in text_of(two)
    big = client.post("/tickets/new", data=_with_files(("big.log", b"x" * 2049)), content_type="multipart/form-data")
    assert big.status_code == 400 and "big.log is larger than 2 KiB" in text_of(big)
    assert client.post("/tickets/new", data=_with_files(("ok.log", b"x" * 2048)),
                       content_type="multipart/form-data").status_code == 302
    app.extensions["store"].close()


def _mailing_app(knowledge, tmp_path, url):
    from webapp import create_app

    return create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                       "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                       "KB_SMTP_URL": url, "KB_MAIL_FROM": "help@example.com", "SERVER_NAME": "help.example.com"})


def test_filing_mails_the_link_and_a_staff_reply_mails_a_notice(knowledge, tmp_path, smtp_sink):
    url, inbox = smtp_sink
    app = _mailing_app(knowledge, tmp_path, url)
    client = app.test_client()  # the Chinese UI: the mail is in the ticket's language
    location = urlsplit(open_web_ticket(client, contact="ops@example.cn")).path
    number = location.rsplit("/", 1)[1]
    token = re.search(r'class="ticket-token"><code>([^<]+)<', text_of(client.get(location))).group(1)
    [(rcpt, filed)] = inbox.messages
    assert rcpt == ["ops@example.cn"] and number in filed["Subject"] and "工单" in filed["Subject"]
    assert f"http://help.example.com/tickets/{number}#t={token}" in filed.get_content()
    open_web_ticket(client, contact="+86 138 0013 8000")  # a phone number: no mail
    assert len(inbox.messages) == 1
    staff = app.test_client()
    sign_in(app, staff)
    staff.post(f"/engineer/tickets/{number}/reply", data={"reply": "请检查第 142 行。", "status": "waiting"})
    [_, (_, notice)] = inbox.messages
    assert number in notice["Subject"] and "请检查第 142 行。" in notice.get_content()
    assert token not in notice.get_content() and f"http://help.example.com/tickets/{number}" in notice.get_content()
    app.extensions["store"].close()


def test_a_mail_server_that_is_down_never_fails_the_ticket(knowledge, tmp_path, caplog):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = _mailing_app(knowledge, tmp_path, f"smtp://127.0.0.1:{port}")
    client = app.test_client()
    location = open_web_ticket(client, contact="ops@example.cn")
    assert client.get(location).status_code == 200
    assert "not sent: ConnectionRefusedError" in caplog.text
    app.extensions["store"].close()


def test_an_empty_file_field_is_no_file(en):
    def form(subject):
        return dict(_with_files(), subject=subject, attachments=(io.BytesIO(b""), ""))  # a browser's "no file chosen"

    response = en.post("/tickets/new", data=form("ab"), content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose the files again" not in text_of(response)
    assert en.post("/tickets/new", data=form("sshd down"), content_type="multipart/form-data").status_code == 302


NEUTRAL = "If tickets were filed with this address, we sent their links to it."


def test_my_requests_mails_the_links_to_all_the_tickets_of_an_address(knowledge, tmp_path, smtp_sink):
    url, inbox = smtp_sink
    app = _mailing_app(knowledge, tmp_path, url)
    filer = app.test_client()
    filer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    first = urlsplit(open_web_ticket(filer, contact="Ops@Example.com", subject="sshd refuses my key")).path
    second = urlsplit(open_web_ticket(filer, contact="ops@example.com", subject="vsftpd passive mode times out")).path
    open_web_ticket(filer, contact="someone@example.com", subject="nginx returns 502")
    del inbox.messages[:]
    client = app.test_client()  # another browser, in English: it holds none of the tickets
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = text_of(client.get("/tickets/mine"))
    assert "Send me links to all my requests" in page and 'action="/tickets/mine/links"' in page
    sent = client.post("/tickets/mine/links", data={"contact": "OPS@example.com"})
    assert sent.status_code == 302
    assert NEUTRAL in text_of(client.get(sent.headers["Location"]))
    [(rcpt, mail)] = inbox.messages
    body = mail.get_content()
    assert rcpt == ["OPS@example.com"] and mail["Subject"] == "Links to your tickets"
    assert "sshd refuses my key" in body and "vsftpd passive mode times out" in body and "nginx" not in body
    links = re.findall(r"http://help\.example\.com(/tickets/T[0-9A-Z-]+)#t=([A-Za-z0-9_-]+)", body)
    assert [path for path, _ in links] == [second, first]  # newest first
    for path, token in links:  # each link opens its ticket, as the ticket-link script does with the fragment
        opened = client.post("/tickets/lookup", data={"number": path.rsplit("/", 1)[1], "token": token})
        assert opened.status_code == 302 and client.get(path).status_code == 200
    assert second in text_of(client.get("/tickets/mine"))
    assert filer.get(first).status_code == 200  # the filing browser's token still works
    two = app.test_client()  # an address the form takes that would be two recipients: no mail, no new token
    two.environ_base["REMOTE_ADDR"] = "127.0.0.3"
    open_web_ticket(two, contact="a,b@example.com")
    assert two.post("/tickets/mine/links", data={"contact": "a,b@example.com"}).status_code == 302
    assert len(inbox.messages) == 1
    with app.extensions["store"].engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket_links")).scalar_one() == 2
    app.extensions["store"].close()


def test_my_requests_by_mail_answers_an_unknown_address_alike_and_refuses_bad_input(knowledge, tmp_path, smtp_sink):
    url, inbox = smtp_sink
    app = _mailing_app(knowledge, tmp_path, url)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sent = client.post("/tickets/mine/links", data={"contact": "nobody@example.com"})
    assert sent.status_code == 302 and NEUTRAL in text_of(client.get(sent.headers["Location"]))
    assert inbox.messages == []
    for bad in ("+86 138 0013 8000", "", "x" * 201 + "@example.com"):
        refused = client.post("/tickets/mine/links", data={"contact": bad})
        assert refused.status_code == 400 and "Please fix this" in text_of(refused) and NEUTRAL not in text_of(refused)
    refused = text_of(client.post("/tickets/mine/links", data={"contact": "ops at example"}))
    assert "must be an email address (like name@example.com)" in refused and 'value="ops at example"' in refused
    zh = app.test_client()  # another client: this one has spent the ticket budget
    zh.environ_base["REMOTE_ADDR"] = "127.0.0.2"
    assert "必须是电子邮件地址" in text_of(zh.post("/tickets/mine/links", data={"contact": "ops"}))
    assert inbox.messages == []
    app.extensions["store"].close()


def test_my_requests_by_mail_is_off_without_a_mail_server(app, en):
    page = text_of(en.get("/tickets/mine"))
    assert "This site sends no mail" in page and "/tickets/mine/links" not in page
    assert en.post("/tickets/mine/links", data={"contact": "ops@example.com"}).status_code == 404


def test_my_requests_by_mail_spends_the_ticket_budget(knowledge, tmp_path, smtp_sink):
    from webapp import create_app

    url, inbox = smtp_sink
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KB_SMTP_URL": url, "KB_LIMIT_TICKETS": "2/minute"})
    client = app.test_client()
    open_web_ticket(client, contact="ops@example.com")
    statuses = [client.post("/tickets/mine/links", data={"contact": "ops@example.com"}).status_code for _ in range(2)]
    assert statuses == [302, 429]
    [_, (_, links)] = inbox.messages  # the filing mail and one list of links, in the ticket's language
    assert links["Subject"] == "您的工单链接" and "请妥善保管" in links.get_content()
    assert client.get("/tickets/mine").status_code == 200
    app.extensions["store"].close()
