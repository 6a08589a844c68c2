"""Shared ground for the alert tests: a processed database of real measures, a webhook
receiver (also an Apprise ``json://`` target), DingTalk-, WeCom- and Feishu-shaped robot
endpoints over TLS and an SMTP server that requires STARTTLS, all on 127.0.0.1.

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
import ssl
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
        process_pending(store, derive=False)
    with open_store(path) as store:
        wait_next_second()
        record_notices(store, LATER)
        process_pending(store, derive=False)


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
    ``status`` is the answer; with a 3xx one, ``location`` is the Location header.
    """

    def __init__(self, port: int = 0, down_after: int | None = None, status: int = 200,
                 location: str | None = None):
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - a followed redirect would arrive here
                receiver.requests.append({"method": "GET", "path": self.path,
                                          "headers": dict(self.headers), "body": b"",
                                          "json": None})
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"method": "POST", "path": self.path,
                                          "headers": dict(self.headers), "body": body,
                                          "json": json.loads(body)})
                if down_after is not None and len(receiver.requests) >= down_after:
                    receiver.server.socket.close()  # no more connections from now on
                    receiver.down = True
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.apprise_url = f"json://127.0.0.1:{self.port}/hook"
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


# -- TLS on 127.0.0.1 ---------------------------------------------------------------------
ROBOT_HOSTS = ("oapi.dingtalk.com", "qyapi.weixin.qq.com", "open.feishu.cn")
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def make_certificate(folder: Path, names: tuple[str, ...] = ROBOT_HOSTS) -> tuple[Path, Path]:
    """A self-signed certificate for ``names``, localhost and 127.0.0.1 (its own CA, so a
    test can trust exactly it); returns (certificate, key) PEM paths."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "policywatch test")])
    now = dt.datetime.now(dt.UTC)
    alt = [x509.DNSName(n) for n in (*names, "localhost")] + [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(alt), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class RobotEndpoints:
    """DingTalk-, WeCom- and Feishu-shaped robot endpoints, over TLS on 127.0.0.1.

    Each takes what its service takes and answers as it does (HTTP 200 and a JSON verdict):

    - DingTalk ``POST /robot/send?access_token=T``: ``msgtype`` text or markdown with its
      fields; ``{"errcode":0,"errmsg":"ok"}``, or 300001 for an unknown token;
    - WeCom ``POST /cgi-bin/webhook/send?key=K``: ``msgtype`` text (at most 2,048 bytes) or
      markdown; ``{"errcode":0,"errmsg":"ok"}``, 93000 for an unknown key, 40058 for a
      text too long;
    - Feishu ``POST /open-apis/bot/v2/hook/T/``: ``msg_type`` text or interactive;
      ``{"code":0,"msg":"success"}``, or 19001 for an unknown token.

    ``requests`` records (service, credential, parsed body, verdict) of each request.
    """

    def __init__(self, cert: Path, key: Path, *, dingtalk: set[str], wecom: set[str],
                 feishu: set[str]):
        self.requests: list[dict[str, Any]] = []
        endpoints = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                from urllib.parse import parse_qs, urlsplit

                raw = self.rfile.read(int(self.headers["Content-Length"]))
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                host = self.headers["Host"].split(":")[0]
                body = json.loads(raw)
                if host == "oapi.dingtalk.com" and parts.path == "/robot/send":
                    service, credential = "dingtalk", query.get("access_token", [""])[0]
                    verdict = endpoints._dingtalk(credential in dingtalk, body)
                elif host == "qyapi.weixin.qq.com" and parts.path == "/cgi-bin/webhook/send":
                    service, credential = "wecom", query.get("key", [""])[0]
                    verdict = endpoints._wecom(credential in wecom, body)
                elif host == "open.feishu.cn" and \
                        parts.path.startswith("/open-apis/bot/v2/hook/"):
                    service = "feishu"
                    credential = parts.path.removeprefix("/open-apis/bot/v2/hook/").strip("/")
                    verdict = endpoints._feishu(credential in feishu, body)
                else:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                endpoints.requests.append({"service": service, "credential": credential,
                                           "headers": dict(self.headers), "json": body,
                                           "verdict": verdict})
                answer = json.dumps(verdict, ensure_ascii=False).encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = server_context(cert, key).wrap_socket(self.server.socket,
                                                                   server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _dingtalk(known: bool, body: dict[str, Any]) -> dict[str, Any]:
        if not known:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        kind = body.get("msgtype")
        fields = {"text": ("content",), "markdown": ("title", "text")}.get(kind)
        if fields is None or not all((body.get(kind) or {}).get(f) for f in fields):
            return {"errcode": 40035, "errmsg": "缺少参数 json"}
        return {"errcode": 0, "errmsg": "ok"}

    @staticmethod
    def _wecom(known: bool, body: dict[str, Any]) -> dict[str, Any]:
        if not known:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        kind = body.get("msgtype")
        content = (body.get(kind) or {}).get("content") if kind in {"text", "markdown"} \
            else None
        if not content:
            return {"errcode": 40008, "errmsg": "invalid message type"}
        if kind == "text" and len(content.encode("utf-8")) > 2048:
            return {"errcode": 40058, "errmsg": "content exceed max length 2048"}
        return {"errcode": 0, "errmsg": "ok"}

    @staticmethod
    def _feishu(known: bool, body: dict[str, Any]) -> dict[str, Any]:
        if not known:
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        if body.get("msg_type") not in {"text", "interactive"}:
            return {"code": 19002, "msg": "params error, msg_type need"}
        return {"code": 0, "msg": "success", "data": {}}

    def of(self, service: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["service"] == service]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def route_robot_hosts(monkeypatch, port: int, cert: Path) -> None:
    """Resolve the robots' real host names to 127.0.0.1:``port`` and trust ``cert`` for
    HTTPS; any other name that is not loopback fails to resolve, so nothing leaves this
    machine even if a plugin asked for another host."""
    real = socket.getaddrinfo

    def getaddrinfo(host, service, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        if name in ROBOT_HOSTS:
            return real("127.0.0.1", port, *args, **kwargs)
        if name not in LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"{name}: not resolved in tests")
        return real(host, service, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                 "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")


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
