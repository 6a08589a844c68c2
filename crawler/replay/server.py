"""The replay HTTP server: ``http://127.0.0.1:PORT/<host>/<path>`` serves ``<host><path>``.

Files come from layers of folders (``site/`` first, then named overlays such as
``update-2026``), later layers overriding earlier ones, so a test or the demo can move the
"sites" forward in time and see new versions appear. The ``site`` layer also serves the
real pages and attachment texts of the reference pack, made from it at request time
(:mod:`policywatch.crawler.replay.reference`; the project stores no copy), when the pack is
there. Dynamic endpoints (JSON listing APIs) are Python functions in
:mod:`policywatch.crawler.replay.endpoints` that read listing files from the same layers.
Faults (403, JS challenges, captchas, empty lists, truncated or huge bodies) are injected
per path prefix for tests.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import EllipsisType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from policywatch.crawler.replay.endpoints import ENDPOINTS
from policywatch.crawler.replay.reference import ReferenceContent
from policywatch.crawler.replay.responses import ReplayResponse
from policywatch.store.reference import resolve_reference

REPLAY_ROOT = Path(__file__).parent
DEFAULT_LAYERS = ("site",)
SITE_LAYER = REPLAY_ROOT / "site"  # the layer the reference pack's pages belong to
# Served with the site layer only where the pack is absent: a reconstructed State Council
# page, so that the gov.cn library the real pages fill is not empty (an empty list is a
# layout change to the spider).
STANDIN_LAYER = REPLAY_ROOT / "standin"
FAULT_KINDS = {"403", "412", "521", "captcha", "empty_list", "truncated", "huge", "slow",
               "garbage", "wrong_type", "500"}


class ReplaySite:
    """The content of the replay: layered folders plus dynamic endpoints.

    ``reference`` is the reference pack folder whose real pages the ``site`` layer serves;
    ``...`` (the default) resolves it (:func:`policywatch.store.reference.resolve_reference`),
    ``None`` serves the project's own pages alone.

    ``validators=False`` serves like the many government CMSs (and every dynamic page) that
    send neither ``ETag`` nor ``Last-Modified`` and never answer 304: a crawler can tell a
    revision only by fetching the page again and comparing its content.
    """

    def __init__(self, layers: tuple[str, ...] | list[str] = DEFAULT_LAYERS,
                 faults: dict[str, str] | None = None,
                 robots: dict[str, str] | None = None,
                 reference: Path | None | EllipsisType = ...,
                 validators: bool = True) -> None:
        self.validators = validators
        self.reference = ReferenceContent(resolve_reference() if reference is ... else reference)
        self.robots = dict(robots or {})
        self.user_agents: set[str] = set()
        self.layers = [REPLAY_ROOT / name if not Path(name).is_absolute() else Path(name)
                       for name in layers]
        for layer in self.layers:
            if not layer.is_dir():
                raise FileNotFoundError(f"replay layer {layer} does not exist")
        self.faults = dict(faults or {})
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()

    def set_layers(self, layers: list[str]) -> None:
        """Switch the replay to another point in time (e.g. add ``update-2026``)."""
        self.layers = [REPLAY_ROOT / name for name in layers]

    def file_layers(self) -> list[Path]:
        """The folders files are served from, first to last: the layers, plus the stand-in
        right after ``site`` when there is no reference pack."""
        if self.reference or SITE_LAYER not in self.layers:
            return list(self.layers)
        at = self.layers.index(SITE_LAYER) + 1
        return [*self.layers[:at], STANDIN_LAYER, *self.layers[at:]]

    def find_file(self, host: str, path: str) -> Path | None:
        """Return the file for ``host`` + ``path`` from the last layer that has it."""
        relative = Path(host) / unquote(path).lstrip("/")
        if ".." in relative.parts:
            return None
        for layer in reversed(self.file_layers()):
            candidate = layer / relative
            if candidate.is_dir():
                candidate = candidate / "index.html"
            if candidate.is_file():
                return candidate
        return None

    def reference_file(self, host: str, path: str) -> tuple[bytes, str] | None:
        """Body and Content-Type of a page or attachment made from the reference pack, while
        the ``site`` layer is served and the pack is there."""
        if SITE_LAYER not in self.layers:
            return None
        return self.reference.get(host, unquote(path))

    def read_json_layers(self, host: str, name: str) -> list[Any]:
        """Concatenate a JSON list file (e.g. a listing) across layers; later rows win by url.

        The ``site`` layer's rows start with those of the reference pack's pages."""
        merged: dict[str, Any] = {}
        for layer in self.file_layers():
            rows = self.reference.listing_rows(host, name) if layer == SITE_LAYER else []
            path = layer / host / name
            if path.is_file():
                rows = [*rows, *json.loads(path.read_text(encoding="utf-8"))]
            for row in rows:
                merged[row.get("url") or json.dumps(row, sort_keys=True)] = row
        return list(merged.values())

    def fault_for(self, host: str, path: str) -> str | None:
        target = f"{host}{path}"
        for prefix, kind in self.faults.items():
            if target.startswith(prefix):
                return kind
        return None

    def handle(self, host: str, path: str, query: dict[str, list[str]],
               headers: dict[str, str]) -> ReplayResponse:
        """Answer one request for ``host`` + ``path``."""
        with self._lock:
            key = f"{host}{path}"
            self.hits[key] = self.hits.get(key, 0) + 1
        fault = self.fault_for(host, path)
        if fault and fault != "empty_list":
            faulty = _fault_response(fault)
            if faulty is not None:
                return faulty
        self.user_agents.add(headers.get("user-agent", ""))
        if path == "/robots.txt" and (host in self.robots or self.find_file(host, path) is None):
            rules = self.robots.get(host, "User-agent: *\nDisallow: /private/\n")
            return ReplayResponse(200, rules.encode(), {"Content-Type": "text/plain"})
        endpoint = ENDPOINTS.get((host, path))
        if endpoint is not None:
            response = endpoint(self, query, empty=fault == "empty_list", headers=headers)
        else:
            file = self.find_file(host, path)
            made = self.reference_file(host, path) if file is None else None
            if file is not None:
                response = ReplayResponse(200, file.read_bytes(),
                                          {"Content-Type": _content_type(file)})
            elif made is not None:
                response = ReplayResponse(200, made[0], {"Content-Type": made[1]})
            else:
                return ReplayResponse(404, b"<html><body>404 Not Found</body></html>",
                                      {"Content-Type": "text/html"})
            if fault == "empty_list":
                response.body = b"<html><body><div class='list'></div></body></html>"
        if not self.validators:
            for name in ("ETag", "Last-Modified"):
                response.headers.pop(name, None)
            return response
        etag = '"' + hashlib.sha1(response.body).hexdigest()[:16] + '"'
        response.headers.setdefault("ETag", etag)
        if response.status == 200 and headers.get("if-none-match") == etag:
            return ReplayResponse(304, b"", {"ETag": etag})
        return response


def _content_type(file: Path) -> str:
    sidecar = file.with_name(file.name + ".headers.json")
    if sidecar.is_file():
        return json.loads(sidecar.read_text())["Content-Type"]
    guessed = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if file.suffix in {".htm", ".html", ".shtml"}:
        return "text/html; charset=utf-8" if b"charset=gb" not in file.read_bytes()[:2048] \
            .lower() else "text/html"
    return guessed


def _fault_response(kind: str) -> ReplayResponse | None:
    if kind in {"403", "500"}:
        return ReplayResponse(int(kind), b"<html><body>Forbidden</body></html>",
                              {"Content-Type": "text/html"})
    if kind in {"412", "521"}:
        body = (b"<html><script>document.cookie='__jsl_clearance=1599;max-age=3600;path=/';"
                b"window.location.reload();</script></html>")
        return ReplayResponse(int(kind), body, {"Content-Type": "text/html"})
    if kind == "captcha":
        body = "<html><head><title>安全验证</title></head><body>请输入验证码<div id='captcha'>" \
               "</div></body></html>".encode()
        return ReplayResponse(200, body, {"Content-Type": "text/html; charset=utf-8"})
    if kind == "garbage":
        return ReplayResponse(200, b"\x00\x9f<<<>>\xff\xfe</div></table><p", {
            "Content-Type": "text/html"})
    if kind == "slow":
        time.sleep(1)
        return None
    return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "policywatch-replay/1"
    site: ReplaySite

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        return  # keep test and demo output clean

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parts = urlsplit(self.path)
        segments = parts.path.lstrip("/").split("/", 1)
        host = segments[0]
        path = "/" + (segments[1] if len(segments) > 1 else "")
        headers = {k.lower(): v for k, v in self.headers.items()}
        fault = self.site.fault_for(host, path)
        response = self.site.handle(host, path, parse_qs(parts.query), headers)
        self.send_response(response.status)
        for key, value in response.headers.items():
            if fault == "wrong_type" and key == "Content-Type":
                value = "application/octet-stream"
            self.send_header(key, value)
        if fault == "huge":
            self._send_huge()
            return
        if fault == "truncated":
            # Announce the full length and send half: the client sees a cut connection.
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _send_huge(self) -> None:
        size = 200 * 1024 * 1024
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"<p>" + b"x" * 65533
        try:
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up at its size cap, as it should


class ReplayServer:
    """Serve a :class:`ReplaySite` on 127.0.0.1 in a background thread.

    >>> with ReplayServer() as replay:  # doctest: +SKIP
    ...     replay.base_url
    'http://127.0.0.1:43121'
    """

    def __init__(self, layers: tuple[str, ...] | list[str] = DEFAULT_LAYERS,
                 faults: dict[str, str] | None = None, port: int = 0,
                 robots: dict[str, str] | None = None,
                 reference: Path | None | EllipsisType = ...,
                 validators: bool = True) -> None:
        self.site = ReplaySite(layers, faults, robots, reference, validators)
        handler = type("Handler", (_Handler,), {"site": self.site})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> ReplayServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
