"""The app factory, configuration and secrets, and what every page shares."""

import re

import pytest

from kb.settings import Settings
from tests.conftest import ROOT
from tests.conftest import sign_in
from tests.conftest import text_of
from webapp import create_app


def test_test_config_replaces_instance_config(app, knowledge):
    assert app.testing
    assert app.extensions["kb"] is knowledge
    assert app.config["MAX_CONTENT_LENGTH"] == 64 * 1024
    settings = app.config["KB_SETTINGS"]
    assert settings.index_path == settings.instance_dir / "index"


def test_environment_overrides_defaults_but_not_the_test_config(knowledge, tmp_path, monkeypatch):
    monkeypatch.setenv("KB_MODEL_PATH", "/models/mini")
    monkeypatch.setenv("KB_DATABASE_URL", "sqlite:////nowhere/never.db")
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "KB_INSTANCE_DIR": str(tmp_path)})
    try:
        settings = app.config["KB_SETTINGS"]
        assert settings.model_path == "/models/mini"
        assert settings.database == f"sqlite:///{tmp_path}/t.db"
        assert app.config["SECRET_KEY"]
    finally:
        app.extensions["store"].close()


def test_instance_config_file_is_read_below_the_environment(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text('KB_MODEL_PATH = "/from/file"\nKB_RELOAD_INTERVAL = 9\nSOMETHING_ELSE = 1\n')
    monkeypatch.setenv("KB_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("KB_MODEL_PATH", "/from/env")
    settings = Settings()
    assert (settings.model_path, settings.reload_interval) == ("/from/env", 9)


def test_production_needs_its_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INSTANCE_DIR", str(tmp_path))
    with pytest.raises(ValueError, match="KB_SECRET_KEY"):
        Settings(env="production")
    settings = Settings(env="production", secret_key="s" * 32)
    assert not settings.development and settings.secret_key.get_secret_value() == "s" * 32


def test_production_refuses_a_database_that_is_not_migrated(knowledge, tmp_path):
    with pytest.raises(RuntimeError, match="kb db upgrade"):
        create_app({"KB_KNOWLEDGE": knowledge, "KB_ENV": "production", "KB_SECRET_KEY": "s" * 32,
                    "KB_DATABASE_URL": f"sqlite:///{tmp_path}/p.db", "KB_INSTANCE_DIR": str(tmp_path)})
    from click.testing import CliRunner

    from kb.cli import cli

    result = CliRunner().invoke(cli, ["db", "upgrade", "--url", f"sqlite:///{tmp_path}/p.db"])
    assert result.exit_code == 0 and "database at revision" in result.output
    app = create_app({"KB_KNOWLEDGE": knowledge, "KB_ENV": "production", "KB_SECRET_KEY": "s" * 32,
                      "KB_DATABASE_URL": f"sqlite:///{tmp_path}/p.db", "KB_INSTANCE_DIR": str(tmp_path)})
    try:
        assert app.config["SECRET_KEY"] == "s" * 32
    finally:
        app.extensions["store"].close()


def test_secret_key_is_generated_once_and_kept(tmp_path):
    from webapp import _saved_secret

    first, made = _saved_secret(tmp_path / "instance" / "secret_key", lambda: "k" * 64)
    assert made and len(first) == 64
    assert _saved_secret(tmp_path / "instance" / "secret_key", lambda: "other") == (first, False)
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_core_never_imports_flask():
    offenders = [p.name for p in sorted((ROOT / "kb").rglob("*.py"))
                 if re.search(r"^\s*(import flask|from flask\b)", p.read_text(encoding="utf-8"), re.M)]
    assert offenders == []


def test_pages_forbid_foreign_scripts_and_framing(client):
    headers = client.get("/").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/", "/search", "/assistant", "/assistant/thanks", "/tickets/new", "/tickets/lookup",
                                  "/engineer/login", "/engineer/unanswered", "/engineer/problems"])
def test_every_page_has_the_shared_layout(app, client, path):
    sign_in(app, client)
    response = client.get(path)
    assert response.status_code == 200
    page = text_of(response)
    for part in ('<a class="skip-link" href="#main">', '<main id="main"', "<nav", 'class="lang-switch"', "site.css"):
        assert part in page
    assert "cdn" not in page.lower()


def test_footer_has_no_engineer_link(client):
    assert "/engineer/" not in text_of(client.get("/"))


def test_favicon_is_linked_and_served(client):
    assert 'rel="icon" href="/static/favicon.svg"' in text_of(client.get("/"))
    response = client.get("/static/favicon.svg")
    response.close()
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert client.get("/favicon.ico").headers["Location"].endswith("/static/favicon.svg")


def test_every_input_has_a_label(en):
    for path in ["/", "/search", "/assistant", "/tickets/new", "/tickets/lookup"]:
        page = text_of(en.get(path))
        ids = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="(?:hidden|submit)")[^>]*\bid="([^"]+)"', page)
        assert ids, path
        for field_id in ids:
            assert f'<label for="{field_id}"' in page, (path, field_id)


def test_snippets_keep_no_line_breaks_and_article_tables_scroll_in_their_box():
    css = (ROOT / "webapp" / "static" / "site.css").read_text(encoding="utf-8")
    snippet = re.search(r"\.snippet \{([^}]*)\}", css).group(1)
    assert "pre-line" not in snippet
    table = re.search(r"\.article-body table \{([^}]*)\}", css).group(1)
    assert "overflow-x: auto" in table and "display: block" in table


def test_trace_has_a_visible_disclosure_marker():
    css = (ROOT / "webapp" / "static" / "site.css").read_text(encoding="utf-8")
    assert re.search(r"\.trace summary::before \{[^}]*content: \"\\25B8\"", css)


def test_forms_need_a_csrf_token_when_protection_is_on(knowledge, tmp_path):
    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
                      "KB_INSTANCE_DIR": str(tmp_path)})
    try:
        client = app.test_client()
        response = client.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes"}, headers={"Accept-Language": "en"})
        assert response.status_code == 400
        assert "The form expired" in text_of(response)
        page = text_of(client.get("/articles/ssh-host-keys-en"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = client.post("/articles/ssh-host-keys-en/vote", data={"helpful": "yes", "csrf_token": token})
        assert response.status_code == 302
    finally:
        app.extensions["store"].close()


def test_pages_still_answer_when_the_rules_are_rechecked(client, knowledge, monkeypatch):
    monkeypatch.setattr(knowledge, "_checked", 0.0)  # force the before-request refresh to look at the files
    assert client.get("/").status_code == 200
