"""`paasrun up`'s log (docs/supervisor.md, "The log"): the supervisor's own lines are short
and human by default; `--log-format json` gives one JSON object per line from every component
(supervisor, admin, the serve arbiter and workers, the access log)."""
import http.client
import json
import os
import re
import signal
import subprocess

from conftest import Proc, free_port, wait_until

APP = """\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hi"]
"""


def get(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        c.request("GET", "/")
        return c.getresponse().status
    finally:
        c.close()


def test_up_writes_short_human_system_lines(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: echo hello; exec sleep 60\n")
    with Proc([paasrun, "up", str(app_dir)], env={"NO_COLOR": "1"}) as p:
        p.wait_for_line(r"web\.1 +\| hello", timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0
    # The build's progress lines are the buildpack's, as they were (JSON only with json).
    assert any(re.fullmatch(r"-----> Released v1 in [\d.]+s", l) for l in p.output()), p.text()
    system = [l for l in p.output() if re.match(r"^\d\d:\d\d:\d\d system +\| ", l)]
    assert system, p.text()
    assert not any("time=" in l or "at=info" in l for l in system), system
    assert any(re.search(r"system +\| web\.1 started \(pid \d+, port 5000, v1\)$", l) for l in system), system
    assert any(re.search(r"system +\| web\.1 was killed by SIGTERM after [\d.]+s$", l) for l in system), system
    assert system[-1].endswith("| stopped, exit code 0")
    # start keeps logfmt (production logs).
    with Proc([paasrun, "start", str(app_dir)], env={"NO_COLOR": "1"}) as p:
        p.wait_for_line(r'msg="process started" proc=web\.1 pid=\d+', timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(15) == 0


def test_log_format_json_covers_every_component(paasrun, app_dir):
    (app_dir / "app.py").write_text(APP)
    # requirements.txt: the Python buildpack runs (steps with lines under them), offline.
    (app_dir / "requirements.txt").write_text("")
    (app_dir / "Procfile").write_text("web: paasrun serve app:application -w 1\n"
                                      "release: echo migrated a=b\n")
    port = free_port()
    with Proc([paasrun, "up", str(app_dir), "--log-format", "json", "-p", str(port)]) as p:
        p.wait_for_line(r'"msg":"worker ready"', timeout=90)
        assert get(port) == 200
        p.wait_for_line(r'"component":"access"', timeout=10)
        # A config change through the running instance: the admin API and the deploy engine log.
        r = subprocess.run([paasrun, "config:set", "FOO=1", "-a", str(app_dir)], capture_output=True, text=True,
                           timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        p.wait_for_line(r'"component":"deploy"', timeout=60)
        p.signal(signal.SIGTERM)
        assert p.wait(30) == 0
    # Every line, from the build to the stop, is one JSON object (stdout and stderr).
    records = [json.loads(line) for line in p.output()]
    components = {r.get("component") for r in records}
    assert {"build", "supervisor", "admin", "deploy", "arbiter", "worker",
            "access"} <= components, components
    # The build comes first; each of its lines names the step it belongs to.
    build = [i for i, r in enumerate(records) if r.get("component") == "build"]
    first_supervisor = min(i for i, r in enumerate(records) if r.get("component") == "supervisor")
    assert build[0] == 0 and len(build) > 5 and build[-1] < first_supervisor, records[:10]
    assert all(records[i]["level"] == "info" and records[i]["time"] for i in build)
    released = [records[i] for i in build if records[i]["msg"].startswith("Released v1 in ")]
    assert len(released) == 1 and released[0]["step"] == released[0]["msg"], records[:len(build)]
    pip = [records[i] for i in build if records[i]["step"].startswith("Installing requirements")]
    assert len(pip) >= 2 and pip[0]["msg"] == pip[0]["step"], records[:len(build) + 2]
    assert all(not r["msg"].startswith(" ") for r in pip[1:]), pip  # indentation dropped
    release = [r for r in records[:first_supervisor] if r.get("component") == "release"]
    assert [r["msg"] for r in release] == ["migrated a=b"], records[:len(build) + 2]
    started = [r for r in records if r.get("msg") == "process started"]
    assert started and started[0]["proc"] == "web.1" and started[0]["level"] == "info", started
    arbiter = [r for r in records if r.get("component") == "arbiter"]
    assert all(r["proc"] == "web.1" for r in arbiter), arbiter[:3]
    # The deploy job's progress (config:set makes v2): message and step, like the build's.
    deploy = [r for r in records if r.get("proc") == "deploy"]
    created = [r for r in deploy if r.get("msg", "").startswith("Created v2")]
    assert len(created) == 1 and created[0]["step"] == created[0]["msg"], deploy
    assert {r["component"] for r in deploy} == {"deploy", "release"}, deploy  # v2's release phase
    assert not any("line" in r for r in deploy), deploy
    access = [r for r in records if r.get("component") == "access"]
    assert access[0]["status"] == "200" or access[0]["status"] == 200, access


def test_bad_log_format_is_refused(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: exec sleep 60\n")
    r = subprocess.run([paasrun, "up", str(app_dir), "--log-format", "xml"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "xml" in r.stderr, r.stderr


def test_log_format_json_failed_release_phase_is_json_to_the_last_line(paasrun, app_dir):
    """A start that fails (its release phase exits 3) writes JSON lines only, the error too;
    the human form keeps `paasrun up: error: ...`."""
    (app_dir / "app.py").write_text(APP)
    (app_dir / "Procfile").write_text("web: paasrun serve app:application -w 1\n"
                                      "release: echo about to fail; exit 3\n")
    r = subprocess.run([paasrun, "up", str(app_dir), "--log-format", "json"], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode != 0
    out = [json.loads(l) for l in r.stdout.splitlines()]
    err = [json.loads(l) for l in r.stderr.splitlines()]
    assert {"build", "release"} <= {o["component"] for o in out}, out
    assert [o["msg"] for o in out if o["component"] == "release"] == ["about to fail"], out
    assert err and err[-1]["level"] == "error" and err[-1]["component"] == "up", err
    assert "nothing was started" in err[-1]["msg"], err
    # Human (up's default) even with PAASRUN_LOG_FORMAT=json in the environment: that is
    # for the processes; paasrun's own lines follow --log-format.
    r = subprocess.run([paasrun, "up", str(app_dir)], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PAASRUN_LOG_FORMAT": "json"})
    assert r.returncode != 0
    assert re.search(r"^paasrun up: error: ", r.stderr, re.M), r.stderr
    assert any(l.startswith("-----> ") for l in r.stdout.splitlines()), r.stdout
