"""The eligibility check on the web: the ``/check`` form and ``/api/check``.

Both call :func:`policywatch.eligibility.check.check_profile`, as ``policywatch check``
does. The form (and ``GET /api/check``) sends the profile as query fields: ``name``,
``region``, ``as_of``, ``tier`` and one field per metric id, ``revenue=1200万`` or
``rd_ratio.each_of_last_2_years=4.2,3.6``; ``POST /api/check`` takes a profile as JSON
(``{"name", "region", "metrics"}``, as a profile file holds it) with ``as_of`` and
``tier`` beside it. A check reads and computes; it writes nothing, so it needs no token.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from policywatch.eligibility.check import CheckError, check_profile, parse_day
from policywatch.eligibility.profiles import (
    Profile,
    ProfileError,
    describe_metrics,
    profile_from_mapping,
)
from policywatch.eligibility.words import (
    RESULT_NAMES,
    STATUS_NAMES,
    describe_actual,
    describe_criterion,
    group_name,
    tier_name,
)
from policywatch.store import Store
from policywatch.web.pages import BadRequest

_FIELDS = ("name", "region", "as_of", "tier")


def _values(params: Any, key: str) -> list[str]:
    getter = getattr(params, "getlist", None)
    values = getter(key) if getter else params.get(key, [])
    return [values] if isinstance(values, str) else list(values or [])


def profile_from_query(params: Any) -> Profile | None:
    """The profile a form sends, or None when it names no metric (an empty form)."""
    keys = [k for k in dict.fromkeys(params.keys()) if k not in _FIELDS]
    metrics: dict[str, Any] = {}
    for key in keys:
        value = next((v for v in _values(params, key) if v.strip()), "")
        if not value.strip():
            continue
        metrics[key] = [v.strip() for v in value.split(",")] if ".each_of_" in key \
            else value.strip()
    if not metrics:
        return None
    name = next((v for v in _values(params, "name") if v.strip()), "") or "(unnamed company)"
    region = next((v for v in _values(params, "region") if v.strip()), None)
    try:
        return profile_from_mapping({"name": name, "region": region, "metrics": metrics})
    except ProfileError as exc:
        raise BadRequest(str(exc)) from None


def _rows(store: Store, profile: Profile, as_of: str | None, tiers: list[str]
          ) -> list[dict[str, Any]]:
    try:
        return check_profile(store, profile, as_of=as_of, tiers=tiers)
    except CheckError as exc:
        raise BadRequest(str(exc)) from None


def _tiers(params: Any) -> list[str]:
    return [t for value in _values(params, "tier") for t in value.split(",") if t.strip()]


def check_api_document(store: Store, params: Any) -> list[dict[str, Any]]:
    """``GET /api/check``: the rows ``policywatch check --json`` prints."""
    profile = profile_from_query(params)
    if profile is None:
        raise BadRequest("give the company's figures as metric fields: "
                         "/api/check?region=江苏省&revenue=1200万&years_in_niche=2")
    as_of = next((v for v in _values(params, "as_of") if v.strip()), None)
    return _rows(store, profile, as_of, _tiers(params))


def check_page_document(store: Store, params: Any) -> dict[str, Any]:
    """The ``/check`` page: the form (every metric with its unit) and, once figures are
    given, each measure's tiers with every criterion, named for people."""
    query = {key: _values(params, key) for key in params.keys()}
    document: dict[str, Any] = {"query": query, "metrics": describe_metrics(), "rows": None,
                                "error": None}
    try:
        profile = profile_from_query(params)
        as_of = parse_day(next((v for v in _values(params, "as_of") if v.strip()), None))
    except (BadRequest, CheckError) as exc:
        document["error"] = str(exc)
        return document
    document["as_of"] = as_of
    if profile is None:
        return document
    rows = _rows(store, profile, as_of, _tiers(params))
    for row in rows:
        row["tier_label"] = {"zh": tier_name(row["tier"], "zh"),
                             "en": tier_name(row["tier"], "en")}
        row["status_label"] = dict(zip(("zh", "en"), STATUS_NAMES[row["status"]], strict=True))
        for criterion in row["criteria"]:
            criterion["threshold_zh"] = describe_criterion(criterion, "zh")
            criterion["threshold_en"] = describe_criterion(criterion, "en")
            criterion["actual_zh"] = describe_actual(criterion["actual"], criterion["unit"],
                                                     "zh")
            criterion["result_label"] = dict(zip(("zh", "en"),
                                                 RESULT_NAMES[criterion["result"]],
                                                 strict=True))
            criterion["group_label"] = group_name(criterion["group"]) \
                if criterion["group"] else None
    document.update(profile=profile.as_dict(), rows=rows)
    return document


async def api_check(store: Store, request: Request, max_bytes: int) -> Response:
    """``/api/check``: GET with query fields, POST with a JSON profile."""
    try:
        if request.method == "GET":
            return JSONResponse(check_api_document(store, request.query_params))
        body = await request.body()
        if len(body) > max_bytes:
            return JSONResponse({"error": "the body is too large"}, status_code=413)
        try:
            document = json.loads(body or b"{}")
        except ValueError:
            raise BadRequest("the body must be JSON: {\"profile\": {\"name\", \"region\", "
                             "\"metrics\"}, \"as_of\", \"tier\"}") from None
        if not isinstance(document, Mapping):
            raise BadRequest("the body must be a JSON object")
        profile_document = document.get("profile", document)
        if not isinstance(profile_document, Mapping):
            raise BadRequest("profile must be an object: {\"name\", \"region\", \"metrics\"}")
        try:
            profile = profile_from_mapping({k: v for k, v in profile_document.items()
                                            if k in ("name", "region", "metrics")})
        except ProfileError as exc:
            raise BadRequest(str(exc)) from None
        tiers = document.get("tier") or document.get("tiers") or []
        tiers = [tiers] if isinstance(tiers, str) else list(tiers)
        return JSONResponse(_rows(store, profile, document.get("as_of"), tiers))
    except BadRequest as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)
