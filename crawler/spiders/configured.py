"""Spiders built from configuration: one class per ``[sources.NAME]`` table.

A configured source is its platform's base spider with the table's values as attributes,
made at run time (no file per source); :func:`configured_spider` is the only place that
maps a platform name to its base spider.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from policywatch.crawler.sources import SourceDefinition
from policywatch.crawler.spiders.base import PolicySpider
from policywatch.crawler.spiders.platforms.generic import GenericSpider
from policywatch.crawler.spiders.platforms.gkmlpt import GkmlptSpider
from policywatch.crawler.spiders.platforms.jpaas import JpaasSpider
from policywatch.crawler.spiders.platforms.trs import HanwebColumn, HanwebSpider, TrsSpider

BASES: dict[str, type[PolicySpider]] = {
    "generic": GenericSpider, "trs": TrsSpider, "hanweb": HanwebSpider,
    "gkmlpt": GkmlptSpider, "jpaas": JpaasSpider,
}


def _root(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def configured_spider(definition: SourceDefinition) -> type[PolicySpider]:
    """The spider class of a configured source.

    >>> from policywatch.crawler.sources import source_definition
    >>> cls = configured_spider(source_definition("city", {
    ...     "platform": "generic", "list_urls": ["https://gxj.example.gov.cn/tzgg/"],
    ...     "issuer": "示例市工业和信息化局", "max_pages": 2}))
    >>> cls.name, cls.platform, cls.allowed_domains, cls.default_max_pages, cls.list_urls()
    ('city', 'generic', ['gxj.example.gov.cn'], 2, ['https://gxj.example.gov.cn/tzgg/'])
    """
    base = BASES[definition.platform]
    urls = definition.list_urls
    attributes: dict[str, object] = {
        "__module__": __name__,
        "__doc__": f"{definition.name}: a {definition.platform} source from configuration.",
        "name": definition.name,
        "source_name": definition.issuer or definition.name,
        "region": definition.region,
        "language": definition.language,
        "issuer": definition.issuer,
        "home_url": _root(urls[0]) + "/",
        "allowed_domains": definition.hosts,
        "default_max_pages": definition.max_pages,
        "configured": True,
    }
    if base is GenericSpider:
        attributes["start_list_urls"] = urls
    elif base is TrsSpider:
        attributes["columns"] = urls
        attributes["list_item_xpath"] = definition.options.get("list_item_xpath")
    elif base is JpaasSpider:
        attributes["columns"] = urls
    elif base is GkmlptSpider:
        attributes["site_root"] = _root(urls[0])
        attributes["categories"] = {int(urlsplit(u).fragment): "" for u in urls}
    elif base is HanwebSpider:
        attributes.update(
            site_root=_root(urls[0]), list_mode="column", web_name=definition.issuer or "",
            columns=tuple(HanwebColumn(int(re.search(r"/col/col(\d+)/", u).group(1)),
                                       parse_qs(urlsplit(u).query)["uid"][0]) for u in urls))
    class_name = "".join(part.title() for part in definition.name.split("_")) + "Spider"
    return type(class_name, (base,), attributes)
