"""paasrun.yaml reaches `paasrun serve` (docs/serve.md "Settings from paasrun.yaml"): the
manifest's `web:` and `static:` sections apply when serve runs in (or --chdir's to) the app
directory, as when the supervisor runs `web: paasrun serve app:application`; the environment
beats the manifest and flags beat both."""
import http.client
import textwrap

from conftest import Proc

APP = '''
def application(environ, start_response):
    body = ("app " + environ["SCRIPT_NAME"] + " " + environ["PATH_INFO"]).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

MANIFEST = """
web:
  workers: 3
  root_path: /site
  access_log: json
static:
  mappings:
    /static/: assets
  root: public
  fallthrough: false
  max_age: 300
  immutable_prefixes: [/static/build/]
  cors: true
"""


def make_app(tmp_path, manifest=MANIFEST):
    app = tmp_path / "app"
    (app / "assets" / "build").mkdir(parents=True)
    (app / "public").mkdir()
    (app / "app.py").write_text(APP)
    (app / "paasrun.yaml").write_text(textwrap.dedent(manifest))
    (app / "assets" / "site.css").write_text("body { color: red }\n" * 20)
    (app / "assets" / "build" / "main.js").write_text("console.log(1)\n")
    (app / "public" / "robots.txt").write_text("User-agent: *\n")
    return app


def get(port, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        c.close()


def serve(paasrun, cwd, *extra, env=None):
    p = Proc([paasrun, "serve", "app:application", "--bind", "127.0.0.1:0", *extra], cwd=cwd, env=env)
    port = int(p.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
    workers = int(p.wait_for_line(r"msg=ready workers=(\d+)", timeout=30).group(1))
    return p, port, workers


def test_manifest_in_the_current_directory_configures_serve(paasrun, tmp_path):
    app = make_app(tmp_path)
    p, port, workers = serve(paasrun, app, env={"WEB_CONCURRENCY": ""})
    with p:
        assert workers == 3
        assert "settings from manifest" in p.text()
        status, h, body = get(port, "/static/site.css")
        assert status == 200 and body == (app / "assets" / "site.css").read_bytes()
        assert h["cache-control"] == "public, max-age=300"
        assert h["access-control-allow-origin"] == "*"
        status, h, _ = get(port, "/static/build/main.js")
        assert status == 200 and h["cache-control"] == "public, max-age=31536000, immutable"
        assert get(port, "/static/missing.css")[0] == 404  # fallthrough: false
        status, _, body = get(port, "/robots.txt")
        assert status == 200 and body == b"User-agent: *\n"
        # Not static: the app, mounted at root_path.
        status, _, body = get(port, "/site/hello")
        assert (status, body) == (200, b"app /site /hello")
        # access_log: json
        p.wait_for_line(r'^\{.*"path":"/site/hello"')


def test_environment_beats_manifest_and_flags_beat_both(paasrun, tmp_path):
    app = make_app(tmp_path)
    p, port, workers = serve(paasrun, tmp_path, "--chdir", str(app), env={"WEB_CONCURRENCY": "2"})
    with p:
        assert workers == 3  # an explicit web.workers over WEB_CONCURRENCY (docs/serve.md)
        assert get(port, "/static/site.css")[1]["cache-control"] == "public, max-age=300"

    p, port, workers = serve(paasrun, tmp_path, "--chdir", str(app), "--workers", "1",
                             "--static-max-age", "7", "--static-fallthrough", "true",
                             "--root-path", "", "--access-log", "-", env={"WEB_CONCURRENCY": "2"})
    with p:
        assert workers == 1
        assert get(port, "/static/site.css")[1]["cache-control"] == "public, max-age=7"
        status, _, body = get(port, "/static/missing.css")
        assert status == 200 and body == b"app  /static/missing.css"
        assert not any(l.startswith("{") for l in p.output())


def test_bad_manifest_stops_serve_with_its_position(paasrun, tmp_path):
    app = make_app(tmp_path, "web:\n  treads: 4\n")
    p = Proc([paasrun, "serve", "app:application", "--bind", "127.0.0.1:0"], cwd=app)
    with p:
        assert p.wait(20) == 2
        assert "paasrun.yaml:2:3" in p.text() and "treads" in p.text()


def test_no_manifest_no_change(paasrun, tmp_path):
    app = make_app(tmp_path)
    (app / "paasrun.yaml").unlink()
    p, port, workers = serve(paasrun, app, "--workers", "1", "--static", "/static=assets")
    with p:
        assert "settings from manifest" not in p.text()
        assert get(port, "/static/site.css")[1]["cache-control"] == "public, max-age=60"
        assert get(port, "/static/missing.css")[0] == 200  # falls through to the app
