"""What is source: `.env` is never in a slug or a deploy upload and editing it alone does not
rebuild; `.slugignore` (Heroku's syntax) keeps files out of slugs; `paasrun deploy DIR` leaves
out what `.gitignore` names (issue 16 item 4)."""
import json
import os
import pathlib
import signal
import subprocess
import sys

from conftest import Proc, free_port
from deploy_harness import TOKEN, Instance, write_app

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import release_json, run, slug_app_dir  # noqa: E402


def test_slugignore_and_dotenv_stay_out_of_the_slug(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    (app / ".env").write_text("GREETING=from-dotenv\n")
    (app / ".slugignore").write_text("# Heroku syntax\n*.psd\n/tests/\n!keep.psd\n")
    (app / "art").mkdir()
    (app / "art" / "logo.psd").write_text("big")
    (app / "art" / "keep.psd").write_text("kept")
    (app / "tests").mkdir()
    (app / "tests" / "test_x.py").write_text("t")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    slug = slug_app_dir(app, 1)
    assert (slug / "app.py").is_file() and (slug / "art" / "keep.psd").is_file()
    for gone in (".env", "art/logo.psd", "tests"):
        assert not (slug / gone).exists(), gone
    # Neither is an ignored file part of the source hash.
    h1 = release_json(app, 1)["source_hash"]
    (app / "art" / "logo.psd").write_text("bigger")
    assert run(paasrun, "build", app).returncode == 0
    assert release_json(app, 2)["source_hash"] == h1


def up_until_ready(paasrun, app):
    env = {"PORT": str(free_port()), "ADMIN_PORT": "0", "NO_COLOR": "1", "PAASRUN_ADMIN_TOKEN": TOKEN}
    with Proc([paasrun, "up", str(app), "--log-format", "logfmt"], env=env) as p:
        p.wait_for_line(r'msg="process ready" proc=web\.1', timeout=60)
        m = p.wait_for_line(r'msg="admin api listening" addr=(\S+)', timeout=5)
        import http.client
        host, port = m.group(1).rsplit(":", 1)
        c = http.client.HTTPConnection("127.0.0.1", int(env["PORT"]), timeout=5)
        c.request("GET", "/env/GREETING")
        body = c.getresponse().read().decode()
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0, p.text()
        return p.text(), body


def test_editing_dotenv_alone_does_not_rebuild(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    (app / ".env").write_text("GREETING=one\n")
    out, body = up_until_ready(paasrun, app)
    assert "Released v1" in out and body.endswith("one"), (out, body)
    (app / ".env").write_text("GREETING=two\n")
    out, body = up_until_ready(paasrun, app)
    assert "Released" not in out, out
    assert body.endswith("two"), body  # `up` reads .env in place


def test_deploy_dir_leaves_out_dotenv_and_gitignored_files(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        src = write_app(tmp_path / "src", "v2", manifest="deploy:\n  bake_window: 0\n")
        (src / ".env").write_text("SECRET=local-only\n")
        (src / ".gitignore").write_text("*.sqlite3\nnode_modules/\n")
        (src / "dev.sqlite3").write_text("local data")
        (src / "node_modules" / "x").mkdir(parents=True)
        (src / "node_modules" / "x" / "index.js").write_text("js")
        (src / "pkg").mkdir()
        (src / "pkg" / "other.sqlite3").write_text("nested")
        (src / "pkg" / "mod.py").write_text("x = 1\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAASRUN_")}
        env.update(PAASRUN_URL=f"http://{inst.admin}", PAASRUN_ADMIN_TOKEN=TOKEN)
        r = subprocess.run([paasrun, "deploy", "--wait-healthy", "--timeout", "120", str(src)], env=env,
                           capture_output=True, text=True, timeout=180)
        assert r.returncode == 0, r.stdout + r.stderr
        inst.wait_serving("v2", timeout=15)
        slug = slug_app_dir(app, 2)
        assert (slug / "pkg" / "mod.py").is_file() and (slug / ".gitignore").is_file()
        for gone in (".env", "dev.sqlite3", "node_modules", "pkg/other.sqlite3"):
            assert not (slug / gone).exists(), gone
