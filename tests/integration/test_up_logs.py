"""`paasrun up`'s log (docs/supervisor.md, "The log"): the supervisor's own lines are short
and human by default; `--log-format json` gives one JSON object per line from every component
(supervisor, admin, the serve arbiter and workers, the access log)."""
import http.client
import json
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
    (app_dir / "Procfile").write_text("web: paasrun serve app:application -w 1\n")
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
    records = []
    for line in p.output():
        if line.startswith("-----> ") or line.startswith("       "):
            continue  # the build's progress, before the formation runs
        records.append(json.loads(line))  # every other line is one JSON object
    components = {r.get("component") for r in records}
    assert {"supervisor", "admin", "deploy", "arbiter", "worker", "access"} <= components, components
    started = [r for r in records if r.get("msg") == "process started"]
    assert started and started[0]["proc"] == "web.1" and started[0]["level"] == "info", started
    arbiter = [r for r in records if r.get("component") == "arbiter"]
    assert all(r["proc"] == "web.1" for r in arbiter), arbiter[:3]
    access = [r for r in records if r.get("component") == "access"]
    assert access[0]["status"] == "200" or access[0]["status"] == 200, access


def test_bad_log_format_is_refused(paasrun, app_dir):
    (app_dir / "Procfile").write_text("web: exec sleep 60\n")
    r = subprocess.run([paasrun, "up", str(app_dir), "--log-format", "xml"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0 and "xml" in r.stderr, r.stderr
