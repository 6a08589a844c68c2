"""Sources and the revisit policy from policywatch.toml: checks, messages, crawl --list."""

from __future__ import annotations

import pytest

from policywatch.cli import cli
from policywatch.crawler.sources import SourceConfigError, source_definition
from policywatch.crawler.spiders.configured import configured_spider
from policywatch.settings import ConfigError, crawl_settings, source_settings

GOOD = {"platform": "generic", "list_urls": ["https://gxj.example.gov.cn/tzgg/index.html"]}


@pytest.mark.parametrize(("table", "message"), [
    ({"list_urls": GOOD["list_urls"]}, "[sources.city] platform: missing"),
    ({**GOOD, "platform": "wordpress"}, "[sources.city] platform: 'wordpress' is not a known"),
    ({"platform": "generic"}, "[sources.city] list_urls: missing"),
    ({**GOOD, "list_urls": ["ftp://x.gov.cn/"]}, "[sources.city] list_urls: 'ftp://x.gov.cn/'"),
    ({**GOOD, "list_urls": []}, "[sources.city] list_urls: expected a list of URLs"),
    ({**GOOD, "max_pages": 0}, "[sources.city] max_pages: expected a whole number"),
    ({**GOOD, "max_pages": "3"}, "[sources.city] max_pages: expected a whole number"),
    ({**GOOD, "language": "fr"}, "[sources.city] language: 'fr' is not one of zh, en"),
    ({**GOOD, "regoin": "示例市"}, "[sources.city] regoin: unknown key"),
    ({**GOOD, "issuer": ""}, "[sources.city] issuer: expected a non-empty string"),
    ({**GOOD, "list_item_xpath": "//li"}, "[sources.city] list_item_xpath: only the trs"),
    ({"platform": "hanweb", "list_urls": ["https://x.gov.cn/col/col1/index.html"]},
     "[sources.city] list_urls: 'https://x.gov.cn/col/col1/index.html': a hanweb list"),
    ({"platform": "gkmlpt", "list_urls": ["https://x.gov.cn/gkmlpt/index"]},
     "[sources.city] list_urls: 'https://x.gov.cn/gkmlpt/index': a gkmlpt list"),
    ({"platform": "gkmlpt", "list_urls": ["https://a.gov.cn/gkmlpt/index#1",
                                          "https://b.gov.cn/gkmlpt/index#2"]},
     "[sources.city] list_urls: a gkmlpt source is one site"),
])
def test_sources_config_errors_name_the_key(table, message):
    with pytest.raises(SourceConfigError) as caught:
        source_definition("city", table)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_sources_config_names_are_checked():
    with pytest.raises(SourceConfigError, match=r"^\[sources\.City X\]: a source name"):
        source_definition("City X", GOOD)
    with pytest.raises(ConfigError, match=r"^\[sources\.city\]: expected a table"):
        source_settings({"sources": {"city": "generic"}})


@pytest.mark.parametrize(("platform", "urls", "expected"), [
    ("generic", ["https://gxj.example.gov.cn/tzgg/index.html"],
     {"start_list_urls": ("https://gxj.example.gov.cn/tzgg/index.html",)}),
    ("trs", ["https://x.gov.cn/tzgg/"], {"columns": ("https://x.gov.cn/tzgg/",),
                                         "list_item_xpath": None}),
    ("jpaas", ["https://x.gov.cn/a/index.html"], {"columns": ("https://x.gov.cn/a/index.html",)}),
    ("gkmlpt", ["https://x.gov.cn/gkmlpt/index#2920", "https://x.gov.cn/gkmlpt/index#2923"],
     {"site_root": "https://x.gov.cn", "categories": {2920: "", 2923: ""}}),
    ("hanweb", ["https://x.gov.cn/col/col1659217/index.html?uid=5031616"],
     {"site_root": "https://x.gov.cn", "list_mode": "column"}),
])
def test_sources_configured_spider_per_platform(platform, urls, expected):
    spider = configured_spider(source_definition(
        "city", {"platform": platform, "list_urls": urls, "region": "示例市", "max_pages": 2}))
    assert spider.platform == platform and spider.region == "示例市"
    assert spider.default_max_pages == 2 and spider.allowed_domains == [urls[0].split("/")[2]]
    assert spider.list_urls() == urls
    for attribute, value in expected.items():
        assert getattr(spider, attribute) == value


def test_crawl_settings_durations_and_ceilings():
    assert crawl_settings({}, env={}).scrapy_settings() == {
        "POLICYWATCH_REVISIT_MIN_S": 21600, "POLICYWATCH_REVISIT_MAX_S": 1209600,
        "POLICYWATCH_REVISIT_MAX_PER_RUN": 500, "POLICYWATCH_REVISIT_MAX_PER_HOST": 200}
    everything = crawl_settings({"crawl": {"revisit": "0s"}}, env={})
    assert everything.scrapy_settings()["POLICYWATCH_REVISIT_MIN_S"] == 0
    from_env = crawl_settings({"crawl": {"revisit": "1d"}}, env={"POLICYWATCH_CRAWL_REVISIT": "2h"})
    assert from_env.scrapy_settings()["POLICYWATCH_REVISIT_MIN_S"] == 7200
    with pytest.raises(ConfigError, match=r"^\[crawl\] revisit: '6x' is not a duration"):
        crawl_settings({"crawl": {"revisit": "6x"}}, env={})
    with pytest.raises(ConfigError, match=r"^\[crawl\] revisit_max_per_host: 0 is not"):
        crawl_settings({"crawl": {"revisit_max_per_host": 0}}, env={})
    with pytest.raises(ConfigError, match=r"^\[crawl\] revisit_max_per_run: 'many' is not"):
        crawl_settings({"crawl": {"revisit_max_per_run": "many"}}, env={})


CONFIG = """
[crawl]
revisit = "12h"

[sources.shiyan_gxj]
platform = "generic"
list_urls = ["http://gxj.shiyan.example.gov.cn/tzgg/index.html"]
region = "示例市"
issuer = "示例市工业和信息化局"
"""


def test_crawl_list_shows_builtin_and_configured_sources(runner, tmp_path, monkeypatch):
    config = tmp_path / "watch.toml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("POLICYWATCH_CONFIG", str(config))  # found as [smtp] is
    result = runner.invoke(cli, ["crawl", "--list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    mine = next(i for i, line in enumerate(lines) if line.startswith("shiyan_gxj"))
    assert lines[mine].split()[1:4] == ["configured", "generic", "示例市工业和信息化局"]
    assert lines[mine + 1].strip() == "http://gxj.shiyan.example.gov.cn/tzgg/index.html"
    builtin = next(line for line in lines if line.startswith("jiangsu"))
    assert builtin.split()[1:3] == ["built-in", "hanweb"]
    as_json = runner.invoke(cli, ["crawl", "--list", "--json", "--config", str(config)])
    rows = {row["name"]: row for row in __import__("json").loads(as_json.output)}
    assert set(rows) >= {"govcn", "miit", "shiyan_gxj"} and rows["shiyan_gxj"]["region"] == "示例市"


@pytest.mark.parametrize(("text", "message"), [
    ('[sources.miit]\nplatform = "generic"\nlist_urls = ["https://a.gov.cn/"]\n',
     "Error: [sources.miit]: 'miit' is the name of a built-in source; choose another"),
    ('[sources.city]\nplatform = "generic"\n', "Error: [sources.city] list_urls: missing"),
    ('[crawl]\nrevisit = "soon"\n', "Error: [crawl] revisit: 'soon' is not a duration"),
])
def test_crawl_config_errors_are_one_line(runner, tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text, encoding="utf-8")
    result = runner.invoke(cli, ["crawl", "--list", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output.startswith(message) and result.output.count("\n") == 1


def test_parse_source_generic_reads_a_saved_page_of_an_unknown_site(runner):
    from tests.conftest import FIXTURES

    page = FIXTURES / "generic-site/gxj.shiyan.example.gov.cn/tzgg/202503/t20250320_1001.html"
    result = runner.invoke(cli, ["parse", "--source", "generic", str(page), "--json"])
    assert result.exit_code == 0, result.output
    item = __import__("json").loads(result.output)
    assert (item["doc_number"], item["published_date"], item["parser"]) == (
        "示工信规〔2025〕3号", "2025-03-20", "crawler.generic.v1")
    assert item["attachments"][0]["url"].endswith("P020250320512300001.pdf")
    assert "浏览次数" not in item["body_text"]
