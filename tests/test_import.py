"""``policywatch import``: idempotent, honest about bad files, right about encodings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policywatch.cli import cli
from policywatch.store import open_store
from tests.conftest import needs_reference

NOTICE_HTML = """<!DOCTYPE html><html><head><meta charset="{charset}">
<title>关于开展2026年度专精特新中小企业认定工作的通知</title></head><body>
<div class="nav">首页 | 政务公开</div>
<div id="zoom"><p>各地级以上市工业和信息化主管部门：</p>
<p>（一）从事特定细分市场时间达到3年以上。</p>
<p>（二）上年度营业收入总额在1500万元以上。</p></div>
<div class="footer">浏览次数：{views}</div></body></html>"""


def write_page(path: Path, charset: str = "utf-8", encoding: str = "utf-8",
               views: int = 1, body_extra: str = "") -> Path:
    html = NOTICE_HTML.format(charset=charset, views=views).replace(
        "</div>\n<div class=\"footer\">", body_extra + "</div>\n<div class=\"footer\">")
    path.write_bytes(html.encode(encoding))
    return path


def lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_import_then_reimport_is_unchanged_with_same_ids(runner, tmp_path, db_path):
    page = write_page(tmp_path / "notice.html")
    first = runner.invoke(cli, ["--db", str(db_path), "import", str(page)])
    second = runner.invoke(cli, ["--db", str(db_path), "import", str(page)])
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    (a,), (b,) = lines(first.output), lines(second.output)
    assert a["status"] == "new" and b["status"] == "unchanged"
    assert (a["notice_id"], a["version_id"]) == (b["notice_id"], b["version_id"])
    assert a["path"] == str(page)


def test_import_with_url_records_new_version_when_text_changes(runner, tmp_path, db_path):
    url = "https://jxt.zj.gov.cn/art/2026/3/1/art_1229123_1.html"
    old = write_page(tmp_path / "v1.html")
    new = write_page(tmp_path / "v2.html", body_extra="<p>（三）资产负债率不高于80%。</p>")
    a = lines(runner.invoke(cli, ["--db", str(db_path), "import", str(old), "--url", url]).output)
    b = lines(runner.invoke(cli, ["--db", str(db_path), "import", str(new), "--url", url]).output)
    assert b[0]["status"] == "new_version"
    assert b[0]["notice_id"] == a[0]["notice_id"]
    assert b[0]["version_id"] != a[0]["version_id"]


def test_import_page_chrome_change_is_not_a_new_version(runner, tmp_path, db_path):
    url = "https://jxt.zj.gov.cn/art/2026/3/1/art_1229123_1.html"
    a = write_page(tmp_path / "a.html", views=10)
    b = write_page(tmp_path / "b.html", views=11)
    runner.invoke(cli, ["--db", str(db_path), "import", str(a), "--url", url])
    result = lines(runner.invoke(cli, ["--db", str(db_path), "import", str(b), "--url", url])
                   .output)
    # The view counter sits outside the notice body: no new version.
    assert result[0]["status"] == "unchanged"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.html", None, "no such file"),
        ("empty.txt", b"", "empty"),
        ("garbage.txt", b"\x00\x01\x02\x03binary\x00\xff" * 50, "binary"),
        ("folder", "dir", "is a directory"),
        ("scan.pdf", b"%PDF-1.4\n%%EOF", ""),
    ],
)
def test_import_refuses_bad_file_with_one_line_and_keeps_going(
        runner, tmp_path, db_path, name, content, message):
    good = write_page(tmp_path / "good.html")
    bad = tmp_path / name
    if content == "dir":
        bad.mkdir()
    elif content is not None:
        bad.write_bytes(content)
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(bad), str(good)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    errors = [line for line in result.stderr.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {bad}")
    assert message in errors[0]
    (imported,) = lines(result.stdout)
    assert imported["path"] == str(good) and imported["status"] == "new"


def test_import_gbk_page_without_declaration_has_correct_text(runner, tmp_path, db_path):
    page = tmp_path / "gbk.html"
    html = NOTICE_HTML.format(charset="", views=1).replace('<meta charset="">', "")
    page.write_bytes(html.encode("gbk"))
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(page)])
    assert result.exit_code == 0, result.output
    with open_store(db_path) as store:
        version = store.db["versions"].get(lines(result.output)[0]["version_id"])
    assert "上年度营业收入总额在1500万元以上" in version["text"]
    assert version["title"] == "关于开展2026年度专精特新中小企业认定工作的通知"
    assert version["encoding"] == "gb18030"


def test_import_gb2312_declared_page_with_gbk_only_characters(runner, tmp_path, db_path):
    # 镕 is in GBK but not in GB2312: pages declared gb2312 contain such characters.
    page = tmp_path / "gb2312.html"
    html = NOTICE_HTML.format(charset="gb2312", views=1).replace("各地级", "朱镕基同志指出，各地级")
    page.write_bytes(html.encode("gbk"))
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(page)])
    with open_store(db_path) as store:
        text = store.db["versions"].get(lines(result.output)[0]["version_id"])["text"]
    assert "朱镕基同志指出" in text and "\ufffd" not in text


@needs_reference
def test_import_real_govcn_page_from_reference_pack(runner, db_path):
    from tests.conftest import GOVCN_PAGES

    page = GOVCN_PAGES / "content_5365711.html"
    url = "http://www.gov.cn/zhengce/content/2019-02/14/content_5365711.htm"
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(page), "--url", url])
    assert result.exit_code == 0, result.output
    with open_store(db_path) as store:
        notice = store.db["notices"].get(lines(result.output)[0]["notice_id"])
        version = store.db["versions"].get(notice["latest_version_id"])
    assert notice["identity"] == url.replace("http://", "https://")
    assert "政府性融资担保基金" in version["text"]


def test_import_url_with_several_files_is_a_usage_error(runner, tmp_path, db_path):
    a, b = write_page(tmp_path / "a.html"), write_page(tmp_path / "b.html")
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(a), str(b),
                                 "--url", "https://www.gov.cn/x.htm"])
    assert result.exit_code == 2
    assert "single PATH" in result.output


def test_import_records_a_run(runner, tmp_path, db_path):
    page = write_page(tmp_path / "a.html")
    runner.invoke(cli, ["--db", str(db_path), "import", str(page), str(tmp_path / "nope")])
    with open_store(db_path) as store:
        (run,) = store.db["runs"].rows
    assert run["kind"] == "import" and run["status"] == "failed"
    assert json.loads(run["stats"]) == {"new": 1, "new_version": 0, "unchanged": 0, "failed": 1}


def _attachment_samples() -> dict[str, bytes]:
    from tests.test_documents_formats import _samples

    return {name: build() for name, build in _samples().items()}


@pytest.mark.parametrize("name", ["notice.pdf", "notice.docx", "notice.doc", "notice.wps",
                                  "summary.xls", "summary.xlsx", "notice.ofd", "bundle.zip"])
def test_import_accepts_every_attachment_format(runner, tmp_path, db_path, name):
    path = tmp_path / name
    path.write_bytes(_attachment_samples()[name])
    first = runner.invoke(cli, ["--db", str(db_path), "import", str(path)])
    again = runner.invoke(cli, ["--db", str(db_path), "import", str(path)])
    assert first.exit_code == 0, first.output
    (row,), (repeat,) = lines(first.output), lines(again.output)
    assert row["status"] == "new" and repeat["status"] == "unchanged"
    with open_store(db_path) as store:
        version = store.db["versions"].get(row["version_id"])
    assert version["format"] == name.rsplit(".", 1)[1]
    assert version["parser"].endswith(".v1") and version["text"].strip()


def _expected_govcn() -> list[dict]:
    from tests.conftest import GOVCN_PAGES

    if not (GOVCN_PAGES / "expected.json").exists():
        pytest.skip(f"reference pack not found at {GOVCN_PAGES}")
    return json.loads((GOVCN_PAGES / "expected.json").read_text(encoding="utf-8"))


def test_imported_govcn_pages_keep_the_metadata_parse_reads(runner, db_path):
    """All 60 real gov.cn pages: an import with --url stores what their table states."""
    from tests.conftest import GOVCN_PAGES

    expected = _expected_govcn()
    mismatches = []
    for page in expected:
        result = runner.invoke(cli, ["--db", str(db_path), "import",
                                     str(GOVCN_PAGES / page["file"]), "--url", page["url"]])
        assert result.exit_code == 0, result.output
        (row,) = lines(result.output)
        assert row["parser"] == "crawler.govcn.v1"
        with open_store(db_path) as store:
            version = store.db["versions"].get(row["version_id"])
        for key in ("title", "doc_number", "issuer", "index_number", "written_date",
                    "published_date"):
            if (version[key] or None) != (page.get(key) or None):
                mismatches.append((page["file"], key, version[key], page.get(key)))
    assert mismatches == []
    notices = json.loads(runner.invoke(cli, ["--db", str(db_path), "notices", "--json",
                                             "--limit", "100"]).output)
    assert len(notices) == len(expected)


def test_import_with_source_reads_a_page_without_url(runner, db_path):
    from tests.conftest import GOVCN_PAGES

    page = _expected_govcn()[0]
    result = runner.invoke(cli, ["--db", str(db_path), "import", "--source", "govcn",
                                 str(GOVCN_PAGES / page["file"])])
    (row,) = lines(result.output)
    with open_store(db_path) as store:
        version = store.db["versions"].get(row["version_id"])
    assert (version["title"], version["doc_number"]) == (page["title"], page.get("doc_number"))
    wrong = runner.invoke(cli, ["--db", str(db_path), "import", "--source", "nowhere",
                                str(GOVCN_PAGES / page["file"])])
    assert wrong.exit_code == 2 and "known: " in wrong.output


def test_import_of_a_page_on_another_site_layout_falls_back_to_the_html_reader(
        runner, tmp_path, db_path):
    page = write_page(tmp_path / "elsewhere.html")
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(page),
                                 "--url", "https://www.gov.cn/zhengce/xxgk/other.htm"])
    assert result.exit_code == 0, result.output
    (row,) = lines(result.output)
    assert "parser" in row and not row["parser"].startswith("crawler.govcn")


def test_import_refuses_junk_over_the_limits_without_a_traceback(runner, tmp_path, db_path,
                                                                monkeypatch):
    junk = tmp_path / "junk.txt"
    # 30 MB of text that is no notice: refused on its size by default...
    junk.write_bytes(("专精特新 abc 123 " * 2_000_000).encode("utf-8")[:30_000_000])
    monkeypatch.setenv("POLICYWATCH_LIMITS_IMPORT_MAX_BYTES", str(20 * 1024 * 1024))
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(junk)])
    assert result.exit_code == 1
    assert "over the import limit of 20.0 MB" in result.output
    # ...and on its text length when the byte limit lets it through.
    monkeypatch.setenv("POLICYWATCH_LIMITS_IMPORT_MAX_BYTES", str(64 * 1024 * 1024))
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(junk)])
    assert result.exit_code == 1
    assert "over the limit of 1,000,000 ([limits] max_text_chars)" in result.output
    assert "Traceback" not in result.output
    good = write_page(tmp_path / "good.html")
    assert runner.invoke(cli, ["--db", str(db_path), "import", str(good)]).exit_code == 0
    search = runner.invoke(cli, ["--db", str(db_path), "search", "营业收入", "--mode", "lexical"])
    assert search.exit_code == 0 and "1500万元" in search.output


def test_import_keeps_an_unknown_format_as_bytes(runner, tmp_path, db_path):
    archive = tmp_path / "attachments.rar"
    archive.write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(range(256)) * 4)
    result = runner.invoke(cli, ["--db", str(db_path), "import", str(archive)])
    assert result.exit_code == 0, result.output
    (row,) = lines(result.output)
    assert row["status"] == "new" and row["note"].startswith("kept as bytes")
    with open_store(db_path) as store:
        version = store.db["versions"].get(row["version_id"])
        assert store.blobs.get(version["raw_sha256"]) == archive.read_bytes()
