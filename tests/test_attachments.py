"""Attachments are checked on their content: the name and the browser's type are not believed."""

import pytest

from kb import attachments
from kb.errors import InvalidInput
from tests.store.test_tickets import PNG

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


@pytest.mark.parametrize(("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif"),
                                            (WEBP, "image/webp"), (PDF, "application/pdf"),
                                            ("sshd[812]: 拒绝连接\r\n\tretry\n".encode(), attachments.TEXT),
                                            (b"<script>alert(1)</script>", attachments.TEXT)])
def test_accepted_types_are_known_by_their_bytes(data, kind):
    assert attachments.media_type(data) == kind


@pytest.mark.parametrize("data", [b"MZ\x90\x00\x03" + b"\x00" * 59, b"PK\x03\x04" + b"\x00" * 30, b"\x00\x01binary\xff",
                                  b"log with an escape \x1b[31m", b"text\x00nul"])
def test_programs_archives_and_binary_are_refused(data):
    assert attachments.media_type(data) is None


def test_checked_names_every_bad_file_and_keeps_safe_names():
    found = attachments.checked([("C:\\Users\\me\\shot.png", PNG), ("../../etc/x\u202e.log", b"ok\n")],
                                max_count=3, max_bytes=1024)
    assert [(a.name, a.media_type) for a in found] == [("shot.png", "image/png"), ("x.log", attachments.TEXT)]
    with pytest.raises(InvalidInput) as raised:
        attachments.checked([("a.png", b"MZ\x90\x00"), ("big.log", b"x" * 1025), ("none.txt", b"")], max_count=3,
                            max_bytes=1024)
    assert [(e.code, e.params["name"]) for e in raised.value.errors] == [
        ("file_type", "a.png"), ("file_too_large", "big.log"), ("empty_file", "none.txt")]
    with pytest.raises(InvalidInput) as raised:
        attachments.checked([("a.log", b"a")] * 4, max_count=3, max_bytes=1024)
    assert raised.value.errors[0].code == "too_many_files"


def test_sizes_read_as_people_write_them():
    assert (attachments.size_text(5 * 2**20), attachments.size_text(2048), attachments.size_text(1536 * 1024)) == (
        "5 MiB", "2 KiB", "1.5 MiB")
