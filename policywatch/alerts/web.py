"""``policywatch serve``: a small read-only web view of the alerts (stdlib ``http.server``).

Routes: ``/`` (a plain index), ``/feed.xml`` (Atom 1.0 of recent events), ``/alerts.json``
(recent events and delivery failures) and ``/diffs/<change id>.html|.md`` (full diffs).
Each request opens the database, reads, and closes it; nothing is written. Binds to
127.0.0.1 unless told otherwise.

What it publishes carries no secret and no server path: delivery targets are masked
(``dingtalk://ab…89/``, ``https://oapi.dingtalk.com/robot/send?access_token=ab…89``, a feed
by its file name), errors are redacted the same way, and diffs are links under the
server, never file paths.
"""

from __future__ import annotations

import json
import re
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from policywatch.alerts.channels import atom_feed, event_document, type_label
from policywatch.alerts.events import diff_folder_for
from policywatch.alerts.targets import mask_target, redact
from policywatch.store import open_store
from policywatch.store.alerts import delivery_counts, delivery_failures, recent_events

_DIFF_NAME = re.compile(r"^[0-9]+\.(html|md)$")
DEFAULT_LIMIT = 100


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

    Targets are masked and errors redacted in both; ``public`` (the web view) also drops
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


class AlertsServer(ThreadingHTTPServer):
    """The HTTP server; ``db_path`` is the database it reads."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], db_path: Path,
                 public_url: str | None = None) -> None:
        super().__init__(address, AlertsHandler)
        self.db_path = Path(db_path)
        host, port = self.server_address[:2]
        self.public_url = public_url or f"http://{host}:{port}"

    @property
    def diffs(self) -> Path:
        return diff_folder_for(self.db_path)


class AlertsHandler(BaseHTTPRequestHandler):
    server: AlertsServer
    server_version = "policywatch"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        pass  # quiet: the CLI prints one line at start

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802 - stdlib naming
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        try:
            limit = max(1, min(1000, int(query.get("limit", [DEFAULT_LIMIT])[0])))
        except ValueError:
            limit = DEFAULT_LIMIT
        path = parts.path
        public = self.server.public_url
        if path in {"/", "/index.html"}:
            with open_store(self.server.db_path, migrate=False) as store:
                events = recent_events(store, limit=limit)
            rows = "".join(
                f"<li>[{escape(type_label(e['type']))}] {escape(e['summary_zh'] or '')}<br>"
                f"{escape(e['summary_en'] or '')}"
                + (f" <a href='/diffs/{Path(e['diff_path']).name}'>diff</a>"
                   if e.get("diff_path") else "") + "</li>" for e in events)
            page = ("<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>"
                    "<title>policywatch alerts</title><link rel='alternate' "
                    "type='application/atom+xml' href='/feed.xml'></head><body>"
                    "<h1>policywatch alerts</h1><p><a href='/feed.xml'>Atom feed</a> · "
                    f"<a href='/alerts.json'>JSON</a></p><ul>{rows}</ul></body></html>")
            self._send(HTTPStatus.OK, page.encode("utf-8"), "text/html; charset=utf-8")
        elif path == "/feed.xml":
            with open_store(self.server.db_path, migrate=False) as store:
                events = recent_events(store, limit=limit)
            body = atom_feed(events, public_url=public, self_url=f"{public}/feed.xml")
            self._send(HTTPStatus.OK, body, "application/atom+xml; charset=utf-8")
        elif path == "/alerts.json":
            with open_store(self.server.db_path, migrate=False) as store:
                document = alerts_document(store, limit=limit, public_url=public, public=True)
            body = json.dumps(document, ensure_ascii=False, default=str).encode("utf-8")
            self._send(HTTPStatus.OK, body, "application/json; charset=utf-8")
        elif path.startswith("/diffs/") and _DIFF_NAME.match(path.removeprefix("/diffs/")):
            name = path.removeprefix("/diffs/")
            file = self.server.diffs / name
            if not file.is_file():
                self._send(HTTPStatus.NOT_FOUND, b"no such diff\n", "text/plain")
                return
            kind = "text/html" if name.endswith(".html") else "text/markdown"
            self._send(HTTPStatus.OK, file.read_bytes(), f"{kind}; charset=utf-8")
        else:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")


def make_server(db_path: Path, host: str = "127.0.0.1", port: int = 8000,
                public_url: str | None = None) -> AlertsServer:
    """Bind the alerts web view (port 0 picks a free port); call ``serve_forever()``."""
    return AlertsServer((host, port), db_path, public_url)
