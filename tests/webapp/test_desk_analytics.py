"""The analytics page draws its charts and tables from the logged data; CSV and the date range."""

import csv
import datetime as dt
import io

from tests.conftest import IN_SCOPE
from tests.conftest import open_web_ticket
from tests.conftest import sign_in
from tests.conftest import text_of

TODAY = dt.datetime.now(dt.UTC).date()  # the logs are stamped with the real time, the site's clock is stopped
RANGE = {"start": (TODAY - dt.timedelta(days=3)).isoformat(), "end": (TODAY + dt.timedelta(days=1)).isoformat()}


def _logged(app, en):
    """A day of customers: searches found and not, a solved answer, a question no rule decides, a ticket, votes."""
    for _ in range(3):
        en.get("/search", query_string={"q": "zzqqxxv"})
    en.get("/search", query_string={"q": "sshd_config"})
    other = app.test_client()
    other.get("/assistant", query_string={"question": IN_SCOPE, "plan": "S3"})
    other.post("/assistant/solved")
    en.get("/assistant", query_string={"question": "zzqx blorp"})
    open_web_ticket(en)
    for _ in range(2):
        assert app.test_client().post("/articles/ssh-host-keys-en/vote", data={"helpful": "no"}).status_code == 302


def test_the_page_draws_every_report_from_the_logs_with_its_definitions(app, en):
    _logged(app, en)
    staff = app.test_client()
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    sign_in(app, staff, "editor")
    page = text_of(staff.get("/engineer/analytics", query_string=RANGE))
    assert page.count('<svg class="chart" role="img"') >= 8  # a chart beside each table
    top = page[page.index('id="queries-title"'):page.index('id="unhelpful-title"')]
    assert "<title>zzqqxxv: 3</title>" in top and '<th scope="row">zzqqxxv</th><td>3</td><td>3</td><td>0</td><td>3</td>' in top
    unhelpful = page[page.index('id="unhelpful-title"'):page.index('id="undecided-title"')]
    assert "ssh-host-keys-en</a></th><td>2</td><td>0</td>" in unhelpful
    assert '<th scope="row">zzqx blorp</th><td>1</td>' in page
    assert "the windowed definition ServiceNow uses" in page and "as Zendesk records them" in page
    deflection = page[page.index('id="deflection-title"'):page.index('id="tickets-title"')]
    day = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date().isoformat()
    # three visits (two conversations of the en browser count as one: its searches, question and ticket), one
    # solved with no ticket: not deflected 1, potential 1, confirmed 1
    row = deflection[deflection.index(f'<th scope="row">{day}</th>'):].split("</tr>")[0]
    assert row.endswith("<td>2</td><td>1</td><td>1</td><td>1</td><td>1</td><td>0</td>"), row
    assert "No ticket was answered in this range." in page


def test_csv_of_a_report_and_a_bad_range(app, en):
    _logged(app, en)
    staff = app.test_client()
    sign_in(app, staff)
    response = staff.get("/engineer/analytics/report.csv", query_string=dict(RANGE, report="queries"))
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == {"key": "zzqqxxv", "count": "3", "searches": "3", "asks": "0", "no_results": "3", "no_click": "0"}
    tickets = list(csv.DictReader(io.StringIO(staff.get("/engineer/analytics/report.csv", query_string=dict(
        RANGE, report="tickets")).get_data(as_text=True))))
    assert {"value": "S3", "count": "1", "kind": "plan"} in tickets
    assert staff.get("/engineer/analytics", query_string={"start": "2026-12-31", "end": "2026-01-01"}).status_code == 400
    assert staff.get("/engineer/analytics", query_string={"start": "2020-01-01", "end": "2026-01-01"}).status_code == 400
    assert staff.get("/engineer/analytics/report.csv", query_string={"report": "secrets"}).status_code == 400
