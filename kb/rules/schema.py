"""JSON Schemas of the rule files, one per `kind:`; the loader validates every file against its kind."""

from __future__ import annotations

import datetime

from jsonschema import Draft202012Validator
from jsonschema import validators

TEXT = {"type": "object", "required": ["zh", "en"], "properties": {"zh": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}, "additionalProperties": False}
SOURCE = {"type": "string", "minLength": 3}
ID = {"type": "string", "pattern": "^[A-Za-z0-9_.\\-]+$"}
IDS = {"type": "array", "items": ID}
TERMS = {"type": "array", "items": {"type": ["string", "number"]}}
FEATURE = {"type": "object", "required": ["offered", "source"], "properties": {"offered": {"enum": [True, False, "paid"]}, "text": TEXT, "source": SOURCE}, "additionalProperties": False}
MINUTES = {"type": "integer", "minimum": 0}
FEATURES = ("dedicated_tam", "business_promotion", "architecture_support", "expert_escort", "customer_case")
# How the engine answers a service question (lexicon `service_questions`); kb.rules.engine.ANSWERS implements each.
ANSWERS = ("channel", "plan_feature", "response_times", "third_party_support", "onsite_items", "onsite_overtime",
           "onsite_deliverables", "onsite_advice")
# The wording the code uses from messages.yaml.
MESSAGE_KEYS = (
    "software_unknown", "plan_unknown", "version_unreadable", "version_assumed", "install_assumed",
    "severity_from_fault_level", "variant_not_in_catalog", "client_tool", "scope_unknown", "fault_level_assumed",
    "onsite_mode_unknown", "onsite_in_hours", "onsite_out_of_hours", "calendar_unknown_year", "calendar_provisional_year",
    "plan_label", "list_separator", "clause_separator", "all_customers", "paid_marker", "fact_offered", "fact_paid",
    "fact_not_offered", "fact_audience", "fact_response_times", "response_row", "fact_response_accepted",
    "fact_third_party", "fact_onsite_items", "item_frequency", "fact_onsite_overtime", "fact_onsite_deliverables",
    "report_months",
)


def _obj(required, props, extra=False):
    return {"type": "object", "required": required, "properties": props, "additionalProperties": extra}


def _list_of(item):
    return {"type": "array", "minItems": 1, "items": item}


_KIND = {"kind": {"type": "string"}, "source": SOURCE}

PLAN = _obj(
    ["id", "name", "rank", "self_service", "response", "third_party_support", *FEATURES],
    {
        "id": ID, "name": TEXT, "rank": {"type": "integer"},
        "self_service": _obj(["text", "source"], {"text": TEXT, "source": SOURCE}),
        "response": _obj(["source"], {
            "by_severity": {"type": "object", "additionalProperties": MINUTES},
            "any_severity": MINUTES, "kind": {"enum": ["response", "accepted"]}, "source": SOURCE,
        }),
        "third_party_support": _obj(["level", "source"], {"level": ID, "source": SOURCE}),
        **{f: FEATURE for f in FEATURES},
    },
)

# A lexicon entry: terms, and `all` groups that match when one word of every group appears.
_ENTRY = {"terms": TERMS, "all": {"type": "array", "items": TERMS}}
SERVICE_QUESTION = _obj(["id", "topic", "answer"], {
    "id": ID, "topic": ID, "answer": {"enum": list(ANSWERS)}, "channels": IDS, "feature": {"enum": list(FEATURES)}, **_ENTRY})

SCHEMAS = {
    "plans": _obj(["kind", "features", "plans", "third_party_levels"], {**_KIND, "plans": _list_of(PLAN),
        "features": _obj(list(FEATURES), {f: TEXT for f in FEATURES}), "third_party_levels": _list_of(
        _obj(["id", "name", "covers", "source"], {"id": ID, "name": TEXT, "covers": {"type": "string"}, "source": SOURCE}))}),
    "severities": _obj(["kind", "severities", "default", "source"], {**_KIND, "severities": _list_of(
        _obj(["id", "name", "definition"], {"id": ID, "name": TEXT, "definition": TEXT})), "default": ID, "default_note": TEXT,
        "default_source": SOURCE}),
    "channels": _obj(["kind", "purposes", "fallback_purpose", "channels", "purpose_by_activity"], {**_KIND,
        "purposes": _list_of(_obj(["id", "why"], {"id": ID, "why": TEXT})), "fallback_purpose": ID,
        "channels": _list_of(_obj(
        ["id", "name", "how", "purposes", "order", "source"],
        {"id": ID, "name": TEXT, "how": TEXT, "hours": {"type": ["string", "object"]}, "plans": {"anyOf": [{"const": "all"}, IDS]},
         "plans_feature": {"enum": list(FEATURES)}, "purposes": IDS, "order": {"type": "integer"}, "scope": TEXT, "customers": TEXT,
         "response_note": TEXT, "note": TEXT, "source": SOURCE})),
        "purpose_by_activity": _list_of(_obj(["activities", "purpose"], {"activities": {"anyOf": [{"const": "any"}, IDS]}, "purpose": ID}))}),
    "scope": _obj(["kind", "includes", "excludes", "alternatives", "prerequisites"], {**_KIND, **{
        k: _list_of(_obj(["id", "text", "source"], {"id": ID, "text": TEXT, "source": SOURCE})) for k in ("includes", "excludes", "prerequisites")},
        "support_levels": _list_of(_obj(["id", "name", "source"], {"id": ID, "name": TEXT, "source": SOURCE})),
        "alternatives": _list_of(_obj(["id", "name", "how", "source"], {"id": ID, "name": TEXT, "how": TEXT, "source": SOURCE}))}),
    "catalog": _obj(["kind", "categories", "software", "source"], {**_KIND,
        "categories": _list_of(_obj(["id", "name"], {"id": ID, "name": TEXT})),
        "software": _list_of(_obj(["key", "category", "name", "aliases", "range", "platforms", "examples", "source"], {
            "key": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "category": ID, "overrides": IDS, "name": TEXT, "aliases": TERMS, "range": TEXT,
            "platforms": _list_of(_obj(["os", "image"], {"os": {"enum": ["linux", "windows"]}, "image": {"type": "string"}, "native": {"type": "boolean"},
                                                       "product": {"type": "string"}, "product_aliases": TERMS, "install": ID, "versions": {"type": "string"}})),
            "examples": _list_of(_obj(["id", "text"], {"id": ID, "text": TEXT})), "source": SOURCE}))}),
    "onsite": {"type": "object", "required": ["kind", "modes", "fault_levels", "excludes", "source"]},
    "calendar": _obj(["kind", "timezone", "weekend", "years"], {**_KIND, "timezone": {"type": "string"}, "weekend": IDS, "years": _list_of(_obj(
        ["year", "source", "holidays", "working_days"], {"year": {"type": "integer"}, "provisional": {"type": "boolean"}, "source": SOURCE,
         "holidays": {"type": "array", "items": _obj(["name", "from", "to"], {"name": TEXT, "from": {"type": "date"}, "to": {"type": "date"}})},
         "working_days": {"type": "array", "items": _obj(["date", "for"], {"date": {"type": "date"}, "for": TEXT})}}))}),
    "decisions": _obj(["kind", "rules"], {**_KIND, "rules": _list_of(_obj(["id", "when", "then", "reason", "source"], {
        "id": ID, "when": {"type": "object", "minProperties": 1}, "then": {"type": "object", "minProperties": 1},
        "priority": {"type": "integer"}, "clause": ID, "reason": TEXT, "source": SOURCE, "articles": IDS}))}),
    "lexicon": {"type": "object", "required": ["kind"], "properties": {
        "negations": TERMS, "service_questions": {"type": "array", "items": SERVICE_QUESTION},
        "severities": {"type": "array", "items": _obj(["id"], {"id": ID, "only_with_activity": IDS, **_ENTRY})},
        "problem_activity": ID, "error_codes": _obj(["markers", "pattern"], {"markers": TERMS, "pattern": {"type": "string"}}),
    }},
    "messages": _obj(["kind", "messages"], {**_KIND, "messages": {
        "type": "object", "required": list(MESSAGE_KEYS), "additionalProperties": TEXT}}),
    "glossary": _obj(["kind", "terms"], {**_KIND, "terms": _list_of(_obj(["zh", "en"], {"zh": {"type": "array", "minItems": 1, "items": {"type": "string"}}, "en": {"type": "string"}}))}),
    "rule_tests": _obj(["kind", "cases"], {**_KIND, "cases": _list_of(_obj(["id", "expect"], {
        "id": ID, "question": {"type": "string"}, "lang": {"enum": ["zh", "en"]}, "case": {"type": "object"}, "expect": {"type": "object", "minProperties": 1}}))}),
}

_checker = Draft202012Validator.TYPE_CHECKER.redefine("date", lambda _c, v: isinstance(v, datetime.date))
Validator = validators.extend(Draft202012Validator, type_checker=_checker)


def schema_errors(data):
    """Yield (path, message) for every way `data` breaks the schema of its kind."""
    if not isinstance(data, dict) or data.get("kind") not in SCHEMAS:
        yield [], f"`kind` must be one of: {', '.join(sorted(SCHEMAS))}"
        return
    for err in Validator(SCHEMAS[data["kind"]]).iter_errors(data):
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        yield list(err.absolute_path), f"{where}: {err.message}"
