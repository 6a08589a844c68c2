"""The OpenAPI 3.1 description of ``/api/...`` (served at ``/api/openapi.json``).

Written out here, next to the routes it describes, rather than generated: each operation
says in words what it returns, which the page documents in
:mod:`policywatch.web.pages` define.
"""

from __future__ import annotations

from typing import Any

from policywatch import __version__


def _param(name: str, description: str, *, where: str = "query", required: bool = False,
           kind: str = "string", repeat: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if repeat:
        schema = {"type": "array", "items": schema}
    return {"name": name, "in": where, "required": required or where == "path",
            "description": description, "schema": schema,
            **({"explode": True} if repeat else {})}


PAGE = _param("page", "Page number, from 1.", kind="integer")
LIMIT = _param("limit", "Items per page.", kind="integer")
DATE_FROM = _param("from", "On or after this date: YYYY, YYYY-MM or YYYY-MM-DD.")
DATE_TO = _param("to", "On or before this date: YYYY, YYYY-MM or YYYY-MM-DD.")
TIER = _param("tier", "Tier id or name: innovative_sme, srdi_sme, little_giant, 专精特新, "
              "小巨人; repeatable or comma-separated.", repeat=True)
SOURCE = _param("source", "Source id (miit, govcn, jiangsu, ...); repeatable.", repeat=True)
REGION = _param("region", "Region, Chinese or English (江苏, Beijing, national); repeatable.",
                repeat=True)
ISSUER = _param("issuer", "Issuer, Chinese or English (MIIT, 工业和信息化部); repeatable.",
                repeat=True)
LANGUAGE = _param("language", "zh or en; repeatable.", repeat=True)
SEARCH_PARAMS = [
    _param("q", "The query, Chinese or English.", required=True), TIER, REGION, ISSUER,
    SOURCE, DATE_FROM, DATE_TO, LANGUAGE,
    _param("kind", "Document kind (normative, notice, interpretation, news, list, form) or "
           "type (measures, standard, ...); repeatable.", repeat=True),
]
CHANGE_PARAMS = [
    _param("type", "Event type: new_measure, new_version, criteria_changed, repealed, "
           "effective_soon, source_broken; repeatable.", repeat=True),
    TIER, REGION, ISSUER, SOURCE, LANGUAGE,
    _param("q", "Keyword in a title, a summary or a document number."), DATE_FROM, DATE_TO,
]
ERROR = {"description": "A bad parameter (400), an unknown id (404), a missing or wrong "
         "token (401) or writing disabled (403): {\"error\": message}.",
         "content": {"application/json": {"schema": {
             "type": "object", "properties": {"error": {"type": "string"}}}}}}
OBJECT = {"type": "object"}
SEARCH_RESULT = {"type": "object", "properties": {
    "notice_id": {"type": "integer"}, "version_id": {"type": "integer"},
    "title": {"type": "string"}, "url": {"type": ["string", "null"]},
    "published": {"type": ["string", "null"]}, "score": {"type": "number"},
    "snippet": {"type": "string", "description": "HTML-escaped text, matches in <mark>."}}}
SUBSCRIPTION_BODY = {"type": "object", "properties": {
    "channel": {"type": "string", "enum": ["url", "webhook", "email", "feed"]},
    "target": {"type": "string", "description": "An Apprise URL, a webhook URL or an e-mail "
               "address; ${NAME} is read from the server's environment at each send."},
    "secret_env": {"type": "string", "description": "Environment variable holding a "
                   "webhook's signing key."},
    "type": {"type": "array", "items": {"type": "string"}},
    "tier": {"type": "array", "items": {"type": "string"}},
    "metric": {"type": "array", "items": {"type": "string"}},
    "region": {"type": "array", "items": {"type": "string"}},
    "issuer": {"type": "array", "items": {"type": "string"}},
    "source": {"type": "array", "items": {"type": "string"}},
    "keyword": {"type": "array", "items": {"type": "string"}},
    "language": {"type": "array", "items": {"type": "string"}},
    "digest": {"type": "boolean"}, "backfill": {"type": "boolean"}, "name": {"type": "string"}},
    "required": ["channel"]}


def _get(summary: str, description: str, parameters: list[dict[str, Any]] | None = None,
         schema: dict[str, Any] | None = None, *, secured: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary, "description": description, "parameters": parameters or [],
        "responses": {"200": {"description": summary, "content": {
            "application/json": {"schema": schema or OBJECT}}}, "4XX": ERROR}}
    if secured:
        operation["security"] = [{"token": []}]
    return operation


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the JSON API."""
    notice_id = _param("notice_id", "The notice's id.", where="path", kind="integer")
    version_ref = ("A notice id (its latest version) or v + a version id, as in "
                   "`policywatch diff`.")
    subscription_id = _param("subscription_id", "The subscription's id.", where="path",
                             kind="integer")
    paths: dict[str, Any] = {
        "/api/changes": {"get": _get(
            "What changed", "Events newest first (criteria changes, new versions, new "
            "measures, repeals, effective-soon, broken sources), each with both summaries, "
            "its notices, the diff page and the criteria changes; filtered as a "
            "subscription filters, paged.", [*CHANGE_PARAMS, PAGE, LIMIT])},
        "/api/search": {"get": _get(
            "Search (as search --json)", "Notices best first: exactly the objects "
            "`policywatch search --json` prints.", [*SEARCH_PARAMS, LIMIT],
            {"type": "array", "items": SEARCH_RESULT})},
        "/api/search/groups": {"get": _get(
            "Search, grouped per document", "The search page: results grouped per document "
            "(copies on other sites under `also`), the query's language and translation, "
            "notes, paging.", [*SEARCH_PARAMS, PAGE, LIMIT])},
        "/api/notices": {"get": _get(
            "Notices", "Notices newest first with their latest metadata, tiers and measure.",
            [TIER, SOURCE, _param("kind", "Document kind or type; repeatable.", repeat=True),
             _param("from", "Published on or after this date."), PAGE, LIMIT])},
        "/api/notices/{notice_id}": {"get": _get(
            "One notice", "Metadata with the official link, dates, criteria, versions, "
            "changes, lineage edges with evidence, attachments and events.", [notice_id])},
        "/api/diff/{old}/{new}": {"get": _get(
            "A diff", "Criteria changes (both languages) and the clause redline between two "
            "versions, with attachments.",
            [_param("old", version_ref, where="path"), _param("new", version_ref, where="path"),
             _param("all", "1 includes unchanged clauses.")])},
        "/api/measures": {"get": _get("Measures", "Measures with a history to show.")},
        "/api/measures/{measure_id}": {"get": _get(
            "A measure's history", "Every version of every notice of the measure with its "
            "criteria, the changes, and each threshold's series over time per region.",
            [_param("measure_id", "The measure's id (M9).", where="path"),
             _param("compare", "0 leaves other regions' standards out of the series.")])},
        "/api/check": {
            "get": _get("Eligibility check", "A company's figures against every measure in "
                        "force for its region on the date: per measure and tier the status "
                        "(eligible, not_eligible, unknown) and each criterion's threshold, "
                        "the company's figure, result and clause (as `policywatch check "
                        "--json`).",
                        [_param("name", "The company's name."),
                         _param("region", "Its region (江苏省苏州市); national measures apply "
                                "everywhere."),
                         _param("as_of", "YYYY-MM-DD (default today)."), TIER,
                         _param("METRIC", "One field per metric id (policywatch metrics): "
                                "revenue=1200万, rd_ratio=4, rd_ratio.each_of_last_2_years="
                                "4.2,3.6.")]),
            "post": {"summary": "Eligibility check", "description": "The same, for a profile "
                     "as a profile file holds it: {\"profile\": {\"name\", \"region\", "
                     "\"metrics\"}, \"as_of\", \"tier\"}.",
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": OBJECT}}},
                     "responses": {"200": {"description": "One row per measure and tier",
                                           "content": {"application/json": {"schema": {
                                               "type": "array", "items": OBJECT}}}},
                                   "4XX": ERROR}},
        },
        "/api/alerts": {"get": _get(
            "The alert ledger", "Recent events, delivery counts and failed deliveries, "
            "targets masked (also at /alerts.json).",
            [_param("limit", "Events.", kind="integer")])},
        "/api/subscriptions": {
            "get": _get("Subscriptions", "Active subscriptions, targets masked.",
                        secured=True),
            "post": {"summary": "Subscribe", "description": "Create a subscription; its id "
                     "and masked target come back.", "security": [{"token": []}],
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": SUBSCRIPTION_BODY}}},
                     "responses": {"201": {"description": "Created", "content": {
                         "application/json": {"schema": OBJECT}}}, "4XX": ERROR}},
        },
        "/api/subscriptions/{subscription_id}": {
            "get": _get("One subscription", "Target masked.", [subscription_id],
                        secured=True),
            "delete": {"summary": "Stop a subscription", "parameters": [subscription_id],
                       "security": [{"token": []}],
                       "responses": {"200": {"description": "Stopped", "content": {
                           "application/json": {"schema": OBJECT}}}, "4XX": ERROR}},
        },
        "/api/subscriptions/{subscription_id}/test": {"post": {
            "summary": "Send a sample alert", "description": "Sends the sample alert through "
            "the subscription's channel now and says what came back; nothing is recorded.",
            "parameters": [subscription_id], "security": [{"token": []}],
            "responses": {"200": {"description": "What the channel answered", "content": {
                "application/json": {"schema": OBJECT}}}, "4XX": ERROR}}},
        "/api/status": {"get": _get("Status", "The database, the embedding model and the "
                                    "index's size.")},
    }
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "policywatch", "version": __version__,
                 "description": "Chinese policy notices: what changed, search, notices, "
                 "diffs, measures and alert subscriptions. Reading is open; writing needs "
                 "`Authorization: Bearer TOKEN` ([web] token / POLICYWATCH_WEB_TOKEN)."},
        "paths": paths,
        "components": {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}},
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
