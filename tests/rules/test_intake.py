import pytest

from kb.rules.intake import intake_for


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
    codes = {n.key for n in case.notes}
    assert {"version_assumed", "install_assumed", "plan_unknown"} <= codes


@pytest.mark.parametrize(("text", "version"), [
    ("TencentOS Server 3.1 上 yum 安装的 vsftpd 2.3.4 无法启动", "2.3.4"),
    ("Ubuntu Server 22.04 上 vsftpd 2.3.4 启动失败", "2.3.4"),
    ("vsftpd-3.0.2-25.el7 login fails on CentOS 7.9", "3.0.2"),
    ("CentOS 7.9 上 vsftpd 版本 3.0.3 启动失败", "3.0.3"),
    ("Windows Server 2019 上 FileZilla Server 0.9.41 无法启动", "0.9.41"),
    ("CentOS 7.9 上 vsftpd 启动失败", None),
])
def test_the_software_version_is_not_the_os_version(book, text, version):
    assert intake_for(book).read(text).version == version


def test_negated_terms_are_not_found():
    from kb.rules.lexicon import TermMatcher

    matcher = TermMatcher([("紧急", "urgent"), ("急", "hurry"), ("urgent", "urgent"), ("error", "error")],
                          negations=["不", "not", "no", "不是很"])
    assert matcher.labels("请问怎么改端口，不紧急") == []  # and 急 is not found inside the negated 紧急
    assert matcher.labels("not urgent") == [] and matcher.labels("no error, just slow") == []
    assert matcher.labels("不是很紧急") == []
    assert matcher.labels("很紧急") == ["urgent"] and matcher.labels("know error") == ["error"]


@pytest.mark.parametrize(("text", "activity"), [
    ("COS 上传报 403", "troubleshoot"),
    ("Python SDK 调用 DescribeInstances 报 AuthFailure", "troubleshoot"),
    ("the API returns 500 Internal Server Error", "troubleshoot"),
    ("CVM 控制台提示 ResourceInsufficient.SpecifiedInstanceType", "troubleshoot"),
    ("COS 怎么返回 100 条以上的列表", "consult"),
])
def test_an_error_code_after_a_reporting_word_is_a_problem(book, text, activity):
    assert intake_for(book).read(text).activity == activity


def test_a_fault_level_implies_the_severity(book):
    case = intake_for(book).read("二级故障")
    assert case.severity == "degraded"
    assert "severity_from_fault_level" in {n.key for n in case.notes}
    assert intake_for(book).read("二级故障", severity="business_down").severity == "business_down"


def test_a_name_joined_to_its_version_by_an_underscore_is_the_name():
    from kb.rules.lexicon import TermMatcher

    matcher = TermMatcher([("armbian", "device"), ("chroot", "sftp")])
    assert matcher.labels("Armbian_22.11.0_Aml_s905l3a") == ["device"]
    assert matcher.labels("chroot_local_user=YES") == []  # an option name is not the word it starts with


def test_a_term_is_found_across_white_space_and_the_word_test_never_hides_a_match(book):
    """The matcher skips a term whose longest word is not in the text before trying its pattern; that must be only a
    shortcut: every match the patterns alone find, on every labelled text, is still found."""
    import yaml

    from kb.rules.lexicon import TermMatcher
    from kb.rules.lexicon import normalize
    from tests.conftest import ROOT

    matcher = TermMatcher([("ssh key", "key"), ("远程 桌面", "rdp"), ("vsftpd", "ftp")])
    assert [m.label for m in matcher.find("my sshkey and 远程桌面 and VSFTPD")] == ["key", "rdp", "ftp"]
    texts = [item["question"] for name in ("en", "zh") for item in yaml.safe_load(
        (ROOT / "tests/data/real" / f"{name}.yaml").read_text(encoding="utf-8"))]
    book_matchers = [m for m in vars(intake_for(book)).values() if isinstance(m, TermMatcher)]
    assert book_matchers
    for found in book_matchers:
        for text in texts:
            plain = normalize(text)
            every = {(m.start(), m.end()) for _t, _l, pattern, _w in found._entries for m in pattern.finditer(plain)}
            assert {(m.start, m.end) for m in found.find(text)} <= every
            shortcut = {(m.start(), m.end()) for _t, _l, pattern, word in found._entries if word in plain
                        for m in pattern.finditer(plain)}
            assert shortcut == every


def test_word_edges_are_cut_once_per_text_and_again_after_a_matcher_adds_a_word():
    """The intake's matchers share one text's jieba edges; a short Chinese term added since must change them."""
    from kb.rules.lexicon import TermMatcher
    from kb.rules.lexicon import _boundaries

    text = "我们的驴卡啦了"
    before = _boundaries(text)
    assert _boundaries(text) is before  # the second matcher to ask does not cut again
    TermMatcher([("卡啦", "test-word")])
    after = _boundaries(text)
    assert 5 in before and 5 not in after  # 卡啦 is now one word: no edge inside it
