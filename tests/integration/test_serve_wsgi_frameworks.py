"""Real frameworks on paasrun serve: Debian's python3-flask and python3-django (found in
/usr/bin/python3's site-packages, the default when no venv is given): pages, JSON, forms,
uploads (multipart, spooled past 1 MiB) and streams, with 1 and 4 app threads."""
import hashlib
import json
import os
import pathlib
import sys
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402
from conftest import paasrun_path  # noqa: E402


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
    for k, name, data in files:
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/form-data; boundary={boundary}", out


def post(server, path, ctype, body, extra=b""):
    raw = (f"POST {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: {ctype}\r\n"
           f"Content-Length: {len(body)}\r\n").encode() + extra + b"\r\n" + body
    return server.exchange(raw, timeout=30)[0]


@pytest.fixture(params=[1, 4], ids=["threads1", "threads4"])
def threads(request):
    return request.param


def test_flask_pages_forms_uploads_streams(threads):
    pytest.importorskip("flask")
    with serve(paasrun_path(), "flask_app:application", threads=threads) as s:
        r = s.get("/")
        assert r.status == 200 and b"Flask on paasrun" in r.body
        r = s.get("/json")
        assert r.status == 200 and json.loads(r.body) == {"hello": "world", "n": 42}
        r = post(s, "/form", "application/x-www-form-urlencoded", b"name=Ada+L&tag=a&tag=b")
        assert r.status == 200 and r.body == b"name=Ada L tags=a,b"
        data = os.urandom(2 * 1024 * 1024 + 3)
        ctype, body = multipart([("x", "1")], [("file", "blob.bin", data)])
        r = post(s, "/upload", ctype, body)
        assert r.status == 200, r
        assert json.loads(r.body) == {"filename": "blob.bin", "size": len(data),
                                      "md5": hashlib.md5(data).hexdigest()}
        r = s.get("/stream?n=4")
        assert r.status == 200 and r.header("Transfer-Encoding") == "chunked"
        assert r.body.decode().splitlines() == [f"line {i} of /stream" for i in range(4)]
        assert s.get("/missing").status == 404
        assert "Traceback" not in s.proc.text()


def test_django_pages_forms_uploads_streams(threads):
    pytest.importorskip("django")
    with serve(paasrun_path(), "django_app:application", threads=threads) as s:
        r = s.get("/")
        assert r.status == 200 and b"Django on paasrun" in r.body
        r = s.get("/form")
        token = json.loads(r.body)["csrf"]
        cookie = r.header("Set-Cookie").split(";")[0]
        r = post(s, "/form", "application/x-www-form-urlencoded", f"name=Grace&csrfmiddlewaretoken={token}".encode(),
                 extra=f"Cookie: {cookie}\r\n".encode())
        assert r.status == 200 and r.body == b"hello Grace", r
        r = post(s, "/form", "application/x-www-form-urlencoded", b"name=NoToken")
        assert r.status == 403  # CSRF still enforced: the environ is what Django expects
        data = os.urandom(1536 * 1024)
        ctype, body = multipart([], [("file", "d.bin", data)])
        r = post(s, "/upload", ctype, body)
        assert r.status == 200, r
        assert json.loads(r.body) == {"name": "d.bin", "size": len(data), "md5": hashlib.md5(data).hexdigest()}
        r = s.get("/stream?n=3")
        assert r.status == 200 and r.body == b"row 0\nrow 1\nrow 2\n"
        assert s.get("/nope").status == 404
