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

__all__ = ["PARSERS", "LayoutMismatch", "ParsedPage"]
