"""The hand-written OpenAPI 3.0 description of /api/v1 (a test checks it lists every route).

Plan, severity and onsite-mode enums come from the loaded rule book: no plan name or time limit is written here."""

from __future__ import annotations

from kb.content.articles import CATEGORIES
from kb.knowledge import MAX_QUERY
from webapp import inputs


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict:
    return {str(s): {"$ref": f"#/components/responses/E{s}"} for s in statuses}


def _query(name: str, description: str, schema: dict, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


def _sized(bounds: tuple[int, int]) -> dict:
    return {"type": "string", "minLength": bounds[0], "maxLength": bounds[1]}


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


LANG = {"type": "string", "enum": ["zh", "en"]}
LANG_PARAM = _query("lang", "Language of texts and error messages (default: cookie, then Accept-Language, then zh).", LANG)
TEXT = {"type": "string", "minLength": 1, "maxLength": MAX_QUERY}
BILINGUAL = {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}}


def schemas(book) -> dict:
    """The component schemas; ids the rule book defines are enumerated from `book`."""
    plan = {"type": "string", "enum": list(book.plans), "description": "A plan id (see /api/v1/plans)."}
    severity = {"type": "string", "enum": list(book.severities)}
    mode = {"type": "string", "enum": [m.id for m in book.onsite.modes]}
    return {
        "Error": {
            "type": "object", "required": ["error"],
            "properties": {"error": {
                "type": "object", "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string", "example": "invalid_input",
                             "description": "invalid_input, not_found, bad_request, method_not_allowed, payload_too_large, "
                                            "unsupported_media_type, server_error"},
                    "message": {"type": "string", "description": "For people, in the request's language."},
                    "field": {"type": "string", "description": "The offending input field (invalid_input only)."},
                    "detail": {"type": "string", "description": "The core's own message, in English (at most 200 characters)."},
                    "errors": {"type": "array", "description": "Every bad field, when there are several (tickets).",
                               "items": {"type": "object", "properties": {"field": {"type": "string"},
                                                                          "message": {"type": "string"}}}},
                }}},
        },
        "Hit": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "key": {"type": "string", "description": "Translation key of the topic."},
                           "title": {"type": "string"}, "lang": LANG, "software": {"type": "string"},
                           "category": {"type": "string", "enum": list(CATEGORIES)}, "score": {"type": "number"},
                           "snippet": {"type": "string", "description": "Safe HTML: escaped text with <mark> highlights."}},
        },
        "SearchResults": {
            "type": "object", "required": ["results", "log_id", "suggestion"],
            "properties": {"results": {"type": "array", "items": _ref("Hit")},
                           "log_id": {"type": "integer", "description": "The search log entry (click-through analytics)."},
                           "suggestion": {"type": "string", "nullable": True,
                                          "description": "The query with English typos corrected, also searched; null if none."}},
        },
        "Onsite": {
            "type": "object", "required": ["mode"], "additionalProperties": False,
            "properties": {"mode": mode,
                           "staff": {"type": "integer", "minimum": 1, "maximum": inputs.MAX_STAFF, "default": 1},
                           "city": {"type": "string", "maxLength": inputs.MAX_CITY}},
        },
        "AskRequest": {
            "type": "object", "required": ["question"], "additionalProperties": False,
            "properties": {"question": TEXT, "plan": plan, "severity": severity, "onsite": _ref("Onsite"),
                           "lang": dict(LANG, description="Language of the answer and of error messages "
                                                          "(default: cookie, then Accept-Language, then zh).")},
        },
        "Decision": {
            "type": "object",
            "description": "The rules' answer: scope, why, where to ask, how soon, and the trace of rules that fired.",
            "properties": {
                "lang": LANG,
                "scope": {"type": "string", "enum": ["in", "out", "partial", "unknown"]},
                "facts": {"type": "array", "description": "Direct answers to questions about a plan's features.",
                          "items": {"type": "object", "properties": {"id": {"type": "string"}, "text": {"type": "string"},
                                                                     "source": {"type": "string"}}}},
                "reason": {"type": "string"},
                "clause": {"type": "object", "nullable": True, "properties": {
                    "id": {"type": "string"}, "text": {"type": "string"}, "source": {"type": "string"}}},
                "support_level": {"type": "object", "nullable": True},
                "severity": {"type": "object", "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                                                              "assumed": {"type": "boolean"}}},
                "response_target_minutes": {"type": "integer", "nullable": True},
                "response_kind": {"type": "string", "nullable": True, "enum": ["response", "accepted", None]},
                "deadline": {"type": "string", "format": "date-time", "nullable": True},
                "channels": {"type": "array", "items": {"type": "object"}},
                "alternatives": {"type": "array", "items": {"type": "object"}},
                "prerequisites": {"type": "array", "items": {"type": "object"}},
                "onsite": {"type": "object", "nullable": True},
                "notes": {"type": "array", "items": {"type": "string"}},
                "conflicts": {"type": "array", "items": {"type": "object"}},
                "software": {"type": "string", "nullable": True},
                "activity": {"type": "string"},
                "case": {"type": "object"},
                "rules": {"type": "array", "items": {"type": "object"},
                          "description": "The trace: rules and facts with sources."},
                "articles": {"type": "array", "items": _ref("Hit")},
                "log_id": {"type": "integer"},
            },
        },
        "Article": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "lang": LANG, "translation_key": {"type": "string"},
                           "title": {"type": "string"}, "summary": {"type": "string"}, "software": {"type": "string"},
                           "category": {"type": "string"}, "symptoms": {"type": "array", "items": {"type": "string"}},
                           "applies_to": {"type": "array", "items": {"type": "string"}},
                           "tags": {"type": "array", "items": {"type": "string"}},
                           "related": {"type": "array", "items": {"type": "string"}}, "path": {"type": "string"},
                           "updated": {"type": "string", "format": "date"},
                           "sections": {"type": "array", "items": {"type": "object"}},
                           "html": {"type": "string", "description": "Sanitised HTML of the body."},
                           "translation_id": {"type": "string", "nullable": True}},
        },
        "TicketRequest": {
            "type": "object", "required": ["plan", "subject", "description", "contact"], "additionalProperties": False,
            "properties": {"plan": plan, "severity": severity,
                           "software": {"type": "string", "enum": list(book.catalog),
                                        "description": "A catalog key (see /api/v1/catalog)."},
                           "subject": _sized(inputs.SUBJECT), "description": _sized(inputs.DESCRIPTION),
                           "contact": dict(_sized(inputs.CONTACT), description="An email address or a phone number."),
                           "lang": LANG},
        },
        "Ticket": {
            "type": "object",
            "properties": {"number": {"type": "string", "example": "T20261122-7F3K9Q"},
                           "token": {"type": "string",
                                     "description": "Only in the creation response: keep it to read the ticket."},
                           "plan": {"type": "string"}, "severity": {"type": "string", "nullable": True},
                           "software": {"type": "string", "nullable": True}, "subject": {"type": "string"},
                           "description": {"type": "string"}, "contact": {"type": "string"}, "lang": LANG,
                           "scope": {"type": "string", "enum": ["in", "out", "partial", "unknown"]},
                           "channel": {"type": "string", "nullable": True, "description": "The first channel to use (an id)."},
                           "response_target_minutes": {"type": "integer", "nullable": True},
                           "response_kind": {"type": "string", "nullable": True, "enum": ["response", "accepted", None]},
                           "deadline": {"type": "string", "format": "date-time", "nullable": True},
                           "status": {"type": "string", "example": "open"},
                           "created_at": {"type": "string", "format": "date-time", "description": "In UTC."},
                           "rules": {"type": "array", "items": {"type": "object"},
                                     "description": "The rule trace, in the request's language."}},
            "additionalProperties": True,
        },
        "Plan": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "name": BILINGUAL, "rank": {"type": "integer"},
                           "channels": {"type": "object"}, "response": {"type": "object"},
                           "third_party_support": {"type": "object"}},
            "additionalProperties": True,
        },
        "Catalog": {
            "type": "object",
            "properties": {"categories": {"type": "array", "items": {"type": "object", "properties": {
                               "id": {"type": "string"}, "name": BILINGUAL}}},
                           "software": {"type": "array", "items": {"type": "object", "properties": {
                               "key": {"type": "string"}, "category": {"type": "string"}, "name": BILINGUAL,
                               "range": BILINGUAL, "source": {"type": "string"}}}}},
        },
    }

PATHS = {
    "/api/v1/search": {"get": {
        "summary": "Search articles", "operationId": "search",
        "parameters": [_query("q", "What to search for.", TEXT, required=True), LANG_PARAM,
                       _query("software", "A catalog key or topic.", {"type": "string"}),
                       _query("category", "An article category.", {"type": "string", "enum": list(CATEGORIES)}),
                       _query("limit", "How many results.", {"type": "integer", "minimum": 1, "maximum": 50, "default": 10})],
        "responses": {"200": _json(_ref("SearchResults"), "Ranked results"), **_errors(400, 404)},
    }},
    "/api/v1/ask": {"post": {
        "summary": "Ask the scope assistant", "operationId": "ask",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("AskRequest")}}},
        "responses": {"200": _json(_ref("Decision"), "The decision"), **_errors(400, 413, 415)},
    }},
    "/api/v1/articles/{article_id}": {"get": {
        "summary": "Read an article", "operationId": "article",
        "parameters": [_path("article_id", "Article id, e.g. ssh-host-keys-en.")],
        "responses": {"200": _json(_ref("Article"), "The article"), **_errors(404)},
    }},
    "/api/v1/tickets": {"post": {
        "summary": "Open a ticket", "operationId": "createTicket",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TicketRequest")}}},
        "responses": {"201": {**_json(_ref("Ticket"), "The new ticket, with its token"),
                              "headers": {"Location": {"schema": {"type": "string"}}}}, **_errors(400, 413, 415)},
    }},
    "/api/v1/tickets/{number}": {"get": {
        "summary": "Read a ticket", "operationId": "ticket",
        "parameters": [_path("number", "Ticket number."),
                       _query("token", "The token given when the ticket was opened.", {"type": "string"}, required=True),
                       LANG_PARAM],
        "responses": {"200": _json(_ref("Ticket"), "The ticket"), **_errors(400, 404)},
    }},
    "/api/v1/plans": {"get": {
        "summary": "List the support plans", "operationId": "plans",
        "responses": {"200": _json({"type": "object", "properties": {"plans": {"type": "array", "items": _ref("Plan")}}},
                                   "Plans, best first")},
    }},
    "/api/v1/catalog": {"get": {
        "summary": "List the third-party software catalog", "operationId": "catalog",
        "responses": {"200": _json(_ref("Catalog"), "Catalog rows and categories")},
    }},
}


def document(book) -> dict:
    """The OpenAPI document for the rule book `book`."""
    error = _ref("Error")
    return {
        "openapi": "3.0.3",
        "info": {"title": "Cloud support knowledge base API", "version": "1.0.0",
                 "description": "Search articles, ask whether a plan covers a question, open and read tickets. "
                                "Request bodies must be application/json; errors share the Error schema. "
                                "Unknown body fields and unknown query parameters are refused with 400 "
                                "(`lang` is accepted everywhere)."},
        "paths": PATHS,
        "components": {
            "schemas": schemas(book),
            "responses": {
                "E400": _json(error, "Invalid input (see `field`)"), "E404": _json(error, "Not found"),
                "E413": _json(error, "The body is larger than 64 KiB"),
                "E415": _json(error, "The body is not application/json"),
            },
        },
    }
