"""What customers miss, for a date range: top searches and questions, no result or no click, unhelpful articles,
undecided questions, deflection over time with its definitions, and tickets by kind; each report as a chart drawn
on the server (SVG, no script, no CDN) with its table beside, and as CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import render_template
from flask import request

from kb.desk import REPORTS
from kb.desk import DateRange
from kb.desk import days
from kb.errors import InvalidInput
from webapp import inputs
from webapp.desk import staff
from webapp.i18n import describe
from webapp.i18n import site_zone
from webapp.services import get_service
from webapp.services import get_store

bp = Blueprint("desk_analytics", __name__, url_prefix="/engineer/analytics")
staff.protect(bp)
LIMIT = 20


def _reports(start: dt.date, end: dt.date) -> dict:
    zone = site_zone()
    since = dt.datetime.combine(start, dt.time(), zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), zone)
    analytics = get_store().analytics
    window = dt.timedelta(hours=current_app.config["KB_SETTINGS"].deflection_hours)
    return {"queries": analytics.queries(since, until, LIMIT), "unhelpful": analytics.unhelpful(since, until, LIMIT),
            "undecided": analytics.undecided(since, until, LIMIT),
            "deflection": analytics.deflection(since, until, window, zone), "tickets": analytics.tickets(since, until)}


def _range() -> tuple[DateRange, dt.date, dt.date]:
    given = inputs.validated(DateRange, inputs.fields(request.args, {"start", "end", "report"}, strict=False))
    start, end = days(given, get_service().clock().astimezone(site_zone()).date())
    return given, start, end


@bp.get("")
def index():
    """Every report for the range, charts and tables."""
    try:
        _given, start, end = _range()
    except InvalidInput as exc:
        today = get_service().clock().astimezone(site_zone()).date()
        return render_template("desk/analytics.html", error=describe(exc), start=today, end=today, reports=None,
                               hours=current_app.config["KB_SETTINGS"].deflection_hours), 400
    return render_template("desk/analytics.html", error=None, start=start, end=end, reports=_reports(start, end),
                           hours=current_app.config["KB_SETTINGS"].deflection_hours)


@bp.get("/report.csv")
def export():
    """One report (`report`, default queries) for the range as CSV."""
    given, start, end = _range()
    name = given.report or REPORTS[0]
    data = _reports(start, end)[name]
    rows = [dict(r, kind=kind) for kind in ("software", "plan", "severity", "scope") for r in data[kind]] \
        if name == "tickets" else data
    out = io.StringIO()
    if rows:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}-{start.isoformat()}-{end.isoformat()}.csv"'})
