"""Shared fixtures: a fresh store, the replay server, the CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from policywatch.store import open_store

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
GOVCN_PAGES = SHARED / "reference" / "govcn-pages"
FIXTURES = Path(__file__).parent / "fixtures"
# The reference pack of real texts, named for the library through its setting (the replay,
# the benchmarks and the labelled sets read it from there), or None where it is absent.
REFERENCE = (SHARED / "reference") if (SHARED / "reference").is_dir() else None
if REFERENCE is not None:
    os.environ.setdefault("POLICYWATCH_REFERENCE", str(REFERENCE))
needs_reference = pytest.mark.skipif(REFERENCE is None,
                                     reason="needs the reference pack ../shared/reference")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path: Path):
    with open_store(db_path) as opened:
        yield opened


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("POLICYWATCH_DB", raising=False)
    return CliRunner()


@pytest.fixture
def replay():
    from policywatch.crawler.replay import ReplayServer

    with ReplayServer() as server:
        yield server


def pytest_report_header(config: pytest.Config) -> str:
    return f"shared reference pack: {SHARED} ({'present' if SHARED.exists() else 'MISSING'})"


os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


# -- alerts: a processed database of real measures, a webhook receiver, an SMTP server ---
@pytest.fixture
def measures_db(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    from tests.alerts_support import copy_of_template

    return copy_of_template(tmp_path_factory, tmp_path / "alerts.db")


@pytest.fixture
def receiver():
    from tests.alerts_support import Receiver

    server = Receiver()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory):
    """A self-signed certificate for the robots' host names, localhost and 127.0.0.1."""
    from tests.alerts_support import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def smtp_server(tls_certificate):
    """An SMTP server on 127.0.0.1 that requires STARTTLS (the default policywatch speaks),
    with settings that trust its certificate."""
    from aiosmtpd.controller import Controller

    from policywatch.settings import SmtpSettings
    from tests.alerts_support import Inbox, free_port, server_context

    inbox = Inbox()
    cert, key = tls_certificate
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            tls_context=server_context(cert, key), require_starttls=True)
    controller.start()
    settings = SmtpSettings(host="127.0.0.1", port=controller.port,
                            sender="policywatch@example.org", timeout=5, cafile=str(cert))
    yield inbox, settings
    controller.stop()


#: The robot credentials the shaped endpoints know (any other is refused as the real
#: services refuse it).
DINGTALK_TOKEN = "6f1ab2c3d4e5f60718293a4b5c6d7e8f"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
FEISHU_TOKEN = "0b5ac9e2-3f1d-4c8a-9b7e-5d2f6a1c8e40"


@pytest.fixture
def robots(tls_certificate, monkeypatch):
    """DingTalk-, WeCom- and Feishu-shaped endpoints over TLS on 127.0.0.1, with their real
    host names resolved there (and nowhere else) for this test."""
    from tests.alerts_support import RobotEndpoints, route_robot_hosts

    cert, key = tls_certificate
    endpoints = RobotEndpoints(cert, key, dingtalk={DINGTALK_TOKEN}, wecom={WECOM_KEY},
                               feishu={FEISHU_TOKEN})
    route_robot_hosts(monkeypatch, endpoints.port, cert)
    yield endpoints
    endpoints.stop()
