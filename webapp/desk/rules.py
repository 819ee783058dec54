"""The rules on the desk: try a case against the rules in force (editors and admins).

A try decides the case as a customer's question is decided (kb.service), but is neither searched nor logged."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request

from kb.errors import InvalidInput
from kb.schemas import MAX_QUESTION
from kb.schemas import AskRequest
from webapp import inputs
from webapp.desk import staff
from webapp.i18n import describe
from webapp.i18n import get_lang
from webapp.services import get_kb
from webapp.services import get_service

bp = Blueprint("desk_rules", __name__, url_prefix="/engineer/rules")
staff.protect(bp)
TRY_FIELDS = {"question", "plan", "severity", "onsite_mode", "onsite_staff", "onsite_city", "reported_at"}


@bp.route("/try", methods=("GET", "POST"))
def try_case():
    """Question, plan, severity, onsite contract and time in; the decision card, its trace and the rules that fired."""
    values = request.form if request.method == "POST" else request.args
    decision = view = error = None
    if "question" in values:
        try:
            data = inputs.nested_onsite(inputs.fields(values, TRY_FIELDS, strict=False))
            decision, view = get_service().try_case(inputs.validated(AskRequest, data), get_lang())
        except InvalidInput as exc:
            error = describe(exc)
    return render_template("desk/try.html", form=values, book=get_kb().book, decision=decision, view=view,
                           error=error, max_question=MAX_QUESTION), 400 if error else 200
