"""江苏省工业和信息化厅 (gxt.jiangsu.gov.cn) on Hanweb jcms, listed via dataproxy.jsp."""

from __future__ import annotations

from policywatch.crawler.spiders.platforms.trs import HanwebColumn, HanwebSpider


class JiangsuSpider(HanwebSpider):
    """文件通知 (col6278) and 政策文件 (col80179); ids as public crawler code has them."""

    name = "jiangsu"
    source_name = "江苏省工业和信息化厅: 文件通知, 政策文件"
    region = "江苏省"
    issuer = "江苏省工业和信息化厅"
    home_url = "https://gxt.jiangsu.gov.cn/"
    allowed_domains = ["gxt.jiangsu.gov.cn"]
    site_root = "https://gxt.jiangsu.gov.cn"
    web_id = 23
    web_name = "江苏省工业和信息化厅"
    list_mode = "dataproxy"
    columns = (HanwebColumn(6278, "403981", "文件通知"), HanwebColumn(80179, "403740", "政策文件"))
