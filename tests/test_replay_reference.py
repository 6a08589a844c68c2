"""The replay serves the reference pack's real pages and attachment texts, and only with it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from policywatch.crawler.documents import read_document
from policywatch.crawler.replay import ReplayServer
from policywatch.crawler.replay.reference import ATTACHMENTS, GOVCN_PAGES, ReferenceContent
from policywatch.crawler.replay.server import REPLAY_ROOT, ReplaySite
from policywatch.crawler.replay.typeset import docx_bytes, pdf_bytes, text_lines
from policywatch.store.reference import REFERENCE_ENV, ReferenceMissing, resolve_reference
from tests.conftest import REFERENCE, needs_reference

LISTING_HOST = "sousuo.www.gov.cn"
# The reconstructed State Council page served in place of the real ones without the pack.
STANDIN = "/zhengce/content/2019-02/20/content_9100001.htm"


def _get(base: str, host_path: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(f"{base}/{host_path}") as response:
            return response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        return error.code, b"", ""


def _listing(site: ReplaySite) -> list[dict]:
    return site.read_json_layers(LISTING_HOST, "listing.json")


def test_replay_reference_resolution_order(tmp_path, monkeypatch):
    named, other = tmp_path / "named", tmp_path / "env"
    named.mkdir()
    other.mkdir()
    monkeypatch.setenv(REFERENCE_ENV, str(other))
    assert resolve_reference(named) == named.resolve()  # the option wins
    assert resolve_reference() == other.resolve()  # then the variable
    monkeypatch.delenv(REFERENCE_ENV)
    work = tmp_path / "checkout"
    (tmp_path / "shared" / "reference").mkdir(parents=True)
    work.mkdir()
    monkeypatch.chdir(work)
    assert resolve_reference() == (tmp_path / "shared" / "reference").resolve()
    monkeypatch.chdir(tmp_path)
    assert resolve_reference() is None  # nothing named, nothing beside: no pack
    with pytest.raises(ReferenceMissing, match="does not exist"):
        resolve_reference(tmp_path / "missing")


def test_replay_without_the_pack_serves_reconstructed_pages_alone():
    site = ReplaySite(reference=None)
    rows = _listing(site)
    assert [urlsplit(r["url"]).path for r in rows] == [
        "/zhengce/zhengceku/202206/content_5696342.htm", STANDIN]
    with ReplayServer(reference=None) as replay:
        status, body, _ = _get(replay.base_url, f"www.gov.cn{STANDIN}")
        assert status == 200 and b"reconstructed for testing" in body
        for host, path in ATTACHMENTS:
            assert _get(replay.base_url, host + path)[0] == 404
        assert _get(replay.base_url, "www.gov.cn/zhengce/content/2019-02/14/"
                                     "content_5365711.htm")[0] == 404
        status, body, _ = _get(replay.base_url, "www.gov.cn/zhengce/zhengceku/202206/"
                                                "content_5696342.htm")
        assert status == 200 and b"policywatch-replay" in body


def test_replay_stores_no_real_page():
    stored = {p.name for p in REPLAY_ROOT.rglob("*") if p.is_file()}
    assert not stored & {name.replace(".html", ".htm") for name in GOVCN_PAGES}
    assert not stored & {path.rsplit("/", 1)[1] for _, path in ATTACHMENTS}


@needs_reference
def test_replay_serves_the_real_pages_from_the_pack():
    expected = {row["file"]: row for row in json.loads(
        (REFERENCE / "govcn-pages" / "expected.json").read_text(encoding="utf-8"))}
    site = ReplaySite(reference=REFERENCE)
    rows = _listing(site)
    assert len(rows) == len(GOVCN_PAGES) + 1
    assert STANDIN not in {urlsplit(r["url"]).path for r in rows}
    with ReplayServer(reference=REFERENCE) as replay:
        assert _get(replay.base_url, f"www.gov.cn{STANDIN}")[0] == 404
        for name in GOVCN_PAGES:
            row = expected[name]
            path = urlsplit(row["url"]).path
            status, body, content_type = _get(replay.base_url, f"www.gov.cn{path}")
            assert status == 200 and content_type == "text/html; charset=utf-8"
            assert (REFERENCE / "govcn-pages" / name).read_bytes() in body
            assert f"<title>{row['title']}_政府信息公开专栏</title>".encode() in body
            (listed,) = [r for r in rows if urlsplit(r["url"]).path == path]
            assert (listed["pcode"], listed["puborg"]) == (row["doc_number"], row["issuer"])
        replay.site.set_layers(["update-2026"])  # not the site layer: no pack pages
        assert _get(replay.base_url, "www.gov.cn" + urlsplit(
            expected[GOVCN_PAGES[0]]["url"]).path)[0] == 404


@needs_reference
@pytest.mark.parametrize(("host", "path"), list(ATTACHMENTS))
def test_replay_typesets_the_attachments_from_the_pack(host, path):
    attachment = ATTACHMENTS[(host, path)]
    text = (REFERENCE / attachment.text).read_text(encoding="utf-8")
    with ReplayServer(reference=REFERENCE) as replay:
        status, body, _ = _get(replay.base_url, host + path)
    assert status == 200
    document = read_document(body, path)
    assert document.format == attachment.kind
    lines = document.text.splitlines()
    if attachment.kind == "pdf":
        assert lines == [attachment.title, *text_lines(text)]
        assert document.title == attachment.title
    else:
        assert lines == [line.strip() for line in text.splitlines() if line.strip()]
        assert "not the official file" in (document.title or "")


def test_typeset_formats_read_back():
    text = "第一条 标题\n\n" + "营业收入" * 20 + "\nA. 5%以上(20分)"
    pdf = read_document(pdf_bytes("附件", text), "a.pdf")
    assert pdf.text.splitlines() == ["附件", *text_lines(text)]
    many = read_document(pdf_bytes("附件", "\n".join(["一行"] * 60)), "b.pdf")
    assert many.metadata["pages"] == 2
    docx = read_document(docx_bytes("标题 & <注>", text), "c.docx")
    assert docx.text.splitlines() == ["第一条 标题", "营业收入" * 20, "A. 5%以上(20分)"]
    assert docx.title == "标题 & <注>"


def test_reference_content_without_a_pack_is_empty():
    content = ReferenceContent(None)
    assert not content and content.pages() == {}
    assert content.get("www.gov.cn", "/zhengce/content/2019-02/14/content_5365711.htm") is None
    assert content.listing_rows(LISTING_HOST, "listing.json") == []
