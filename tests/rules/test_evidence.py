"""Software evident only from a pasted message (issue 11, item 3): the articles' symptoms and titles decide it, in
both languages, and the trace names the article; a message several software share decides nothing."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(("question", "software"), [
    ("my nightly backup fails: connection unexpectedly closed (0 bytes received so far) [sender]", "scp_rsync"),
    ("用客户端登录一直报 530 Login or password incorrect!", "ftp"),
    ("Received message too long 1416128883", "sftp"),
    ("服务器上 subsystem request failed on channel 0", "sftp"),
    ("上传文件报 553 Could not create file.", "ftp"),
])
def test_the_articles_symptoms_name_the_software(knowledge, question, software):
    decision = knowledge.ask(question, plan="S3")
    assert decision.case.software == software
    assert decision.scope == "in"
    step = decision.trace[0]
    assert step.id.startswith("evidence.") and step.outcome == {"software": software}
    assert knowledge.library.articles[step.id.removeprefix("evidence.")].software == software


@pytest.mark.parametrize("question", ["Connection timed out", "连接超时，一直报错", "it fails with an error after the reboot"])
def test_a_message_many_tools_share_names_no_software(knowledge, question):
    decision = knowledge.ask(question, plan="S3")
    assert decision.case.software is None
    assert not any(step.id.startswith("evidence.") for step in decision.trace)
    assert decision.scope == "unknown" and [m.fact for m in decision.missing] == ["software"]


def test_code_that_names_a_tool_is_not_sent_to_the_articles(knowledge):
    decision = knowledge.ask("```python\nimport paramiko\n```\nrsync: connection unexpectedly closed (0 bytes received so far)",
                             plan="S3")
    assert decision.case.activity == "develop" and decision.case.software is None and decision.scope == "out"
