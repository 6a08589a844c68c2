"""What the web app loads once and shares between requests.

:class:`WebState` holds the database path, the settings, the embedding model, and one
SQLite connection per worker thread (sqlite3 connections belong to the thread that opened
them; WAL lets them read while another writes). :meth:`WebState.load` does the slow work
once, before the server listens: the model, the CC-CEDICT dictionary, jieba's word list
and the in-memory vector index, so no request pays the ~8 s start-up of a CLI search.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from policywatch.settings import AlertSettings, SmtpSettings, WebSettings
from policywatch.store import Store, open_store
from policywatch.store.reporting import Echo


@dataclass
class LoadReport:
    """What :meth:`WebState.load` did and how long each part took (seconds)."""

    model: str | None = None
    model_note: str | None = None
    indexed: dict[str, Any] | None = None
    events: int | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{name} {value:.1f}s" for name, value in self.seconds.items()]
        model = self.model or f"no embedding model ({self.model_note})"
        return f"loaded once: {model}; " + ", ".join(parts)


class WebState:
    """The shared state of one running web app.

    Args:
        db_path: the database the app serves (it must exist).
        web: ``[web]`` settings (the token).
        alerts: ``[alerts]`` settings (``public_url`` for links in feeds).
        public_url: where the app is reachable; None until the server binds.
        embedder: the model for the dense list; ``...`` loads the configured one in
            :meth:`load`, None searches words and translation only.
    """

    def __init__(self, db_path: Path, *, web: WebSettings | None = None,
                 alerts: AlertSettings | None = None, smtp: SmtpSettings | None = None,
                 public_url: str | None = None, embedder: Any = ...) -> None:
        self.db_path = Path(db_path)
        self.web = web or WebSettings()
        self.alerts = alerts or AlertSettings()
        self._smtp = smtp
        self.public_url = public_url or self.alerts.public_url
        self.embedder = embedder
        self.model_note: str | None = None
        self.loaded = False
        self._local = threading.local()
        self._opened: list[Store] = []
        self._lock = threading.Lock()

    def model_name(self) -> str | None:
        """The embedding model's name, or None (words and translation only)."""
        return getattr(self.embedder, "name", None)

    def smtp(self) -> SmtpSettings:
        """SMTP settings for e-mail subscriptions, read when first needed."""
        if self._smtp is None:
            from policywatch.settings import smtp_settings

            self._smtp = smtp_settings()
        return self._smtp

    # -- stores ---------------------------------------------------------------------------
    def store(self) -> Store:
        """This thread's connection to the database (opened on first use, kept)."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.db_path, migrate=False)
            self._local.store = store
            with self._lock:
                self._opened.append(store)
        return store

    def close(self) -> None:
        """Close the connections this thread can close; the others go with their threads."""
        with self._lock:
            opened, self._opened = self._opened, []
        for store in opened:
            try:
                store.close()
            except sqlite3.ProgrammingError:
                pass  # opened by another thread: closed when that thread's objects go

    # -- loading once ----------------------------------------------------------------------
    def load(self, *, update: bool = True, echo: Echo | None = None) -> LoadReport:
        """Load the model, the dictionary, jieba and the vector index; with ``update``
        also index notices not in the search index yet and derive new alert events (what
        ``search`` and ``alerts`` do before they answer)."""
        from policywatch.nlp.retrieval.search import search
        from policywatch.nlp.retrieval.translate import dictionary_info

        report = LoadReport()
        store = self.store()
        started = time.perf_counter()
        if self.embedder is ...:
            from policywatch.nlp.retrieval.embeddings import optional_embedder

            self.embedder, self.model_note = optional_embedder()
        report.seconds["model"] = time.perf_counter() - started
        report.model = getattr(self.embedder, "name", None)
        report.model_note = self.model_note
        if update:
            from policywatch.alerts.events import derive_events
            from policywatch.nlp.retrieval.indexing import index_pending

            tick = time.perf_counter()
            report.indexed = index_pending(store, self.embedder)
            report.seconds["index"] = time.perf_counter() - tick
            tick = time.perf_counter()
            report.events = len(derive_events(store, settings=self.alerts))
            report.seconds["events"] = time.perf_counter() - tick
        tick = time.perf_counter()
        dictionary_info()
        report.seconds["dictionary"] = time.perf_counter() - tick
        tick = time.perf_counter()
        # One search loads jieba's word list, the glossary and the vector index.
        search(store, "专精特新 小巨人 little giant", limit=1, embedder=self.embedder)
        report.seconds["index and words"] = time.perf_counter() - tick
        self.loaded = True
        if echo is not None:
            echo(report.describe())
        return report
