"""The alert ledger as one JSON document: what ``alerts --json`` prints and the web app
serves at ``/alerts.json`` (and ``/api/alerts``).

What it publishes carries no secret and no server path when ``public`` is set: delivery
targets are masked (``dingtalk://ab…89/``,
``https://oapi.dingtalk.com/robot/send?access_token=ab…89``, a feed by its file name),
errors are redacted the same way, and diffs are links under the server, never file paths.
"""

from __future__ import annotations

from typing import Any

from policywatch.alerts.channels import event_document
from policywatch.alerts.targets import mask_target, redact
from policywatch.store.alerts import delivery_counts, delivery_failures, recent_events


def _public_event(document: dict[str, Any]) -> dict[str, Any]:
    link = document["diff"]["url"]
    document["diff"] = {"url": link if link and link.startswith(("http://", "https://"))
                        else None}
    return document


def _failure(row: dict[str, Any], public: bool) -> dict[str, Any]:
    shown = dict(row)
    shown["target"] = mask_target(row["channel"], row["target"], public=public)
    shown["last_error"] = redact(row["last_error"], row["channel"], row["target"],
                                 public=public)
    shown["state"] = "deferred" if row["status"] == "pending" else row["status"]
    return shown


def alerts_document(store: Any, limit: int = 50, public_url: str | None = None, *,
                    public: bool = False) -> dict[str, Any]:
    """Recent events (newest first), the ledger's counts and the deliveries that did not go
    out (failed, deferred, dead), as ``alerts --json`` prints and ``/alerts.json`` serves.

    Targets are masked and errors redacted in both; ``public`` (the web app) also drops
    file paths: diffs are links under ``public_url`` and a feed is named by its file name.
    """
    documents = []
    for event in recent_events(store, limit=limit):
        document = dict(event_document(event, public_url=public_url),
                        deliveries=event["deliveries"])
        documents.append(_public_event(document) if public else document)
    return {
        "events": documents,
        "deliveries": delivery_counts(store),
        "failures": [_failure(row, public) for row in delivery_failures(store, limit=limit)],
    }
