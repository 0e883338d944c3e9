"""Hostile or careless trees never make paasrun write outside a slug or publish files from
outside the app (docs/build.md, docs/deploys.md):

- a slug archive whose app/.venv or app/.profile.d is a symlink is refused, and the files
  it points at (canaries outside) are never rewritten;
- a source tree whose .profile.d is a symlink fails the build: the buildpacks never write
  through it;
- a static dir that is a symlink out of the app fails the build, and `paasrun serve`
  refuses to serve such a mount in a tree that was never built (a slug archive), so the
  state dir (every release.json, config vars included) is never on the public port;
- a slug keeps no group/world-writable file (an archive's 0777 modes are dropped)."""
import io
import json
import os
import pathlib
import stat
import subprocess
import tarfile

from conftest import Proc, free_port, http_get
from deploy_harness import Instance, releases, write_app

CANARY = '#!/old/slugs/s1/app/.venv/bin/python\nVIRTUAL_ENV="/old/slugs/s1/app/.venv"\n'


def slug_archive(entries, manifest="formation:\n  hello: 0\n"):
    """A slug archive (slug.json + app/...) from (name, kind, value, mode) entries: kind is
    "file" (value = text), "dir" or "symlink" (value = target)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        def add(name, kind, value="", mode=0o644):
            info = tarfile.TarInfo(name)
            info.mode = mode
            if kind == "file":
                data = value.encode()
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                t.addfile(info)
            else:
                info.type = tarfile.SYMTYPE
                info.linkname = value
                t.addfile(info)
        add("slug.json", "file", json.dumps({"id": "s1", "source_hash": "0123456789abcdef"}))
        add("app", "dir", mode=0o755)
        app_py = (pathlib.Path(__file__).resolve().parents[1] / "fixtures/apps/deploy/app.py").read_text()
        add("app/app.py", "file", app_py)
        add("app/VERSION", "file", "v2\n")
        add("app/Procfile", "file", "web: paasrun serve app:application\n")
        add("app/paasrun.yaml", "file", manifest)
        for e in entries:
            add(*e)
    return buf.getvalue()


def canaries(outside):
    outside.mkdir()
    (outside / "bin").mkdir()
    for p in (outside / "bin/activate", outside / "bin/tool", outside / "python.sh"):
        p.write_text(CANARY)
    (outside / "pyvenv.cfg").write_text("command = /usr/bin/python3 -m venv /old/slugs/s1/app/.venv\n")
    return {p: p.read_text() for p in outside.rglob("*") if p.is_file()}


def assert_untouched(outside, before):
    after = {p: p.read_text() for p in outside.rglob("*") if p.is_file()}
    assert after == before


def test_slug_archive_with_symlinked_venv_or_profile_d_is_refused(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    outside = tmp_path / "outside"
    before = canaries(outside)
    with Instance(paasrun, app, web_concurrency=1) as inst:
        for link in ("app/.venv", "app/.profile.d"):
            status, body = inst.api("POST", "/v1/releases", slug_archive([(link, "symlink", str(outside))]),
                                    "application/gzip")
            assert status == 202, (status, body)
            job = inst.wait_job(body["id"])
            assert job["state"] == "failed", job
            assert f"{link} is a symlink" in job["message"], job["message"]
            assert_untouched(outside, before)
            assert inst.get() == (200, "v1")
        # A .profile.d file that is a symlink out is not written through either: the import
        # goes on (the link is the app's business), the target is never rewritten.
        entries = [("app/.profile.d", "dir", "", 0o755),
                   ("app/.profile.d/python.sh", "symlink", str(outside / "python.sh")),
                   ("app/.venv", "dir", "", 0o755), ("app/.venv/bin", "dir", "", 0o755),
                   ("app/.venv/bin/activate", "file", CANARY)]
        status, body = inst.api("POST", "/v1/releases", slug_archive(entries), "application/gzip")
        assert status == 202, (status, body)
        job = inst.wait_job(body["id"])
        assert_untouched(outside, before)
        assert job["state"] == "succeeded", job
        slug = next(p for p in (app / ".paasrun" / "slugs").iterdir() if (p / "app/VERSION").exists()
                    and (p / "app/VERSION").read_text() == "v2\n")
        assert str(slug / "app/.venv") in (slug / "app/.venv/bin/activate").read_text()


def test_build_refuses_a_symlinked_profile_d(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1")
    outside = tmp_path / "outside"
    outside.mkdir()
    (app / ".profile.d").symlink_to(outside)
    r = subprocess.run([paasrun, "build", str(app)], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0, r.stdout + r.stderr
    assert ".profile.d in the source is a symlink" in r.stderr, r.stdout + r.stderr
    # The fixture buildpack writes .profile.d/hello.sh: not into `outside`.
    assert list(outside.iterdir()) == []


STATIC = "static:\n  mappings:\n    /static/: static\n"


def test_build_refuses_a_static_dir_leading_out_of_the_app(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest=STATIC)
    (app / "static").symlink_to("../../..")
    r = subprocess.run([paasrun, "build", str(app)], capture_output=True, text=True, timeout=120)
    assert r.returncode != 0, r.stdout + r.stderr
    assert "static dir static resolves to" in r.stderr and "outside the app" in r.stderr, r.stdout + r.stderr
    assert not (app / ".paasrun" / "current").exists()


def test_a_deployed_slug_with_a_static_symlink_out_is_never_served(paasrun, tmp_path):
    """A slug archive is not built, so only the serve-side check stands between it and the
    public port: the deploy fails, v1 keeps serving, release.json is not reachable."""
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        status, body = inst.api("PATCH", "/v1/config", {"SECRET_KEY": "hunter2"})
        assert status == 202 and inst.wait_job(body["id"])["state"] == "succeeded"
        manifest = "formation:\n  hello: 0\n" + STATIC + "deploy:\n  start_timeout: 20\n"
        archive = slug_archive([("app/static", "symlink", "../../..")], manifest=manifest)
        status, body = inst.api("POST", "/v1/releases", archive, "application/gzip")
        assert status == 202, (status, body)
        job = inst.wait_job(body["id"], timeout=90)
        assert job["state"] == "failed", job
        assert inst.get() == (200, "v1")
        for v in ("v2", "v3"):
            s, _, data = http_get(inst.port, f"/static/releases/{v}/release.json")
            assert b"hunter2" not in data
        logs = inst.proc.text()
        assert "outside the app directory" in logs, logs[-3000:]
        assert releases(inst)["v3"]["status"] == "failed"


def test_serve_refuses_a_relative_static_mount_leading_out(paasrun, tmp_path):
    app = tmp_path / "state" / "slugs" / "s1" / "app"
    app.mkdir(parents=True)
    (app / "app.py").write_text("def application(e, s):\n    s('200 OK', [])\n    return [b'x']\n")
    (tmp_path / "state" / "secret.json").write_text('{"SECRET_KEY": "hunter2"}')
    (app / "static").symlink_to("../../..")
    port = free_port()
    with Proc([paasrun, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--static", "/static=static",
               "app:application"], cwd=str(app)) as p:
        code = p.wait(30)
        assert code != 0
        assert "outside the app directory" in p.text(), p.text()


def test_slug_modes_drop_group_and_world_write(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun, app, web_concurrency=1) as inst:
        entries = [("app/tool.sh", "file", "#!/bin/sh\n", 0o777), ("app/data", "dir", "", 0o777),
                   ("app/data/x.txt", "file", "x", 0o666)]
        status, body = inst.api("POST", "/v1/releases", slug_archive(entries), "application/gzip")
        assert status == 202
        assert inst.wait_job(body["id"])["state"] == "succeeded"
        bad = []
        for slug in (app / ".paasrun" / "slugs").iterdir():
            for p in [slug, *slug.rglob("*")]:
                st = os.lstat(p)
                if not stat.S_ISLNK(st.st_mode) and st.st_mode & 0o022:
                    bad.append((str(p), oct(st.st_mode)))
        assert not bad, bad
