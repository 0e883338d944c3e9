"""Each build error stops with a clear message and a non-zero exit, and leaves the current
release untouched: a missing requirement, a failing pip, a broken setup.py, a buildpack that
is not executable, a full disk."""
import os
import pathlib
import shutil
import stat
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "build"))
from buildtest import (BUILDPACKS, assert_current_intact, copy_app, hello_app, history, offline_env,  # noqa: E402,F401
                       run, state, wheelhouse)


@pytest.fixture
def released_app(paasrun, tmp_path, wheelhouse):
    """An app with v1 current, built from the wheelhouse."""
    app = copy_app("wheelhouse", tmp_path / "app")
    shutil.copytree(wheelhouse, app / "vendor" / "wheels")
    r = run(paasrun, "build", app)
    assert r.returncode == 0, r.stdout + r.stderr
    return app


def failed_build(paasrun, app):
    r = run(paasrun, "build", app)
    assert r.returncode != 0
    assert "build failed; the current release is unchanged" in r.stderr
    assert_current_intact(app, 1)
    # No half-built slug is left behind.
    slugs = list((state(app) / "slugs").iterdir())
    assert all((s / "slug.json").exists() for s in slugs)
    return r


def test_missing_requirement(paasrun, released_app):
    (released_app / "requirements.txt").write_text("tinyhello==1.0\nno-such-package==9.9\n")
    r = failed_build(paasrun, released_app)
    assert "pip install failed: No matching distribution found for no-such-package==9.9" in r.stdout


def test_failing_pip_conflict(paasrun, released_app):
    (released_app / "requirements.txt").write_text("tinydep==1.0\ntinydep==2.0\n")
    r = failed_build(paasrun, released_app)
    assert "pip install failed" in r.stdout
    assert "bin/compile failed (exit=1)" in r.stderr


def test_broken_setup_py(paasrun, released_app):
    # Without requirements.txt the app's own setup.py is installed (pip install -e .).
    (released_app / "requirements.txt").unlink()
    (released_app / "setup.py").write_text('raise RuntimeError("this setup.py is broken on purpose")\n')
    r = failed_build(paasrun, released_app)
    assert "a setup.py or build backend error" in r.stdout
    assert "RuntimeError: this setup.py is broken on purpose" in r.stdout


def test_buildpack_not_executable(paasrun, tmp_path):
    bp = tmp_path / "bp"
    shutil.copytree(BUILDPACKS / "hello", bp)
    app = hello_app(tmp_path / "app")
    (app / ".buildpacks").write_text(f"{bp}\n")
    assert run(paasrun, "build", app).returncode == 0
    compile_ = bp / "bin" / "compile"
    compile_.chmod(compile_.stat().st_mode & ~(stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    (app / "hello.txt").write_text("changed\n")
    r = failed_build(paasrun, app)
    assert f"{compile_} is not executable (chmod +x" in r.stderr


def test_unknown_buildpack_and_url_are_refused(paasrun, tmp_path):
    app = hello_app(tmp_path / "app")
    (app / ".buildpacks").write_text("https://github.com/heroku/heroku-buildpack-python\n")
    r = run(paasrun, "build", app)
    assert r.returncode != 0 and "URLs are not supported" in r.stderr
    (app / ".buildpacks").write_text("no-such-buildpack\n")
    r = run(paasrun, "build", app)
    assert r.returncode != 0 and "no bundled buildpack has this name" in r.stderr


def _can_mount_tmpfs():
    try:
        return subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c",
                               "mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt"],
                              capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare + tmpfs mounts (user namespaces)")
def test_full_disk(paasrun, tmp_path):
    """The state dir on a 3 MiB tmpfs (in a private mount namespace): a first build fits, a
    second one with a 4 MiB file does not."""
    app = hello_app(tmp_path / "app")
    statedir = tmp_path / "state"
    statedir.mkdir()
    script = f"""
set -u
mount -t tmpfs -o size=3m tmpfs {statedir}
{paasrun} build {app} || exit 10
head -c 4194304 /dev/urandom > {app}/big.bin
{paasrun} build {app}
echo "second-build-exit=$?"
readlink {statedir}/current
ls {statedir}/slugs | wc -l
"""
    r = subprocess.run(["unshare", "--mount", "--map-root-user", "bash", "-c", script],
                       capture_output=True, text=True, timeout=120, env=offline_env(PAASRUN_STATE=statedir))
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "second-build-exit=1" in out
    assert f"the disk holding {statedir} is full" in out
    assert "releases/v1" in r.stdout  # still current
    assert r.stdout.strip().splitlines()[-1] == "1"  # the partial slug was removed
