"""english.www.gov.cn pages from the replay (structure unverified) parse to their fields."""

from __future__ import annotations

import pytest

from policywatch.crawler.parsers import PARSERS, LayoutMismatch
from policywatch.crawler.parsers.govcn_en import (
    latest_releases,
    next_page,
    parse_govcn_en_page,
    url_date,
)
from policywatch.crawler.replay.server import REPLAY_ROOT

SITE = REPLAY_ROOT / "site" / "english.www.gov.cn"
UPDATE = REPLAY_ROOT / "update-2026" / "english.www.gov.cn"
ORIGIN = "https://english.www.gov.cn"
LIST = "/policies/latestreleases/"
INTERIM = "/policies/latestreleases/202206/09/content_WS62a1b3c4c6d02e533532b6e1.html"
LITTLE_GIANTS = "/policies/latestreleases/202408/05/content_WS66b0a3f2c6d0868f4e8e9b27.html"
MEASURES_2026 = "/policies/latestreleases/202601/19/content_WS696d8a37c6d00ca5f9a08c12.html"


def parse(path: str, root=SITE):
    return parse_govcn_en_page((root / path.lstrip("/")).read_bytes(), ORIGIN + path)


# fmt: off
FIELDS = [
    (SITE, INTERIM, "title", "China issues interim measures to cultivate high-quality SMEs"),
    (SITE, INTERIM, "published_date", "2022-06-09"),
    (SITE, INTERIM, "issuer", "english.gov.cn"),
    (SITE, INTERIM, "language", "en"),
    (SITE, INTERIM, "doc_number", None),
    (SITE, LITTLE_GIANTS, "title", "MIIT publicizes sixth batch of 'little giant' enterprises"),
    (UPDATE, MEASURES_2026, "title", "China unveils measures for graded cultivation of high-quality SMEs"),  # noqa: E501
    (UPDATE, MEASURES_2026, "issuer", "Xinhua"),
    (UPDATE, MEASURES_2026, "published_date", "2026-01-19"),
]
# fmt: on


@pytest.mark.parametrize(("root", "path", "field", "expected"), FIELDS)
def test_parsers_govcn_en_field(root, path, field, expected):
    assert getattr(parse(path, root), field) == expected


def test_parsers_govcn_en_body_quotes_the_articles():
    text = parse(INTERIM).body_text
    assert text.startswith("The Ministry of Industry and Information Technology has issued")
    assert "Article 2 High-quality SMEs are composed of" in text and "Copyright" not in text


def test_parsers_govcn_en_date_from_url_when_page_has_none():
    page = parse_govcn_en_page(
        b"<html><body><h1>Title</h1><div id='detailContent'><p>Text.</p></div></body></html>",
        ORIGIN + INTERIM)
    assert page.published_date == "2022-06-09" == url_date(ORIGIN + INTERIM)


def test_parsers_govcn_en_registered_for_source():
    assert PARSERS["govcn_en"] is parse_govcn_en_page


def test_parsers_govcn_en_wrong_layout_raises():
    with pytest.raises(LayoutMismatch):
        parse_govcn_en_page(b"<html><body><div class='pages_list'><p>x</p></div></body></html>")


def test_parsers_govcn_en_list_rows_protocol_relative_links():
    rows = latest_releases((SITE / "policies/latestreleases/index.html").read_bytes(),
                           ORIGIN + LIST)
    assert [(r.url, r.published_date) for r in rows] == [
        ("https://english.www.gov.cn/policies/latestreleases/202503/12/"
         "content_WS67d0e5a1c6d0868f4e8f0a11.html", "2025-03-12"),
        (ORIGIN + LITTLE_GIANTS, "2024-08-05")]


def test_parsers_govcn_en_pager_offers_page_two_then_stops():
    first = (SITE / "policies/latestreleases/index.html").read_bytes()
    second = (SITE / "policies/latestreleases/page_2.html").read_bytes()
    assert next_page(first, ORIGIN + LIST, 1) == ORIGIN + LIST + "page_2.html"
    assert next_page(second, ORIGIN + LIST + "page_2.html", 2) is None
