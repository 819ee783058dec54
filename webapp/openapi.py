"""The OpenAPI 3.1 description of /api/v1, generated from the models the API validates with and answers in
(kb.schemas), so the two cannot disagree. Rule-book choices marked `x-kb-enum` list the loaded book's ids."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from pydantic import Field
from pydantic.json_schema import models_json_schema

from kb.rules.model import CatalogRow
from kb.rules.model import Named
from kb.rules.model import Plan
from kb.schemas import AskRequest
from kb.schemas import AskResponse
from kb.schemas import EventRequest
from kb.schemas import SearchRequest
from kb.schemas import SearchResponse
from kb.schemas import TicketLookup
from kb.schemas import TicketReceipt
from kb.schemas import TicketRequest
from kb.schemas import TicketView
from kb.schemas import book_choices

REF = "#/components/schemas/{model}"


class ErrorItem(BaseModel):
    field: str = Field(description="The offending input field.")
    code: str = Field(description="What is wrong, as a code (kb.errors.REASONS): required, too_long, not_one_of, ...")
    params: dict[str, Any] = Field(description="The values the code's wording needs, e.g. {\"max\": 500}.")
    message: str = Field(description="For people, in the request's language.")


class ErrorDetail(BaseModel):
    code: str = Field(description="invalid_input, not_found, not_ready, bad_request, csrf_failed, method_not_allowed, "
                                  "payload_too_large, unsupported_media_type, server_error")
    message: str = Field(description="For people, in the request's language.")
    field: str | None = Field(None, description="The first bad field (invalid_input only).")
    errors: list[ErrorItem] | None = Field(None, description="Every bad field (invalid_input only).")


class Error(BaseModel):
    error: ErrorDetail


class ArticleView(BaseModel):
    id: str
    lang: str
    translation_key: str
    title: str
    summary: str
    software: str
    category: str
    symptoms: list[str]
    applies_to: list[str]
    tags: list[str]
    related: list[str]
    path: str
    updated: str = Field(description="A date, YYYY-MM-DD.")
    sections: list[dict[str, str]]
    html: str = Field(description="Sanitised HTML of the body.")
    translation_id: str | None


class PlansView(BaseModel):
    plans: list[Plan]


class CatalogView(BaseModel):
    categories: list[Named]
    software: list[CatalogRow]


class EventReceipt(BaseModel):
    recorded: bool = Field(description="False when the conversation has no record the event refers to.")


MODELS = (SearchRequest, SearchResponse, AskRequest, AskResponse, TicketRequest, TicketReceipt, TicketView, TicketLookup,
          EventRequest,
          EventReceipt, ArticleView, PlansView, CatalogView, Error)
ERRORS = {"400": "Invalid input (see `error.errors`)", "404": "Not found", "413": "The body is larger than allowed",
          "422": "The Idempotency-Key was used with another request",
          "415": "The body is not application/json", "429": "Too many requests from this client: retry after `Retry-After`",
          "503": "Not ready yet (no search index): retry after `Retry-After`"}


def _json(name: str, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}}}


def _errors(*statuses: int) -> dict:
    return {str(s): _json("Error", ERRORS[str(s)]) for s in statuses}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}}}


def _query(schemas: dict, model: str, names: list[str]) -> list[dict]:
    """Query parameters described by the fields of a request model."""
    spec = schemas[model]
    return [{"name": n, "in": "query", "required": n in spec.get("required", []), "schema": spec["properties"][n],
             "description": spec["properties"][n].get("description", "")} for n in names]


def _path(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": {"type": "string"}}


LANG = {"name": "lang", "in": "query", "required": False, "schema": {"enum": ["zh", "en"], "type": "string"},
        "description": "Language of texts and error messages (default: the body's `lang`, the cookie, Accept-Language)."}


def _enums(node, book):
    """Fill every `x-kb-enum` marker with the ids the loaded rule book defines."""
    if isinstance(node, dict):
        kind = node.pop("x-kb-enum", None)
        if kind:
            node["enum"] = book_choices(book, kind)
        for value in node.values():
            _enums(value, book)
    elif isinstance(node, list):
        for value in node:
            _enums(value, book)
    return node


def document(book) -> dict:
    """The OpenAPI document for the rule book `book`."""
    _, defs = models_json_schema([(m, "serialization" if m.__name__.endswith(("Response", "View", "Receipt", "Error"))
                                   else "validation") for m in MODELS], ref_template=REF)
    schemas = _enums(defs["$defs"], book)
    search_params = _query(schemas, "SearchRequest", ["q", "software", "category", "limit", "mode", "conversation"])
    paths = {
        "/api/v1/search": {"get": {
            "summary": "Search articles", "operationId": "search", "parameters": [*search_params, LANG],
            "responses": {"200": _json("SearchResponse", "Ranked results"), **_errors(400, 429, 503)}}},
        "/api/v1/ask": {"post": {
            "summary": "Ask the scope assistant", "operationId": "ask", "requestBody": _body("AskRequest"),
            "responses": {"200": _json("AskResponse", "The decision and the articles for it"),
                          **_errors(400, 413, 415, 429)}}},
        "/api/v1/articles/{article_id}": {"get": {
            "summary": "Read an article", "operationId": "article",
            "parameters": [_path("article_id", "Article id, e.g. ssh-host-keys-en."), LANG],
            "responses": {"200": _json("ArticleView", "The article"), **_errors(400, 404)}}},
        "/api/v1/tickets": {"post": {
            "summary": "Open a ticket", "operationId": "createTicket", "requestBody": _body("TicketRequest"),
            "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_\\-.:]{8,64}$"},
                            "description": "Send the same key with a retry: the first ticket comes back, not a second "
                                           "(kept 24 hours). The same key with another body is refused with 422."}],
            "responses": {"201": {**_json("TicketReceipt", "The new ticket, with its token"),
                                  "headers": {"Location": {"schema": {"type": "string"}},
                                              "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}}}},
                          **_errors(400, 413, 415, 422, 429)}}},
        "/api/v1/tickets/{number}": {"get": {
            "summary": "Read a ticket", "operationId": "ticket",
            "parameters": [dict(_path("number", "Ticket number, e.g. T20261122-7F3K9Q."),
                                schema=schemas["TicketLookup"]["properties"]["number"]),
                           {"name": "token", "in": "query", "required": True,
                            "schema": schemas["TicketLookup"]["properties"]["token"],
                            "description": "The token given when the ticket was opened."}, LANG],
            "responses": {"200": _json("TicketView", "The ticket"), **_errors(400, 404)}}},
        "/api/v1/events": {"post": {
            "summary": "Record what a customer did with an answer", "operationId": "event",
            "requestBody": _body("EventRequest"),
            "responses": {"202": _json("EventReceipt", "Recorded, or ignored"), **_errors(400, 413, 415, 429)}}},
        "/api/v1/plans": {"get": {"summary": "List the support plans", "operationId": "plans", "parameters": [LANG],
                                  "responses": {"200": _json("PlansView", "Plans, best first"), **_errors(400)}}},
        "/api/v1/catalog": {"get": {"summary": "List the third-party software catalog", "operationId": "catalog",
                                    "parameters": [LANG],
                                    "responses": {"200": _json("CatalogView", "Catalog rows and categories"),
                                                  **_errors(400)}}},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Cloud support knowledge base API", "version": "2.0.0",
                 "description": "Search articles, ask whether a plan covers a question, open and read tickets. "
                                "Request bodies must be application/json; errors share the Error schema. "
                                "Unknown query parameters are refused with 400, as unknown body fields are, and so is "
                                "a parameter or a JSON key given twice (`lang` is accepted everywhere)."},
        "paths": paths,
        "components": {"schemas": schemas},
    }
