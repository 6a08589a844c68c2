"""Alerts: events derived from changes, subscriptions that filter them, channels that send.

Modules, in the order data flows: :mod:`~policywatch.alerts.events` (derive events from
changes, edges, dates and source health), :mod:`~policywatch.alerts.subscriptions`
(filters and reasons), :mod:`~policywatch.alerts.channels` (webhook, e-mail, Atom),
:mod:`~policywatch.alerts.delivery` (exactly-once bookkeeping and retries) and
:mod:`~policywatch.alerts.report` (the ledger as JSON: ``alerts --json``, ``/alerts.json``
of the web app in :mod:`policywatch.web`). Importing this package is cheap; each module
loads what it needs when called.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from policywatch.store import Store
from policywatch.store.reporting import Echo

DEMO_LINES_PER_TYPE = 8


def demo_alerts(store: Store, echo: Echo) -> list[dict[str, Any]]:
    """Derive the events that the stored crawls produced, print them, and return them.

    Call it after the NLP stage (``process_pending``). Each event is one line with its
    summary; changes print both languages and the path of their full diff.
    """
    from policywatch.alerts.channels import type_label
    from policywatch.alerts.events import EVENT_TYPES, derive_events
    from policywatch.store.alerts import recent_events

    derive_events(store)
    events = sorted(recent_events(store, limit=100_000), key=lambda e: e["id"])
    counts = Counter(event["type"] for event in events)
    echo(f"Alerts: {len(events)} events ("
         + ", ".join(f"{counts[t]} {t}" for t in EVENT_TYPES if counts[t]) + ")")
    for event_type in EVENT_TYPES:
        chosen = [e for e in events if e["type"] == event_type]
        if not chosen:
            continue
        echo(f"  {type_label(event_type)}:")
        for event in chosen[:DEMO_LINES_PER_TYPE]:
            if event_type in {"new_version", "criteria_changed", "repealed"}:
                echo(f"    #{event['id']} {clip(event['summary_zh'], 150)}")
                echo(f"         {clip(event['summary_en'], 150)}")
                if event.get("diff_path"):
                    echo(f"         full diff: {event['diff_path']}")
            else:
                echo(f"    #{event['id']} {clip(event['summary_zh'], 110)}")
        if len(chosen) > DEMO_LINES_PER_TYPE:
            echo(f"    ... and {len(chosen) - DEMO_LINES_PER_TYPE} more "
                 f"(policywatch alerts --limit {len(events)})")
    return events


def clip(text: str | None, width: int) -> str:
    """One line of at most ``width`` characters, ending in … when cut."""
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[: width - 1] + "…"


__all__ = ["clip", "demo_alerts"]
