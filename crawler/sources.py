"""Sources described in configuration: ``[sources.NAME]`` tables of ``policywatch.toml``.

A government site on a CMS platform the crawler knows, or on any other (``generic``), is
watched without code::

    [sources.shiyan_gxj]
    platform = "generic"
    list_urls = ["https://gxj.example.gov.cn/tzgg/index.html"]
    region = "示例市"
    issuer = "示例市工业和信息化局"
    max_pages = 3

Keys: ``platform`` (one of :data:`PLATFORMS`), ``list_urls`` (the first list page of
each column; per platform: ``trs`` static ``index.html`` lists, ``hanweb`` column pages
``.../col/colN/index.html?uid=U``, ``gkmlpt`` ``<site>/gkmlpt/index#<category id>``,
``jpaas`` column pages, ``generic`` any list page), optional ``region``, ``language``
(``zh`` or ``en``), ``issuer``, ``max_pages`` (list pages per column and run) and, for
``trs``, ``list_item_xpath`` (the list rows; without it the generic list reader finds them).

Scrapy-free, so the app reads and checks the file without starting the crawler; every
mistake is one :class:`SourceConfigError` line that names the table and key.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

PLATFORMS = ("generic", "trs", "hanweb", "gkmlpt", "jpaas")
LANGUAGES = ("zh", "en")
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_KEYS = {"platform", "list_urls", "region", "language", "issuer", "max_pages",
         "list_item_xpath"}
_HANWEB_COLUMN = re.compile(r"/col/col(\d+)/")


class SourceConfigError(ValueError):
    """A ``[sources.NAME]`` table that cannot describe a source; the message names the key."""


@dataclass(frozen=True)
class SourceDefinition:
    """One configured source, checked: what a spider is built from."""

    name: str
    platform: str
    list_urls: tuple[str, ...]
    region: str | None = None
    language: str = "zh"
    issuer: str | None = None
    max_pages: int | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (what the crawler's ``POLICYWATCH_SOURCES`` setting holds)."""
        values = asdict(self)
        values["list_urls"] = list(self.list_urls)
        return values

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SourceDefinition:
        """The inverse of :meth:`as_dict`."""
        return cls(**{**values, "list_urls": tuple(values["list_urls"]),
                      "options": dict(values.get("options") or {})})

    @property
    def hosts(self) -> list[str]:
        """The host names of the list URLs, in order, once each."""
        return list(dict.fromkeys((urlsplit(u).hostname or "").lower()
                                  for u in self.list_urls))


def _where(name: str, key: str | None = None) -> str:
    return f"[sources.{name}] {key}" if key else f"[sources.{name}]"


def _text(name: str, table: dict[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise SourceConfigError(f"{_where(name, key)}: expected a non-empty string, "
                                f"got {value!r}")
    return value.strip()


def _list_urls(name: str, table: dict[str, Any]) -> tuple[str, ...]:
    value = table.get("list_urls")
    if value is None:
        raise SourceConfigError(f"{_where(name, 'list_urls')}: missing; give the first list "
                                "page of each column, e.g. list_urls = "
                                "[\"https://www.example.gov.cn/tzgg/index.html\"]")
    urls = [value] if isinstance(value, str) else value
    if not isinstance(urls, list) or not urls:
        raise SourceConfigError(f"{_where(name, 'list_urls')}: expected a list of URLs, "
                                f"got {value!r}")
    for url in urls:
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in {"http", "https"} or not parts.hostname:
            raise SourceConfigError(f"{_where(name, 'list_urls')}: {url!r} is not an "
                                    "http(s) URL")
    return tuple(urls)


def _platform_checks(name: str, platform: str, urls: tuple[str, ...]) -> None:
    """What each platform's list URLs must say for its base spider to walk them."""
    for url in urls:
        parts = urlsplit(url)
        if platform == "hanweb" and not (_HANWEB_COLUMN.search(parts.path)
                                         and parse_qs(parts.query).get("uid")):
            raise SourceConfigError(
                f"{_where(name, 'list_urls')}: {url!r}: a hanweb list is a column page that "
                "names its list unit, .../col/colN/index.html?uid=U")
        if platform == "gkmlpt" and not (parts.path.rstrip("/").endswith("/gkmlpt/index")
                                         and parts.fragment.isdigit()):
            raise SourceConfigError(
                f"{_where(name, 'list_urls')}: {url!r}: a gkmlpt list is the site's "
                "directory and a category id, https://HOST/gkmlpt/index#CATEGORY")
    roots = {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in urls}
    if platform in {"hanweb", "gkmlpt"} and len(roots) > 1:
        raise SourceConfigError(f"{_where(name, 'list_urls')}: a {platform} source is one "
                                f"site; these name {len(roots)} ({', '.join(sorted(roots))})")


def source_definition(name: str, table: Any) -> SourceDefinition:
    """Check one ``[sources.NAME]`` table and return its definition.

    >>> source_definition("city", {"platform": "generic",
    ...                            "list_urls": ["https://x.gov.cn/tzgg/"]}).hosts
    ['x.gov.cn']
    >>> try:
    ...     source_definition("city", {"platform": "wordpress", "list_urls": []})
    ... except SourceConfigError as exc:
    ...     print(str(exc).split(" (")[0])
    [sources.city] platform: 'wordpress' is not a known platform

    Raises:
        SourceConfigError: a missing or malformed key, named in the message.
    """
    if not isinstance(table, dict):
        raise SourceConfigError(f"{_where(name)}: expected a table of settings, "
                                f"got {table!r}")
    if not _NAME.match(name):
        raise SourceConfigError(f"{_where(name)}: a source name is a lower-case letter, then "
                                "lower-case letters, digits or _ (at most 40)")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise SourceConfigError(f"{_where(name, unknown[0])}: unknown key (known: "
                                f"{', '.join(sorted(_KEYS))})")
    platform = table.get("platform")
    if platform is None:
        raise SourceConfigError(f"{_where(name, 'platform')}: missing; one of "
                                f"{', '.join(PLATFORMS)}")
    if platform not in PLATFORMS:
        raise SourceConfigError(f"{_where(name, 'platform')}: {platform!r} is not a known "
                                f"platform ({', '.join(PLATFORMS)})")
    urls = _list_urls(name, table)
    _platform_checks(name, platform, urls)
    language = _text(name, table, "language") or "zh"
    if language not in LANGUAGES:
        raise SourceConfigError(f"{_where(name, 'language')}: {language!r} is not one of "
                                f"{', '.join(LANGUAGES)}")
    max_pages = table.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int)
                                  or not 1 <= max_pages <= 1000):
        raise SourceConfigError(f"{_where(name, 'max_pages')}: expected a whole number from "
                                f"1 to 1000, got {max_pages!r}")
    options: dict[str, Any] = {}
    xpath = _text(name, table, "list_item_xpath")
    if xpath is not None:
        if platform != "trs":
            raise SourceConfigError(f"{_where(name, 'list_item_xpath')}: only the trs "
                                    "platform takes it")
        options["list_item_xpath"] = xpath
    return SourceDefinition(name=name, platform=platform, list_urls=urls,
                            region=_text(name, table, "region"), language=language,
                            issuer=_text(name, table, "issuer"), max_pages=max_pages,
                            options=options)


def source_definitions(tables: Any) -> list[SourceDefinition]:
    """Check every table under ``[sources]``; in file order.

    Raises:
        SourceConfigError: the first table with a mistake, named in the message.
    """
    if tables is None:
        return []
    if not isinstance(tables, dict):
        raise SourceConfigError(f"[sources]: expected tables [sources.NAME], got {tables!r}")
    return [source_definition(name, table) for name, table in tables.items()]
