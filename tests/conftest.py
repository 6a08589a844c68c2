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


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    from policywatch.settings import SmtpSettings
    from tests.alerts_support import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings = SmtpSettings(host="127.0.0.1", port=controller.port,
                            sender="policywatch@example.org", timeout=5)
    yield inbox, settings
    controller.stop()
