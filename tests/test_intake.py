import pytest

from kb.intake import intake_for


@pytest.mark.parametrize(("text", "software", "activity"), [
    ("sshd 启动失败", "ssh", "troubleshoot"),
    ("Permission denied (publickey)", "ssh", "troubleshoot"),
    ("远程桌面连不上", "rdp", "troubleshoot"),
    ("vsftpd 500 OOPS", "ftp", "troubleshoot"),
    ("firewalld 怎么开放 8080 端口", "firewall_linux", "configure"),
    ("how do I install MySQL on my server", None, "install"),
    ("帮我调试一下 Python 代码", None, "develop"),
])
def test_typical_questions_become_cases(book, text, software, activity):
    case = intake_for(book).read(text)
    assert case.software == software
    assert case.activity == activity


def test_language_is_detected(book):
    assert intake_for(book).read("远程桌面连不上").lang == "zh"
    assert intake_for(book).read("rdp broken").lang == "en"


def test_longest_name_wins_across_kinds(book):
    case = intake_for(book).read("云数据库MySQL 连不上")
    assert case.software_status == "cloud_product"


def test_short_chinese_terms_respect_word_boundaries(book):
    case = intake_for(book).read("普通用户怎么配置")
    assert not case.port_issue


def test_what_intake_cannot_tell_is_said(book):
    case = intake_for(book).read("vsftpd 连不上")
    codes = {n["code"] for n in case.notes}
    assert {"version_assumed", "install_assumed", "plan_unknown"} <= codes
