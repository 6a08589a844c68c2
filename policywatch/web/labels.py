"""Names the pages show, Chinese first with the English beside it.

Tiers, metrics and periods come from the rule data (``nlp/data``), event types from the
alert stage, so a page names a thing the way a diff or an alert does.
"""

from __future__ import annotations

from typing import Any

#: Edge types of the lineage, as a reader says them (``A supersedes B``: A 取代 B).
EDGE_LABELS = {
    "supersedes": ("取代", "supersedes"),
    "amends": ("修改", "amends"),
    "translation_of": ("译文", "translation of"),
    "same_as": ("同一文件", "same document as"),
    "interprets": ("解读", "interprets"),
    "implements": ("贯彻实施", "implements"),
    "cites": ("引用", "cites"),
}
#: Document kinds (``nlp/extract/kinds.py``).
KIND_LABELS = {
    "normative": ("规范性文件", "normative"),
    "notice": ("通知", "notice"),
    "interpretation": ("解读", "interpretation"),
    "news": ("新闻", "news"),
    "list": ("名单公示", "list"),
    "form": ("表格", "form"),
    "other": ("其他", "other"),
}
LANGUAGE_LABELS = {"zh": ("中文", "Chinese"), "en": ("英文", "English")}
CHANGE_LABELS = {"new_version": ("新版本", "new version"), "superseded": ("被取代", "superseded"),
                 "amended": ("被修改", "amended")}
CLAUSE_STATUS = {"changed": ("修改", "changed"), "added": ("新增", "added"),
                 "removed": ("删除", "removed"), "moved": ("移动", "moved"),
                 "unchanged": ("未变", "unchanged")}
DATE_LABELS = {"written": ("成文日期", "written"), "published": ("发布日期", "published"),
               "effective": ("施行日期", "takes effect"), "expires": ("失效日期", "expires")}


def pair(zh: str, en: str) -> dict[str, str]:
    """A label in both languages.

    >>> pair("取代", "supersedes")
    {'zh': '取代', 'en': 'supersedes'}
    """
    return {"zh": zh, "en": en}


def _table(table: dict[str, tuple[str, str]], key: Any) -> dict[str, str]:
    zh, en = table.get(str(key), (str(key), str(key)))
    return pair(zh, en)


def edge_label(kind: str) -> dict[str, str]:
    """Chinese and English for an edge type.

    >>> edge_label("supersedes")["zh"]
    '取代'
    """
    return _table(EDGE_LABELS, kind)


def kind_label(kind: str | None) -> dict[str, str]:
    return _table(KIND_LABELS, kind or "other")


def language_label(language: str | None) -> dict[str, str]:
    return _table(LANGUAGE_LABELS, language or "zh")


def event_label(event_type: str) -> dict[str, str]:
    """Chinese and English for an event type.

    >>> event_label("criteria_changed")
    {'zh': '认定条件变化', 'en': 'criteria changed'}
    """
    from policywatch.alerts.events import TYPE_LABELS

    return _table(TYPE_LABELS, event_type)


def _display(kind: str, key: Any) -> dict[str, str]:
    from policywatch.nlp.extract.lexicon import display_names

    entry = display_names(kind).get(str(key))
    return pair(entry["zh"], entry["en"]) if entry else pair(str(key), str(key))


def tier_label(tier: str | None) -> dict[str, str]:
    """Chinese and English for a tier id (None: no tier named).

    >>> tier_label("little_giant")["en"]
    '"Little Giant" enterprises'
    """
    return _display("tiers", tier if tier else "null")


def metric_label(metric: str) -> dict[str, str]:
    """Chinese and English for a metric id.

    >>> metric_label("revenue")["zh"]
    '营业收入'
    """
    return _display("metrics", metric)


def tier_choices() -> list[dict[str, str]]:
    """The tiers a filter offers: ``id``, ``zh``, ``en``."""
    from policywatch.nlp.extract.lexicon import display_names

    return [{"id": key, **entry} for key, entry in display_names("tiers").items()
            if key != "null"]


def event_choices() -> list[dict[str, str]]:
    from policywatch.alerts.events import EVENT_TYPES

    return [{"id": key, **event_label(key)} for key in EVENT_TYPES]


def kind_choices() -> list[dict[str, str]]:
    return [{"id": key, "zh": zh, "en": en} for key, (zh, en) in KIND_LABELS.items()]


def metric_choices() -> list[dict[str, str]]:
    from policywatch.nlp.extract.lexicon import display_names

    return [{"id": key, **entry} for key, entry in display_names("metrics").items()]
