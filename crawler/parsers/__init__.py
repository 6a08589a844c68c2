"""Scrapy-free page parsers, one per source: ``PARSERS[source](bytes, url, charset)``.

Spiders and ``policywatch parse`` share these, so a saved page parses exactly as a
crawled one.
"""

from policywatch.crawler.parsers.common import LayoutMismatch, ParsedPage
from policywatch.crawler.parsers.gkmlpt import parse_gkmlpt_page
from policywatch.crawler.parsers.govcn import parse_govcn_page
from policywatch.crawler.parsers.govcn_en import parse_govcn_en_page
from policywatch.crawler.parsers.jpaas import parse_jpaas_page
from policywatch.crawler.parsers.trs import parse_trs_page

PARSERS = {
    "govcn": parse_govcn_page,
    "miit": parse_jpaas_page,
    "guangdong": parse_gkmlpt_page,
    "jiangsu": parse_trs_page,
    "zhejiang": parse_trs_page,
    "beijing": parse_trs_page,
    "govcn_en": parse_govcn_en_page,
}

# The hosts whose article pages each parser reads (a saved page's URL picks its parser).
SOURCE_HOSTS = {
    "govcn": ("www.gov.cn", "gov.cn"),
    "govcn_en": ("english.www.gov.cn",),
    "miit": ("www.miit.gov.cn", "wap.miit.gov.cn", "miit.gov.cn"),
    "guangdong": ("gdii.gd.gov.cn",),
    "jiangsu": ("gxt.jiangsu.gov.cn",),
    "zhejiang": ("jxt.zj.gov.cn",),
    "beijing": ("jxj.beijing.gov.cn",),
}
_HOST_SOURCES = {host: source for source, hosts in SOURCE_HOSTS.items() for host in hosts}


def source_for_url(url: str | None) -> str | None:
    """The source whose parser reads pages at ``url``, or None.

    >>> source_for_url("https://www.gov.cn/zhengce/content/2019-02/15/content_5365945.htm")
    'govcn'
    >>> source_for_url("http://WWW.MIIT.GOV.CN/jgsj/qyj/wjfb/art/2025/art_x.html")
    'miit'
    >>> source_for_url("https://example.org/a.html") is None
    True
    """
    if not url:
        return None
    from urllib.parse import urlsplit

    return _HOST_SOURCES.get((urlsplit(url).hostname or "").lower())


__all__ = ["PARSERS", "SOURCE_HOSTS", "LayoutMismatch", "ParsedPage", "source_for_url"]
