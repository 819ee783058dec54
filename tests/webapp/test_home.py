"""The home page: the catalog and the plan table."""

import re

from tests.conftest import text_of


def test_home_lists_catalog_by_category_and_the_plan_table(en):
    page = text_of(en.get("/"))
    assert "Remote access and file copy tools" in page and "Security policy tools" in page
    assert "Windows Firewall" in page
    for plan in ("S1 Flagship", "S2 Enterprise", "S3 Business", "S4 Basic"):
        assert plan in re.sub(r"<[^>]+>", "", page)
    assert "accepted within 120 min" in page
    assert "Port-connectivity troubleshooting advice only" in page


def test_home_in_chinese_uses_chinese_names(client):
    page = text_of(client.get("/"))
    assert "远程接入、文件拷贝工具" in page and "旗舰版" in page
