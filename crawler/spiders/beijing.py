"""北京市经济和信息化局 (jxj.beijing.gov.cn) on TRS WCM: static, createPageHTML-paged lists."""

from __future__ import annotations

from policywatch.crawler.spiders.platforms.trs import TrsSpider


class BeijingSpider(TrsSpider):
    """通知公告 (jxdt/tzgg). Pages may be GBK, with or without a declared charset."""

    name = "beijing"
    source_name = "北京市经济和信息化局: 通知公告"
    region = "北京市"
    issuer = "北京市经济和信息化局"
    home_url = "https://jxj.beijing.gov.cn/"
    allowed_domains = ["jxj.beijing.gov.cn"]
    columns = ("https://jxj.beijing.gov.cn/jxdt/tzgg/",)
    list_item_xpath = '//div[contains(concat(" ", @class, " "), " list ")]//li'
