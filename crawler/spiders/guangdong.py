"""广东省工业和信息化厅 (gdii.gd.gov.cn) on Guangdong's gkmlpt platform."""

from __future__ import annotations

from policywatch.crawler.spiders.platforms.gkmlpt import GkmlptSpider


class GuangdongSpider(GkmlptSpider):
    """规范性文件, 政策解读 and 通知公告 of the Guangdong industry and IT department.

    The category ids are those of the replay; the live site's TREE is unverified (the
    spider logs a warning when a configured id is missing from it).
    """

    name = "guangdong"
    source_name = "广东省工业和信息化厅 (gkmlpt 政府信息公开目录)"
    region = "广东省"
    issuer = "广东省工业和信息化厅"
    home_url = "https://gdii.gd.gov.cn/"
    allowed_domains = ["gdii.gd.gov.cn"]
    site_root = "https://gdii.gd.gov.cn"
    categories = {2920: "规范性文件", 2923: "政策解读", 2927: "通知公告"}
