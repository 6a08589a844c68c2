"""Store invariants: one version per content change, blobs by hash, migrations."""

from __future__ import annotations

import sqlite3

import pytest

from policywatch.store import BlobMissing, Capture, open_store, record_capture
from policywatch.store.errors import BlobCorrupt, DatabaseUnavailable
from policywatch.store.migrations import migrations
from policywatch.store.text import content_hash, reading_form

PAGE = "https://www.miit.gov.cn/zwgk/zcwj/wjfb/tz/art/2022/art_8a1b.html"
TEXT_2022 = "第五条 专精特新中小企业认定标准\n上年度营业收入总额在1000万元以上。"
TEXT_2026 = "第五条 专精特新中小企业认定标准\n上年度营业收入总额在1500万元以上。"


def capture(text: str, raw: bytes | None = None, url: str | None = PAGE) -> Capture:
    return Capture(raw=raw if raw is not None else text.encode(), text=text, url=url,
                   fields={"title": "优质中小企业梯度培育管理办法"})


def test_store_same_content_twice_creates_nothing_new(store):
    first = record_capture(store, capture(TEXT_2022))
    second = record_capture(store, capture(TEXT_2022))
    assert (first.status, second.status) == ("new", "unchanged")
    assert (second.notice_id, second.version_id) == (first.notice_id, first.version_id)
    assert store.db["versions"].count == 1
    assert store.db["notices"].count == 1


def test_store_changed_threshold_is_a_new_version(store):
    first = record_capture(store, capture(TEXT_2022))
    second = record_capture(store, capture(TEXT_2026))
    assert second.status == "new_version"
    assert second.notice_id == first.notice_id
    assert second.version_id != first.version_id
    notice = store.db["notices"].get(first.notice_id)
    assert notice["latest_version_id"] == second.version_id


def test_store_page_chrome_whitespace_and_fullwidth_are_not_changes(store):
    record_capture(store, capture(TEXT_2022, raw=b"<html>footer: 2022 views 15</html>"))
    again = record_capture(store, capture(
        TEXT_2022.replace("\n", "\n\n  ").replace("1000", "１０００"),
        raw=b"<html>footer: 2023 views 16</html>"))
    assert again.status == "unchanged"
    assert store.db["versions"].count == 1


def test_store_reverted_content_is_a_new_version(store):
    record_capture(store, capture(TEXT_2022))
    record_capture(store, capture(TEXT_2026))
    reverted = record_capture(store, capture(TEXT_2022))
    assert reverted.status == "new_version"
    assert store.db["versions"].count == 3


def test_store_mirror_host_and_fragment_share_identity(store):
    first = record_capture(store, capture(TEXT_2022))
    mirror = PAGE.replace("https://www.", "http://wap.") + "#top"
    second = record_capture(store, capture(TEXT_2022, url=mirror))
    assert second.notice_id == first.notice_id
    assert second.status == "unchanged"


def test_store_raw_bytes_retrievable_by_hash(store):
    raw = "<html>专精特新</html>".encode("gb18030")
    result = record_capture(store, capture(TEXT_2022, raw=raw))
    version = store.db["versions"].get(result.version_id)
    assert store.blobs.get(version["raw_sha256"]) == raw
    assert store.db["blobs"].get(version["raw_sha256"])["size"] == len(raw)


def test_store_identical_raw_bytes_stored_once(store):
    record_capture(store, capture(TEXT_2022, raw=b"same bytes", url=PAGE))
    record_capture(store, capture(TEXT_2026, raw=b"same bytes", url=PAGE + "?x=2"))
    files = [p for p in store.blobs.root.rglob("*") if p.is_file()]
    assert len(files) == 1


def test_store_blob_missing_and_corrupt_are_reported(store):
    result = record_capture(store, capture(TEXT_2022))
    sha = store.db["versions"].get(result.version_id)["raw_sha256"]
    path = store.blobs.path_for(sha)
    path.write_bytes(b"tampered")
    with pytest.raises(BlobCorrupt):
        store.blobs.get(sha)
    path.unlink()
    with pytest.raises(BlobMissing):
        store.blobs.get(sha)


def test_store_file_without_url_is_identified_by_content(store):
    first = record_capture(store, capture(TEXT_2022, url=None))
    second = record_capture(store, capture(TEXT_2022, url=None))
    other = record_capture(store, capture(TEXT_2026, url=None))
    assert first.notice_id == second.notice_id
    assert other.notice_id != first.notice_id
    identity = store.db["notices"].get(first.notice_id)["identity"]
    assert identity == "sha256:" + content_hash("优质中小企业梯度培育管理办法", TEXT_2022)


def test_store_migrations_apply_to_empty_database(db_path):
    with open_store(db_path) as opened:
        applied = [m.name for m in migrations.applied(opened.db)]
        assert applied == [m.name for m in migrations._migrations]
        assert {"notices", "versions", "blobs", "attachments", "runs", "health_events"} <= set(
            opened.db.table_names())
        assert opened.db.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert opened.db.execute("pragma foreign_keys").fetchone()[0] == 1


def test_store_migrations_apply_to_existing_database_keeping_rows(db_path):
    from sqlite_utils import Database

    old = Database(sqlite3.connect(db_path))
    migrations.apply(old, stop_before="m002_crawl_state")
    assert "health_events" not in old.table_names()
    old["notices"].insert({"identity": "https://www.gov.cn/a.htm", "kind": "page",
                           "url": "https://www.gov.cn/a.htm", "title": "旧通知"})
    old.close()
    with open_store(db_path) as opened:
        assert "health_events" in opened.db.table_names()
        assert "http_etag" in opened.db["notices"].columns_dict
        assert opened.db["notices"].get(1)["title"] == "旧通知"
    with open_store(db_path) as reopened:  # applying again is a no-op
        assert reopened.db["notices"].count == 1


def test_store_line_break_inside_a_chinese_sentence_is_no_new_version(store):
    first = record_capture(store, capture(TEXT_2022))
    rewrapped = TEXT_2022.replace("营业收入", "营业\n      收入")
    assert record_capture(store, capture(rewrapped)).status == "unchanged"
    assert record_capture(store, capture(TEXT_2026)).status == "new_version"
    assert first.status == "new"


def test_store_reading_form_ignores_layout_only():
    assert reading_form("第一条 为提升\n中小企业创新能力") == reading_form("第一条为提升中小企业创新能力")
    assert reading_form("营业收入１０００万元") == reading_form("营业收入1000万元")
    assert reading_form("不低于3%") != reading_form("不低于5%")
    assert reading_form("revenue of 10 million") != reading_form("revenue of 10million")


def test_store_m007_rekeys_old_hashes_so_a_recrawl_stays_unchanged(db_path):
    import hashlib

    from sqlite_utils import Database

    from policywatch.store.text import normalize_text

    def old_hash(title: str, text: str) -> str:  # the key before m007: whitespace folded
        return hashlib.sha256(normalize_text(title).encode() + b"\x00"
                              + normalize_text(text).encode()).hexdigest()

    title = "优质中小企业梯度培育管理办法"
    old = Database(sqlite3.connect(db_path))
    migrations.apply(old, stop_before="m007_reading_form_hashes")
    for identity, url, kind in ((PAGE, PAGE, "page"),
                                ("sha256:" + old_hash(title, TEXT_2026), None, "file")):
        notice_id = old["notices"].insert({"identity": identity, "kind": kind, "url": url,
                                           "title": title}).last_pk
        text = TEXT_2022 if kind == "page" else TEXT_2026
        version_id = old["versions"].insert({
            "notice_id": notice_id, "title": title, "text": text, "raw_sha256": "ab" * 32,
            "content_hash": old_hash(title, text)}).last_pk
        old["notices"].update(notice_id, {"latest_version_id": version_id})
    old.close()
    with open_store(db_path) as opened:
        assert record_capture(opened, capture(TEXT_2022)).status == "unchanged"
        imported = record_capture(opened, capture(TEXT_2026, url=None))
        assert (imported.status, imported.notice_id) == ("unchanged", 2)
        assert opened.db["versions"].count == 2


def test_store_refuses_a_file_that_is_not_sqlite(tmp_path):
    bogus = tmp_path / "notes.db"
    bogus.write_text("this is not a database " * 100)
    with pytest.raises(DatabaseUnavailable):
        open_store(bogus)


def test_store_refuses_a_missing_folder(tmp_path):
    with pytest.raises(DatabaseUnavailable):
        open_store(tmp_path / "no" / "such" / "x.db")
