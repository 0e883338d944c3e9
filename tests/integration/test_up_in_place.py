"""`paasrun up` runs the code in place (docs/supervisor.md, "In place"): cwd is the source
dir, the environment (virtualenv, .profile.d, buildpack and config vars) comes from the build;
a rollback to older code or a deploy from elsewhere runs from its slug; `start` runs slugs."""
import os
import re
import signal
import subprocess
import textwrap

from conftest import Proc, wait_until

LINE = re.compile(r"^\d\d:\d\d:\d\d (\S+) +\| (.*)$")


def write(app_dir, name, text):
    path = app_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def lines_of(proc, name):
    out = []
    for line in proc.output():
        m = LINE.match(line)
        if m and m.group(1) == name:
            out.append(m.group(2))
    return out


def python_app(app_dir):
    # An empty requirements.txt: the bundled Python buildpack detects the app and builds an
    # (empty) virtualenv into the slug, so the environment visibly comes from the build.
    write(app_dir, "requirements.txt", "")
    write(app_dir, "Procfile", """\
        web: echo "cwd=$(pwd) venv=$VIRTUAL_ENV prefix=$(python3 -c 'import sys; print(sys.prefix)')"; cat marker.txt; exec sleep 60
        release: echo migrated >> release.log
        """)
    write(app_dir, "marker.txt", "one\n")


def test_up_runs_the_source_with_the_builds_environment(paasrun, app_dir):
    python_app(app_dir)
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"web\.1 +\| one$", timeout=120)
        assert re.search(r"Running release v1 in place", p.text()), p.text()
        info = lines_of(p, "web.1")[0]
        m = re.fullmatch(r"cwd=(\S+) venv=(\S+) prefix=(\S+)", info)
        assert m, info
        assert m.group(1) == str(app_dir)
        slugs = str(app_dir / ".paasrun" / "slugs")
        assert m.group(2).startswith(slugs + "/") and m.group(2).endswith("/app/.venv"), info
        assert m.group(3) == m.group(2), info  # python3 is the build's virtualenv's
        # The release phase ran in place too (a Django migrate reaches the same database).
        assert (app_dir / "release.log").read_text() == "migrated\n"
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_edits_show_on_restart_without_a_rebuild_and_app_files_persist(paasrun, app_dir):
    # web counts its starts in a file next to the code (as Django's db.sqlite3 lives there);
    # .slugignore keeps it out of the source, so writing it never makes `up` rebuild.
    write(app_dir, ".slugignore", "counter.db\n")
    write(app_dir, "Procfile", """\
        web: n=$(cat counter.db 2>/dev/null || echo 0); n=$((n+1)); echo $n > counter.db; echo "start=$n $(cat marker.txt)"; exec sleep 60
        """)
    write(app_dir, "marker.txt", "one")
    with Proc([paasrun, "up", str(app_dir), "--restart"]) as p:
        p.wait_for_line(r"web\.1 +\| start=1 one$", timeout=60)
        (app_dir / "marker.txt").write_text("two")
        pid = int(re.findall(r"web\.1 started \(pid (\d+)", p.text())[-1])
        os.kill(pid, signal.SIGTERM)  # the process restarts (--restart) and runs the edit
        p.wait_for_line(r"web\.1 +\| start=2 two$", timeout=30)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    # The next `up` rebuilds (the source changed) and the file the app wrote is still there.
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"web\.1 +\| start=3 two$", timeout=60)
        assert "Released v2" in p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    # Only counter.db changed: no rebuild.
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"web\.1 +\| start=4 two$", timeout=60)
        assert "Released" not in p.text(), p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_editing_dotenv_alone_does_not_rebuild(paasrun, app_dir):
    write(app_dir, "Procfile", "web: echo \"greeting=$GREETING\"; exec sleep 60\n")
    write(app_dir, ".env", "GREETING=hello\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"greeting=hello", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    write(app_dir, ".env", "GREETING=bonjour\n")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"greeting=bonjour", timeout=60)
        assert "Released" not in p.text(), p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_a_rollback_to_older_code_runs_from_its_slug(paasrun, app_dir):
    write(app_dir, "Procfile", "web: echo \"cwd=$(pwd) $(cat marker.txt)\"; exec sleep 60\n")
    write(app_dir, "marker.txt", "one")
    with Proc([paasrun, "up", str(app_dir)]) as p:
        p.wait_for_line(r"web\.1 +\| cwd=\S+ one$", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    write(app_dir, "marker.txt", "two")
    with Proc([paasrun, "up", str(app_dir)]) as p:  # builds v2 from the edit
        p.wait_for_line(r"web\.1 +\| cwd=\S+ two$", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    r = subprocess.run([paasrun, "rollback", "v1", "-a", str(app_dir)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    # v3 = v1's slug: its code is "one", whatever the source says now; it runs from the slug.
    with Proc([paasrun, "up", str(app_dir)]) as p:
        m = p.wait_for_line(r"web\.1 +\| cwd=(\S+) (\w+)$", timeout=60)
        assert m.group(2) == "one"
        assert m.group(1).startswith(str(app_dir / ".paasrun" / "slugs") + "/")
        assert re.search(r"Running release v3 from its slug", p.text()), p.text()
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_start_runs_the_slug(paasrun, app_dir):
    write(app_dir, "Procfile", "web: echo \"cwd=$(pwd)\"; exec sleep 60\n")
    with Proc([paasrun, "start", str(app_dir)]) as p:
        m = p.wait_for_line(r"web\.1 +\| cwd=(\S+)$", timeout=60)
        assert m.group(1).startswith(str(app_dir / ".paasrun" / "slugs") + "/")
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
