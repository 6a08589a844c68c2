"""Where policywatch keeps its data, resolved the same way by every command."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from policywatch.errors import PolicywatchError

DEFAULT_DB = "policywatch.db"
DEMO_DB = "policywatch-demo.db"
DB_ENV = "POLICYWATCH_DB"


def resolve_db_path(option: str | None) -> Path:
    """Return the database path: ``--db`` wins, then ``$POLICYWATCH_DB``, then ``./policywatch.db``.

    >>> resolve_db_path("x.db").name
    'x.db'
    """
    return Path(option or os.environ.get(DB_ENV) or DEFAULT_DB)


# -- configuration file and alert settings ------------------------------------------------
CONFIG_ENV = "POLICYWATCH_CONFIG"
DEFAULT_CONFIG = "policywatch.toml"
T = TypeVar("T")


class ConfigError(PolicywatchError):
    """The configuration file cannot be read, or a setting has the wrong type."""


def load_config(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read the TOML configuration: ``path``, else ``$POLICYWATCH_CONFIG``, else
    ``./policywatch.toml``; a default file that does not exist is an empty configuration.

    Sections: ``[smtp]`` (see :class:`SmtpSettings`), ``[alerts]`` (see
    :class:`AlertSettings`), ``[limits]``, ``[crawl]`` (see :class:`CrawlSettings`) and
    ``[sources.NAME]`` (see :func:`source_settings`). Environment variables override the
    file.

    Raises:
        ConfigError: a named file is missing, or a file is not valid TOML.
    """
    import tomllib

    named = path or os.environ.get(CONFIG_ENV)
    config_path = Path(named or DEFAULT_CONFIG)
    if not config_path.exists():
        if named:
            raise ConfigError(f"configuration file {config_path} does not exist")
        return {}
    try:
        with config_path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read configuration {config_path}: {exc}") from exc


def _setting(config: dict[str, Any], section: str, key: str, env: Mapping[str, str],
             kind: type, default: Any) -> Any:
    env_name = f"POLICYWATCH_{section.upper()}_{key.upper()}"
    raw: Any = env.get(env_name)
    origin = env_name
    if raw is None:
        raw = config.get(section, {}).get(key)
        origin = f"[{section}] {key}"
    if raw is None or raw == "":
        return default
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                raise ValueError(raw)
            return text in {"1", "true", "yes", "on"}
        return kind(raw)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{origin}: {raw!r} is not a valid {kind.__name__}") from exc


@dataclass(frozen=True)
class SmtpSettings:
    """Where e-mail alerts go out: ``[smtp]`` in the config file or
    ``POLICYWATCH_SMTP_HOST``, ``_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_SENDER``,
    ``_STARTTLS``, ``_SSL``, ``_TIMEOUT`` in the environment.

    STARTTLS on port 587 by default (the submission port); ``ssl`` speaks TLS from the
    first byte (port 465). With neither, ``notify`` warns that mail goes out in clear text
    and a password is never sent to another machine. ``cafile`` trusts a private CA (a
    company relay) besides the system's."""

    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "policywatch@localhost"
    starttls: bool = True
    ssl: bool = False
    timeout: float = 30.0
    cafile: str | None = None

    @property
    def configured(self) -> bool:
        return bool(self.host)


def _section(cls: type[T], section: str, config: dict[str, Any] | None,
             env: Mapping[str, str] | None) -> T:
    """Build a settings dataclass from ``[section]`` and ``POLICYWATCH_<SECTION>_<NAME>``;
    each field's default gives its type (``str`` where the default is None)."""
    config = load_config() if config is None else config
    env = os.environ if env is None else env
    defaults = cls()
    values = {}
    for item in fields(cls):  # type: ignore[arg-type]
        default = getattr(defaults, item.name)
        kind = str if default is None else type(default)
        values[item.name] = _setting(config, section, item.name, env, kind, default)
    return cls(**values)


def smtp_settings(config: dict[str, Any] | None = None,
                  env: Mapping[str, str] | None = None) -> SmtpSettings:
    """SMTP settings from the config file (``load_config()`` when None) and environment."""
    return _section(SmtpSettings, "smtp", config, env)


@dataclass(frozen=True)
class AlertSettings:
    """How alerts are derived and retried: ``[alerts]`` in the config file or
    ``POLICYWATCH_ALERTS_<NAME>`` in the environment.

    ``effective_soon_days``: a measure taking effect or expiring within this many days is
    an ``effective_soon`` event. ``source_broken_runs``: this many degraded or failed crawl
    runs of a source in a row make a ``source_broken`` event. ``retry_base_s`` and
    ``retry_max_s``: a failed delivery waits base, 2 x base, 4 x base, ... at most max.
    ``max_attempts``: after this many failed attempts a delivery is ``dead``: no longer
    retried by itself, listed by ``alerts``, sent again by ``notify --retry-dead``.
    ``webhook_timeout_s``: seconds to connect and to read, per webhook or Apprise send.
    ``public_url``: where ``policywatch serve`` is reachable, for links to full diffs.
    """

    effective_soon_days: int = 30
    source_broken_runs: int = 3
    retry_base_s: int = 60
    retry_max_s: int = 6 * 3600
    max_attempts: int = 8
    webhook_timeout_s: float = 10.0
    public_url: str | None = None


def alert_settings(config: dict[str, Any] | None = None,
                   env: Mapping[str, str] | None = None) -> AlertSettings:
    """Alert settings from the config file (``load_config()`` when None) and environment."""
    return _section(AlertSettings, "alerts", config, env)


@dataclass(frozen=True)
class WebSettings:
    """The web app (``policywatch serve``): ``[web]`` in the config file or
    ``POLICYWATCH_WEB_<NAME>`` in the environment.

    ``token``: the secret that unlocks everything that writes (subscriptions: create,
    remove, test-send) through the login form or ``Authorization: Bearer TOKEN``; unset,
    nothing that writes is open. ``session_hours``: how long a browser login lasts.
    """

    token: str | None = None
    session_hours: int = 12


def web_settings(config: dict[str, Any] | None = None,
                 env: Mapping[str, str] | None = None) -> WebSettings:
    """Web settings from the config file (``load_config()`` when None) and environment.

    >>> web_settings({"web": {"token": "from-the-file"}}, env={}).token
    'from-the-file'
    >>> web_settings({}, env={"POLICYWATCH_WEB_TOKEN": "from-the-env"}).token
    'from-the-env'
    """
    return _section(WebSettings, "web", config, env)


@dataclass(frozen=True)
class LimitSettings:
    """Bounds that keep one bad input from stalling everything: ``[limits]`` in the config
    file or ``POLICYWATCH_LIMITS_<NAME>`` in the environment.

    ``import_max_bytes``: ``import`` refuses a larger file (50 MiB by default: the largest
    policy PDFs with scans run to tens of MB; a text dump beyond that is not a notice).
    ``max_text_chars``: a document whose text is longer is refused by ``import`` and
    skipped, counted and reported by ``process`` (1,000,000 characters by default; the
    longest State Council plans run to about 60,000).
    """

    import_max_bytes: int = 50 * 1024 * 1024
    max_text_chars: int = 1_000_000


def limit_settings(config: dict[str, Any] | None = None,
                   env: Mapping[str, str] | None = None) -> LimitSettings:
    """Limit settings from the config file (``load_config()`` when None) and environment."""
    return _section(LimitSettings, "limits", config, env)


# -- crawling: the revisit policy and sources described in configuration -------------------
_DURATION_PART = re.compile(r"(\d+)([smhd])")
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_seconds(text: str) -> int:
    """Seconds in ``0s``, ``90s``, ``30m``, ``6h``, ``1d`` or ``1h30m``.

    >>> duration_seconds("1h30m"), duration_seconds("14d"), duration_seconds("0s")
    (5400, 1209600, 0)

    Raises:
        ValueError: the text is not such a duration.
    """
    compact = text.replace(" ", "").lower()
    parts = list(_DURATION_PART.finditer(compact))
    if not parts or "".join(p.group(0) for p in parts) != compact:
        raise ValueError(f"{text!r} is not a duration like 0s, 30m, 6h, 1d or 1h30m")
    return sum(int(p.group(1)) * _DURATION_UNITS[p.group(2)] for p in parts)


@dataclass(frozen=True)
class CrawlSettings:
    """The revisit policy: ``[crawl]`` in the config file or ``POLICYWATCH_CRAWL_<NAME>``.

    ``revisit``: the shortest wait before a known page or attachment is looked at again
    (``"0s"``: every run looks at everything). ``revisit_max``: the longest wait. Between
    them a notice waits a tenth of its age, half as long again for each look that found it
    unchanged, and ``revisit`` after a change (:mod:`policywatch.store.revisit`).
    ``revisit_max_per_run`` and ``revisit_max_per_host``: at most this many requests for
    known pages and attachments per source and run, and per host; the most overdue go
    first, the rest wait for the next run.
    """

    revisit: str = "6h"
    revisit_max: str = "14d"
    revisit_max_per_run: int = 500
    revisit_max_per_host: int = 200

    def scrapy_settings(self) -> dict[str, int]:
        """The crawler's settings for this policy (``POLICYWATCH_REVISIT_*``).

        Raises:
            ConfigError: a duration or ceiling that means nothing, naming its key.
        """
        values: dict[str, int] = {}
        for key, setting in (("revisit", "MIN_S"), ("revisit_max", "MAX_S")):
            try:
                values[f"POLICYWATCH_REVISIT_{setting}"] = duration_seconds(getattr(self, key))
            except ValueError as exc:
                raise ConfigError(f"[crawl] {key}: {exc}") from None
        for key in ("revisit_max_per_run", "revisit_max_per_host"):
            if getattr(self, key) < 1:
                raise ConfigError(f"[crawl] {key}: {getattr(self, key)} is not a positive "
                                  "number of requests")
        values["POLICYWATCH_REVISIT_MAX_PER_RUN"] = self.revisit_max_per_run
        values["POLICYWATCH_REVISIT_MAX_PER_HOST"] = self.revisit_max_per_host
        return values


def crawl_settings(config: dict[str, Any] | None = None,
                   env: Mapping[str, str] | None = None) -> CrawlSettings:
    """Crawl settings from the config file (``load_config()`` when None) and environment.

    Raises:
        ConfigError: a setting with the wrong type or meaning, naming its key.
    """
    settings = _section(CrawlSettings, "crawl", config, env)
    settings.scrapy_settings()  # say now, not mid-crawl, which key is wrong
    return settings


def source_settings(config: dict[str, Any] | None = None) -> list[Any]:
    """The sources ``[sources.NAME]`` tables describe, checked
    (:class:`policywatch.crawler.sources.SourceDefinition`, in file order).

    Raises:
        ConfigError: a table that cannot describe a source, naming the table and key.
    """
    from policywatch.crawler.sources import SourceConfigError, source_definitions

    config = load_config() if config is None else config
    try:
        return source_definitions(config.get("sources"))
    except SourceConfigError as exc:
        raise ConfigError(str(exc)) from None
