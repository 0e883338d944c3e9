"""The worker count of a BUILT app: --workers > web.workers in paasrun.yaml > WEB_CONCURRENCY
> paasrun serve's CPU/memory rule. The Python buildpack's .profile.d used to export
WEB_CONCURRENCY=2xCPUs+1 before every process, which beat paasrun.yaml and the memory rule
(issue 16 item 3)."""
import pathlib
import shutil
import signal
import sys

from conftest import Proc, free_port

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import copy_app, offline_env, wheelhouse  # noqa: E402,F401


def up_workers(paasrun, app, **env):
    full = offline_env(PORT=free_port(), ADMIN_PORT="0", NO_COLOR="1", **env)
    full.pop("WEB_CONCURRENCY", None)
    full.update(env)
    with Proc([paasrun, "up", str(app)], env=full) as p:
        workers = int(p.wait_for_line(r"msg=ready workers=(\d+)", timeout=120).group(1))
        text = p.text()
        p.signal(signal.SIGTERM)
        p.wait(30)
    return workers, text


def built_app(tmp_path, wheelhouse, manifest):
    app = copy_app("wheelhouse", tmp_path / "app")
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")
    (app / "Procfile").write_text("web: paasrun serve wsgi:application\n")
    (app / "paasrun.yaml").write_text(manifest)
    return app


def test_manifest_workers_beat_the_buildpack_and_web_concurrency(paasrun, tmp_path, wheelhouse):
    app = built_app(tmp_path, wheelhouse, "web:\n  workers: 3\n")
    workers, text = up_workers(paasrun, app)
    assert "Released v1" in text
    assert workers == 3, text
    workers, _ = up_workers(paasrun, app, WEB_CONCURRENCY="2")
    assert workers == 3  # the manifest's explicit choice wins over a platform's default


def test_without_a_manifest_count_web_concurrency_then_serve_decides(paasrun, tmp_path, wheelhouse):
    app = built_app(tmp_path, wheelhouse, "web:\n  threads: 1\n")
    workers, _ = up_workers(paasrun, app, WEB_CONCURRENCY="2")
    assert workers == 2
    workers, text = up_workers(paasrun, app)
    assert "worker count derived from the machine" in text, text
