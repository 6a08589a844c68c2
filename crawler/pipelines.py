"""Item pipelines, in order: validate (100), normalize (200), store (900).

Each is small and single-purpose; problems are counted in crawler stats
(``policywatch/field/<name>/missing``) rather than crashing the crawl. Items are dropped
only when a required field is missing (that is a layout change, recorded as health).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from policywatch.crawler.documents import DocumentError, UnsupportedFormat, read_document
from policywatch.crawler.items import AttachmentItem, NoticeItem
from policywatch.crawler.parsers.common import iso_date
from policywatch.crawler.revisit import record_look
from policywatch.crawler.storage import record_health, store_for
from policywatch.store import Capture, record_capture
from policywatch.store.identity import canonical_url
from policywatch.store.revisit import Outcome

REQUIRED_FIELDS = ("title", "body_text")
# What the store's verdict on a capture means for the revisit schedule.
_OUTCOMES: dict[str, Outcome] = {"new": "new", "new_version": "changed",
                                 "unchanged": "unchanged"}
EXPECTED_FIELDS = ("doc_number", "issuer", "published_date")


class _CrawlerPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)


class ValidatePipeline(_CrawlerPipeline):
    """Drop notices without a title or body (layout change); count missing metadata."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, NoticeItem):
            return item
        spider = spider or self.crawler.spider
        missing = [name for name in REQUIRED_FIELDS if not (getattr(item, name) or "").strip()]
        if missing:
            record_health(self.crawler, spider, "layout_changed", item.url,
                          f"required fields missing: {', '.join(missing)}")
            raise DropItem(f"{item.url}: missing {', '.join(missing)}")
        for name in EXPECTED_FIELDS:
            if not getattr(item, name):
                self.stats.inc_value(f"policywatch/field/{name}/missing")
        return item


class NormalizePipeline(_CrawlerPipeline):
    """One form for text fields: NFC, single spaces in titles, ISO dates or nothing."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, NoticeItem):
            return item
        item.title = " ".join(unicodedata.normalize("NFC", item.title or "").split())
        for name in ("issuer", "doc_number", "index_number"):
            value = getattr(item, name)
            if value:
                setattr(item, name, " ".join(value.split()))
        for name in ("written_date", "published_date"):
            value = getattr(item, name)
            if value and iso_date(value) != value:
                self.stats.inc_value(f"policywatch/field/{name}/unparsed")
                item.raw_metadata[f"{name}_raw"] = value
                setattr(item, name, iso_date(value))
        return item


class StorePipeline(_CrawlerPipeline):
    """Write notices and attachments through the store: a version only on change."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # Scrapy >= 2.13 no longer passes the spider to pipelines.
        spider = spider or self.crawler.spider
        if isinstance(item, NoticeItem):
            self._store_notice(item, spider)
        elif isinstance(item, AttachmentItem):
            self._store_attachment(item, spider)
        return item

    def _store_notice(self, item: NoticeItem, spider: Any) -> None:
        store = store_for(self.crawler)
        result = record_capture(
            store,
            Capture(
                raw=item.raw,
                text=item.body_text or "",
                kind="page",
                url=item.url,
                source_id=item.source,
                fetched_from=item.fetched_from,
                run_id=getattr(spider, "policywatch_run_id", None),
                fields={
                    "title": item.title, "doc_number": item.doc_number,
                    "issuer": item.issuer, "index_number": item.index_number,
                    "written_date": item.written_date, "published_date": item.published_date,
                    "content_type": item.content_type, "encoding": item.encoding,
                    "format": "html", "language": item.language, "parser": item.parser,
                },
                metadata={"list_url": item.list_url, "attachments": item.attachments,
                          **item.raw_metadata},
            ),
        )
        self._remember_validators(item.url, item.http_etag, item.http_last_modified)
        record_look(self.crawler, item.url, _OUTCOMES[result.status])
        if result.status == "new_version":
            _carry_attachments(store, result.notice_id, result.version_id, item.attachments)
        self.stats.inc_value(f"policywatch/versions/{result.status}")
        self.stats.inc_value(f"policywatch/{item.source}/notices/{result.status}")
        item.raw_metadata["policywatch_status"] = result.status

    def _remember_validators(self, url: str, etag: str | None, modified: str | None) -> None:
        store = store_for(self.crawler)
        store.db.execute(
            "update notices set http_etag = ?, http_last_modified = ?, last_checked_at = "
            "last_seen_at where identity = ?", [etag, modified, canonical_url(url)])
        store.db.conn.commit()

    def _store_attachment(self, item: AttachmentItem, spider: Any) -> None:
        store = store_for(self.crawler)
        status, detail, text, fields = "stored", None, "", {}
        if item.truncated:
            status, detail = "too_large", "download stopped at the size cap; kept the bytes"
        else:
            try:
                document = read_document(item.raw, item.url.split("?")[0], item.content_type)
                text = document.text
                fields = {"title": item.name, "format": document.format,
                          "encoding": document.encoding, "parser": document.reader}
            except UnsupportedFormat as exc:
                status, detail = "unsupported", str(exc)
            except DocumentError as exc:
                status, detail = "failed", str(exc)
        fields.setdefault("title", item.name)
        fields["content_type"] = item.content_type
        result = record_capture(
            store,
            Capture(raw=item.raw, text=text, kind="attachment", url=item.url,
                    source_id=item.source, fetched_from=item.fetched_from,
                    run_id=getattr(spider, "policywatch_run_id", None), fields=fields,
                    metadata={"parent_url": item.parent_url, "status": status,
                              "detail": detail}),
        )
        self._remember_validators(item.url, item.http_etag, item.http_last_modified)
        record_look(self.crawler, item.url, _OUTCOMES[result.status])
        parent = store.db.execute(
            "select latest_version_id from notices where identity = ?",
            [canonical_url(item.parent_url)],
        ).fetchone()
        if parent and parent[0]:
            _link_attachment(store, parent[0], result.notice_id, item, status, detail)
        self.stats.inc_value(f"policywatch/attachments/{status}")
        self.stats.inc_value(f"policywatch/versions/{result.status}")
        if status != "stored":
            spider.logger.info("attachment %s: %s %s", item.url, status, detail or "")


def _carry_attachments(store: Any, notice_id: int, version_id: int,
                       attachments: list[dict[str, str]]) -> None:
    """Link a new page version to the attachments it still lists.

    An unchanged attachment is not downloaded again (the server answers 304 or the store
    skips it), so its link to the new page version is copied from the latest earlier one.
    """
    db = store.db
    for position, attachment in enumerate(attachments):
        previous = db.execute(
            "select a.notice_id, a.name, a.status, a.detail from attachments a join versions v "
            "on v.id = a.version_id where v.notice_id = ? and a.url = ? and a.version_id < ? "
            "order by a.version_id desc limit 1",
            [notice_id, attachment["url"], version_id]).fetchone()
        if previous is None:
            continue
        db.execute(
            "insert or ignore into attachments (version_id, notice_id, url, name, position, "
            "status, detail) values (?, ?, ?, ?, ?, ?, ?)",
            [version_id, previous[0], attachment["url"], previous[1], position, previous[2],
             previous[3]])
    db.conn.commit()


def _link_attachment(store: Any, version_id: int, notice_id: int, item: AttachmentItem,
                     status: str, detail: str | None) -> None:
    db = store.db
    with db.atomic():
        db.execute("delete from attachments where version_id = ? and url = ?",
                   [version_id, item.url])
        db["attachments"].insert(
            {"version_id": version_id, "notice_id": notice_id, "url": item.url,
             "name": item.name, "position": item.position, "status": status,
             "detail": detail})
