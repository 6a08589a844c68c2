"""Shared ground for the alert tests: a processed database of real measures, a webhook
receiver and an SMTP server, all on 127.0.0.1.

The events come from realistic data: the 2022 Interim Measures and the 2026 Measures (each
published on MIIT and gov.cn), an English translation and a provincial standard in two
versions, extracted and linked by the real NLP stage. The fixtures built on these live in
``conftest.py``.
"""

from __future__ import annotations

import email
import email.policy
import json
import shutil
import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from policywatch.alerts.delivery import notify
from policywatch.settings import AlertSettings
from policywatch.stages import process_pending
from policywatch.store import open_store
from policywatch.store.alerts import add_subscription
from policywatch.store.notices import upsert_source
from tests.measures_support import record_notices

TODAY = date(2026, 1, 20)
SETTINGS = AlertSettings(retry_base_s=60, retry_max_s=3600, webhook_timeout_s=5)
REVENUE_ZH = "营业收入：≥ 1000万元（上年度） → ≥ 1500万元（上年度）"
REVENUE_EN = "revenue threshold >= 10 million yuan (last year) -> >= 15 million yuan (last year)"

# name -> (file, url, source, title, doc number, issuer, published, language)
NOTICES = ["measures_2022", "measures_2022_govcn", "translation", "province_v1"]
LATER = ["measures_2026", "measures_2026_govcn", "province_v2"]
SOURCES = {"miit": ("national", "zh"), "govcn": ("national", "zh"),
           "govcn_en": ("national", "en"), "province": ("某某省", "zh")}


def build_measures_db(path: Path) -> None:
    """Two rounds, as two crawls would store them: 2022 texts first, processed, then the
    2026 texts, processed. No events are derived yet."""
    with open_store(path) as store:
        for source, (region, language) in SOURCES.items():
            upsert_source(store, {"id": source, "name": source, "region": region,
                                  "language": language})
        record_notices(store, NOTICES)
        process_pending(store)
    with open_store(path) as store:
        wait_next_second()
        record_notices(store, LATER)
        process_pending(store)


def wait_next_second() -> None:
    """Linking compares second-precision timestamps; a later round starts a second later."""
    import time

    from policywatch.store.timeutil import utc_now

    start = utc_now()
    while utc_now() == start:
        time.sleep(0.02)


_TEMPLATE: list[Path] = []


def measures_template_path(tmp_path_factory) -> Path:
    """The processed database, built once per session (the alert test modules share it)."""
    if not _TEMPLATE:
        path = tmp_path_factory.mktemp("measures") / "template.db"
        build_measures_db(path)
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


def copy_of_template(tmp_path_factory, target: Path) -> Path:
    shutil.copy(measures_template_path(tmp_path_factory), target)
    return target


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# -- a real HTTP receiver ----------------------------------------------------------------
class Receiver:
    """A webhook receiver on 127.0.0.1 that records every POST.

    ``down_after=n`` closes its listening socket while answering the n-th request, so
    the next connection is refused: a channel going down in the middle of a run.
    """

    def __init__(self, port: int = 0, down_after: int | None = None, status: int = 200):
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": dict(self.headers), "body": body,
                                          "json": json.loads(body)})
                if down_after is not None and len(receiver.requests) >= down_after:
                    receiver.server.socket.close()  # no more connections from now on
                    receiver.down = True
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.down = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.down:
            try:
                self.server.handle_request()
            except OSError:
                break

    def stop(self) -> None:
        if not self.down:
            self.down = True
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                pass
        self.thread.join(timeout=5)
        self.server.server_close()

    def events(self) -> list[dict[str, Any]]:
        found = []
        for request in self.requests:
            document = request["json"]
            found += document["events"] if document.get("digest") else [document["event"]]
        return found


# -- a real SMTP server ------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.envelopes.append(envelope)
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


def subscribe(db_path: Path, **kwargs: Any) -> int:
    with open_store(db_path) as store:
        return add_subscription(store, **{"filters": {}, **kwargs})


def run_notify(db_path: Path, **kwargs: Any):
    kwargs.setdefault("settings", SETTINGS)
    kwargs.setdefault("today", TODAY)
    with open_store(db_path) as store:
        return notify(store, **kwargs)
