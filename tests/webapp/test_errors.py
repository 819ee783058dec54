"""Error pages."""

import io

from tests.conftest import text_of


def test_wrong_method_is_a_405_page(en):
    response = en.post("/")
    assert response.status_code == 405
    assert "This address does not accept that method." in text_of(response)


def test_too_large_body_is_a_413_page(en):
    response = en.post("/tickets/new", data={"description": "x" * (70 * 1024)})
    assert response.status_code == 413
    assert "64 KiB" in text_of(response)


def test_unexpected_error_is_a_500_page(app, en):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    response = en.get("/boom")
    assert response.status_code == 500
    assert "Something broke on our side" in text_of(response)
    assert "RuntimeError" not in text_of(response)


def test_a_ticket_form_past_its_files_limit_names_that_limit(knowledge, tmp_path):
    from webapp import create_app

    app = create_app({"TESTING": True, "KB_KNOWLEDGE": knowledge, "KB_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
                      "KB_INSTANCE_DIR": str(tmp_path), "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "KB_ATTACHMENTS_MAX": 1, "KB_ATTACHMENT_MAX_BYTES": 64 * 1024})
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    data = {"subject": "big", "attachments": (io.BytesIO(b"x" * 200 * 1024), "big.log")}
    response = client.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "too large (128 KiB at most)" in text_of(response)
    other = client.post("/tickets/lookup", data={"number": "x" * 70 * 1024})  # other forms keep 64 KiB
    assert other.status_code == 413 and "64 KiB at most" in text_of(other)
    app.extensions["store"].close()


def test_a_text_field_of_the_ticket_form_keeps_the_request_limit_with_files_too(en):
    data = {"description": "x" * 70 * 1024, "attachments": (io.BytesIO(b"log\n"), "a.log")}
    response = en.post("/tickets/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 413 and "64 KiB at most" in text_of(response)
