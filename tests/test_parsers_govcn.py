"""The 60 real gov.cn pages must parse to exactly the metadata their own tables state."""

from __future__ import annotations

import json

import pytest

from policywatch.cli import cli
from policywatch.crawler.parsers import LayoutMismatch
from policywatch.crawler.parsers.govcn import parse_govcn_page
from tests.conftest import GOVCN_PAGES, needs_reference

pytestmark = needs_reference
EXPECTED = json.loads((GOVCN_PAGES / "expected.json").read_text(encoding="utf-8")) \
    if GOVCN_PAGES.is_dir() else []
FIELDS = ("title", "doc_number", "issuer", "index_number", "written_date", "published_date",
          "subject", "url")


def test_parsers_govcn_reference_pack_has_sixty_pages():
    assert len(EXPECTED) == 60


@pytest.mark.parametrize("expected", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_parsers_govcn_real_page_matches_expected_exactly(expected):
    page = parse_govcn_page((GOVCN_PAGES / expected["file"]).read_bytes(), expected["url"])
    assert {f: getattr(page, f) for f in FIELDS} == {f: expected[f] for f in FIELDS}
    assert len(page.body_text) > 100


def test_parsers_govcn_body_has_no_metadata_table_or_markup():
    page = parse_govcn_page((GOVCN_PAGES / "content_5365945.html").read_bytes())
    assert "索 引 号" not in page.body_text and "<p" not in page.body_text
    assert page.body_text.startswith("国务院关于在市场监管领域全面推行")


def test_parsers_govcn_wrong_layout_raises():
    with pytest.raises(LayoutMismatch):
        parse_govcn_page("<html><body><div id='con_con'>别的网站</div></body></html>".encode())


def test_parsers_govcn_cli_parse_json(runner):
    expected = EXPECTED[0]
    result = runner.invoke(cli, ["parse", "--source", "govcn", str(GOVCN_PAGES / expected["file"]),
                                 "--url", expected["url"], "--json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    for key in ("title", "doc_number", "issuer", "index_number", "written_date",
                "published_date", "url"):
        assert item[key] == expected[key]
    assert {"body_text", "attachments"} <= set(item)
