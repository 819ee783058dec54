"""Error pages."""



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
