"""Script payloads wherever a page shows what someone typed: in every page's parameters, in a ticket a customer files
and staff read, in the searches the engineers' report lists. No payload may come back as markup, in either
language; the site's CSP is the second line, this is the first."""

from html.parser import HTMLParser

import pytest
from markupsafe import escape

from tests.conftest import TICKET
from tests.conftest import open_web_ticket
from tests.conftest import sign_in
from tests.conftest import text_of

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "javascript:alert(1)",
    "登录失败<iframe src=//evil.example>",
]


class Markup(HTMLParser):
    """What a browser would run or load from a page: handler attributes, javascript: links, frames, inline script."""

    def __init__(self, body: str):
        super().__init__()
        self.found: list[str] = []
        self.in_script = False
        self.feed(body)

    def handle_starttag(self, tag, attrs):
        self.in_script = tag == "script"
        if tag in {"iframe", "svg"} or tag == "img" and dict(attrs).get("src") == "x":
            self.found.append(tag)
        for name, value in attrs:
            link = name in {"href", "src", "action", "formaction"} and (value or "").strip().lower()
            if name.startswith("on") or link and link.startswith("javascript:"):
                self.found.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and "alert" in data:
            self.found.append(f"script {data[:40]}")


def injected(body: str) -> list[str]:
    return Markup(body).found


# Every GET page and the parameters it reads; <p> in a path is the payload.
PAGES = [
    ("/", {}),
    ("/search", {"q": "<p>", "software": "<p>", "category": "<p>"}),
    ("/assistant", {"question": "<p>", "plan": "<p>", "severity": "<p>", "software": "<p>", "os": "<p>",
                    "version": "<p>", "onsite_mode": "<p>", "onsite_city": "<p>"}),
    ("/assistant", {"question": "<p>", "plan": "S3"}),
    ("/tickets/new", {"subject": "<p>", "description": "<p>", "plan": "<p>", "software": "<p>", "severity": "<p>"}),
    ("/tickets/lookup", {"number": "<p>", "token": "<p>"}),
    ("/tickets/<p>", {}),
    ("/articles/<p>", {}),
    ("/go/<p>", {"q": "<p>"}),
    ("/lang/<p>", {"next": "<p>"}),
    ("/engineer/login", {"next": "<p>"}),
    ("/widget", {"origin": "<p>", "plan": "<p>", "lang": "<p>"}),
    ("/widget/demo", {}),
    ("/api/v1/search", {"q": "<p>"}),
    ("/api/v1/articles/<p>", {}),
    ("/api/v1/tickets/<p>", {"token": "<p>"}),
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("payload", PAYLOADS)
def test_no_page_echoes_a_payload_as_markup(client, lang, payload):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    for path, params in PAGES:
        response = client.get(path.replace("<p>", payload.replace("/", "%2F")),
                              query_string={name: payload if value == "<p>" else value for name, value in params.items()})
        body = text_of(response)
        assert response.status_code < 500, (path, body[:500])
        if response.is_json:
            continue  # JSON is data: a script needs an HTML page to run, and the API answers application/json only
        assert not injected(body), (path, injected(body))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_ticket_and_the_staff_pages_show_a_payload_as_text(app, client, payload):
    location = open_web_ticket(client, subject=f"{TICKET['subject']} {payload}",
                               description=f"{TICKET['description']} {payload}")
    client.get("/search", query_string={"q": f"zzqx {payload}"})  # an unanswered search for the engineers' report
    client.get("/assistant", query_string={"question": f"zzqx {payload}"})
    sign_in(app, client)
    for path in (location, "/engineer/unanswered", "/engineer/problems"):
        response = client.get(path)
        body = text_of(response)
        assert response.status_code == 200, (path, body[:500])
        assert not injected(body), (path, injected(body))
    assert str(escape(payload)) in text_of(client.get(location))  # the payload is there, as text
