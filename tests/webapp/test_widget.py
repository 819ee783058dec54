"""The widget's server side: the loader's configuration, the panel's CSP, the same-origin JSON answer endpoint,
its languages, and the sizes the README promises."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from pydantic import ValidationError

from kb.settings import Settings
from tests.conftest import IN_SCOPE
from tests.conftest import OUT_OF_SCOPE
from tests.conftest import ROOT

HOST = "https://console.example.com"
STATIC = ROOT / "webapp" / "static"
LOADER_MAX, PANEL_MAX = 6 * 1024, 40 * 1024  # gzip bytes, as the README states


@pytest.fixture
def widget_app(app):
    app.config["KB_SETTINGS"] = app.config["KB_SETTINGS"].model_copy(update={"widget_origins": (HOST,)})
    return app


def answer(client, **body):
    return client.post("/api/widget/answer", json=dict({"lang": "en"}, **body), headers={"Origin": "http://localhost"})


def test_the_loader_starts_only_on_the_allowed_origins(widget_app):
    response = widget_app.test_client().get("/widget.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    config = json.loads(re.search(r"var config = (\{.*\});", response.get_data(as_text=True)).group(1))
    assert config["origins"] == ["http://localhost", HOST]
    assert config["labels"]["zh"]["open"] == "智能客服" and config["labels"]["en"]["open"] == "Ask support"
    assert "config.origins.indexOf(location.origin) < 0" in response.get_data(as_text=True)


def test_without_configured_origins_only_the_site_may_frame_the_panel(client):
    assert client.get("/widget").headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert "frame-ancestors 'none'" in client.get("/assistant").headers["Content-Security-Policy"]


def test_only_the_allowed_origins_may_frame_the_panel(widget_app):
    csp = widget_app.test_client().get(f"/widget?origin={HOST}").headers["Content-Security-Policy"]
    assert csp.endswith("frame-ancestors 'self' https://console.example.com") and "script-src" not in csp


def test_the_panel_talks_only_to_an_allowed_host(widget_app):
    client = widget_app.test_client()
    assert f'data-host="{HOST}"' in client.get(f"/widget?origin={HOST}").get_data(as_text=True)
    page = client.get("/widget?origin=https://evil.example").get_data(as_text=True)
    assert 'data-host="http://localhost"' in page and "evil" not in page


def test_the_panel_needs_no_inline_script_or_style(client):
    page = client.get("/widget?lang=en").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all('src="/static/' in attrs or ('type="application/json"' in attrs and json.loads(body))
               for attrs, body in scripts)
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"\son[a-z]+=", page)


def test_the_panel_in_both_languages(client):
    zh = client.get("/widget?lang=zh&plan=S3").get_data(as_text=True)
    assert '<html lang="zh-CN">' in zh and "智能服务助手" in zh and "重新开始" in zh
    assert re.search(r'<option value="S3" selected>', zh)
    en = client.get("/widget?lang=en&plan=nonsense").get_data(as_text=True)
    assert "Start over" in en and " selected>" not in en.split('id="f-plan"')[1].split("</select>")[0]


def test_an_answer_has_the_card_the_articles_and_what_the_host_is_told(client):
    response = answer(client, question=OUT_OF_SCOPE, plan="S3")
    assert response.status_code == 200, response.get_data(as_text=True)
    data = response.json
    assert data["answer"] == {"scope": "out", "plan": "S3", "software": data["answer"]["software"], "severity": "consulting"}
    assert 'class="badge badge-out">Out of scope' in data["html"] and "The software vendor" in data["html"]
    assert 'data-act="need_help"' in data["html"] and data["summary"].startswith("Answer: ")
    assert data["question"] == OUT_OF_SCOPE and len(data["conversation"]) >= 16


def test_a_follow_up_through_the_widget_changes_the_plan_and_the_choices_name_their_fact(client):
    first = answer(client, question=IN_SCOPE).json
    assert 'data-fact="plan" data-value="S4"' in first["html"]
    second = answer(client, question="What about the Basic plan?", conversation=first["conversation"], follow_up=True).json
    assert second["question"] == IN_SCOPE and second["answer"]["plan"] == "S4"


def test_chinese_answers(client):
    data = client.post("/api/widget/answer", json={"question": "修改 sshd_config 后 sshd 无法启动", "plan": "S3",
                                                   "lang": "zh"}).json
    assert 'class="badge badge-in">在支持范围内' in data["html"], data["html"][:400]
    assert data["summary"].startswith("回答：该软件")


@pytest.mark.parametrize("headers, status", [({"Origin": "https://evil.example"}, 403),
                                             ({"Sec-Fetch-Site": "cross-site"}, 403),
                                             ({"Sec-Fetch-Site": "same-site"}, 403),
                                             ({"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}, 200)])
def test_only_the_panel_itself_may_post_an_answer(client, headers, status):
    assert client.post("/api/widget/answer", json={"question": IN_SCOPE}, headers=headers).status_code == status


def test_a_form_post_is_refused_and_bad_input_is_a_json_error(client):
    assert client.post("/api/widget/answer", data={"question": IN_SCOPE}).status_code == 415
    error = client.post("/api/widget/answer", json={"question": "", "lang": "en"}).json["error"]
    assert error["field"] == "question" and error["message"].startswith("Invalid question")
    assert client.post("/api/widget/answer", json={"question": IN_SCOPE, "extra": 1}).status_code == 400


def test_answers_spend_the_ask_budget(knowledge, tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/l.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "SECRET_KEY": "t", "KB_LIMIT_ASK": "2/minute"})
    client = app.test_client()
    codes = [answer(client, question=IN_SCOPE).status_code for _ in range(3)]
    app.extensions["store"].close()
    assert codes == [200, 200, 429]


def test_widget_origins_are_exact_origins():
    assert Settings(widget_origins="https://a.example, http://127.0.0.1:8001").widget_origins == \
        ("https://a.example", "http://127.0.0.1:8001")
    for bad in ("https://a.example/", "https://*.example", "a.example", "https://a.example/x", "ftp://a.example"):
        with pytest.raises(ValidationError):
            Settings(widget_origins=bad)


def test_sizes_and_no_third_party_requests(client):
    loader = client.get("/widget.js").get_data()
    panel = [STATIC / "widget" / "panel.js", STATIC / "widget" / "panel.css", STATIC / "site.css"]
    page = client.get("/widget?lang=en").get_data()
    assert len(gzip.compress(loader)) <= LOADER_MAX
    assert sum(len(gzip.compress(p.read_bytes())) for p in panel) + len(gzip.compress(page)) <= PANEL_MAX
    for text in [loader.decode(), page.decode(), *(p.read_text() for p in panel)]:
        assert not re.search(r"https?://(?!localhost)[a-z0-9.-]+", text.replace("http://www.w3.org", ""))


def test_the_demo_embeds_the_widget_with_one_tag(client):
    page = client.get("/widget/demo?lang=en").get_data(as_text=True)
    assert re.search(r'<script src="/widget.js" data-plan="S3" data-lang="en" async></script>', page)
    assert "Cloud console" in page
    assert "云控制台" in client.get("/widget/demo?lang=zh").get_data(as_text=True)
