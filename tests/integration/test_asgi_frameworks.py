"""Real ASGI frameworks from Debian's packages served unchanged by `paasrun serve`:
Starlette (python3-starlette), FastAPI (python3-fastapi) and Django's ASGIHandler
(python3-django)."""
import hashlib
import http.cookies
import json
import os
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402
from test_serve_wsgi_frameworks import multipart  # noqa: E402


def needs(module):
    try:
        __import__(module)
    except ImportError:
        pytest.skip(f"{module} is not installed (scripts/bootstrap installs python3-{module})")


def request(server, method, path, body=b"", headers=b""):
    raw = (f"{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n".encode() + headers +
           (f"Content-Length: {len(body)}\r\n".encode() if body or method == "POST" else b"") + b"\r\n" + body)
    return server.exchange(raw, timeout=30)[0]


# ---- Starlette --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def starlette_server():
    needs("starlette")
    with serve(paasrun_path(), "asgi_starlette:app") as s:
        yield s


def test_starlette_page_and_path_params(starlette_server):
    assert request(starlette_server, "GET", "/").body == b"Starlette on paasrun"
    r = request(starlette_server, "GET", "/items/7?q=x")
    out = json.loads(r.body)
    assert out["id"] == 7 and out["q"] == "x"
    assert out["startup"] and out["startup"][0].startswith("startup-")  # on_startup ran (lifespan)
    assert request(starlette_server, "GET", "/items/abc").status == 404


def test_starlette_multipart_upload(starlette_server):
    data = os.urandom(2 * 1024 * 1024)
    ctype, body = multipart([], [("file", "blob.bin", data)])
    r = request(starlette_server, "POST", "/upload", body, f"Content-Type: {ctype}\r\n".encode())
    assert r.status == 200, r.body
    assert json.loads(r.body) == {"name": "blob.bin", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def test_starlette_streaming(starlette_server):
    r = request(starlette_server, "GET", "/numbers?n=50")
    assert r.header("Transfer-Encoding") == "chunked"
    assert r.body == "".join(f"n={i}\n" for i in range(50)).encode()


# ---- FastAPI ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def markers(tmp_path_factory):
    return tmp_path_factory.mktemp("fastapi-markers")


@pytest.fixture(scope="module")
def fastapi_server(markers):
    needs("fastapi")
    with serve(paasrun_path(), "asgi_fastapi:app", ready_path="/json", env={"ASGI_MARKER_DIR": str(markers)}) as s:
        yield s


def test_fastapi_json(fastapi_server):
    r = request(fastapi_server, "GET", "/json")
    assert r.status == 200 and r.header("Content-Type") == "application/json"
    assert json.loads(r.body) == {"message": "Hello, world!", "n": 42}
    assert json.loads(request(fastapi_server, "GET", "/items/5?q=z").body) == {"item_id": 5, "q": "z"}


def test_fastapi_body_model_and_validation_error(fastapi_server):
    ok = request(fastapi_server, "POST", "/items", json.dumps({"name": "pen", "price": 1.25, "tags": ["a"]}).encode(),
                 b"Content-Type: application/json\r\n")
    assert ok.status == 200 and json.loads(ok.body) == {"name": "pen", "price_cents": 125, "tags": ["a"]}
    bad = request(fastapi_server, "POST", "/items", json.dumps({"name": "pen", "price": "cheap"}).encode(),
                  b"Content-Type: application/json\r\n")
    assert bad.status == 422
    detail = json.loads(bad.body)["detail"]
    assert any(d["loc"][-1] == "price" for d in detail)
    assert request(fastapi_server, "GET", "/items/notanint").status == 422


def test_fastapi_streaming_response(fastapi_server):
    r = request(fastapi_server, "GET", "/stream?n=30")
    assert r.status == 200
    assert r.body == b"".join(b"chunk %d\n" % i for i in range(30))


def test_fastapi_background_task(fastapi_server, markers):
    r = request(fastapi_server, "POST", "/notify/bg1")
    assert r.status == 200 and json.loads(r.body) == {"queued": "bg1"}
    wait_until(lambda: (markers / "bg1").exists(), timeout=10, what="background task ran")


def test_fastapi_sync_endpoint_in_threadpool(fastapi_server):
    assert json.loads(request(fastapi_server, "GET", "/sync").body) == {"sync": True}


def test_fastapi_openapi(fastapi_server):
    r = request(fastapi_server, "GET", "/openapi.json")
    assert r.status == 200 and "/items/{item_id}" in json.loads(r.body)["paths"]


# ---- Django (ASGIHandler) -----------------------------------------------------------------

@pytest.fixture(scope="module")
def django_server():
    needs("django")
    with serve(paasrun_path(), "asgi_django:application") as s:
        yield s


def test_django_asgi_page_and_async_view(django_server):
    assert b"Django ASGI on paasrun" in request(django_server, "GET", "/").body
    assert json.loads(request(django_server, "GET", "/async").body) == {"async": True, "path": "/async", "script": ""}
    django_server.proc.wait_for_line(r"interface=asgi", timeout=5)


def test_django_asgi_form_with_csrf(django_server):
    r = request(django_server, "GET", "/form")
    token = json.loads(r.body)["csrf"]
    cookie = http.cookies.SimpleCookie(r.header("Set-Cookie"))["csrftoken"].value
    body = f"name=ada&csrfmiddlewaretoken={token}".encode()
    ok = request(django_server, "POST", "/form", body,
                 f"Content-Type: application/x-www-form-urlencoded\r\nCookie: csrftoken={cookie}\r\n".encode())
    assert ok.status == 200 and ok.body == b"hello ada"
    assert request(django_server, "POST", "/form", b"name=ada",
                   b"Content-Type: application/x-www-form-urlencoded\r\n").status == 403


def test_django_asgi_body_and_stream(django_server):
    body = os.urandom(1500 * 1024)  # spooled by the front end, streamed to Django in pieces
    assert json.loads(request(django_server, "POST", "/echo", body).body) == {"size": len(body), "method": "POST"}
    assert request(django_server, "GET", "/stream?n=4").body == b"row 0\nrow 1\nrow 2\nrow 3\n"
