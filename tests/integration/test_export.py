"""`paasrun export kubernetes|systemd` (docs/export.md), checked against the real binary:
the generated objects parse, and what they tell systemd / Kubernetes to run actually works
with this paasrun (socket activation through the generated ExecStart; the probe commands
against a running `paasrun start`)."""
import os
import pathlib
import shlex
import socket
import subprocess

import pytest
import yaml

from conftest import ROOT, Proc, free_port, http_get, wait_until

HELLO = (
    "def application(environ, start_response):\n"
    "    body = ('hello from ' + environ.get('PATH_INFO', '/')).encode()\n"
    "    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])\n"
    "    return [body]\n"
)


def make_app(d, procfile="web: paasrun serve app:application\nworker: python3 -c 'import time; time.sleep(3600)'\n",
             manifest="app: hello\ngrace_period: 7\ndeploy:\n  shutdown_delay: 2\n"):
    d.mkdir(exist_ok=True)
    (d / "Procfile").write_text(procfile)
    (d / "paasrun.yaml").write_text(manifest)
    (d / "app.py").write_text(HELLO)
    return d


def export(paasrun, *args):
    r = subprocess.run([paasrun, "export", *map(str, args)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_kubernetes_stdout_is_one_yaml_stream(paasrun, tmp_path):
    app = make_app(tmp_path)
    docs = [d for d in yaml.safe_load_all(export(paasrun, "kubernetes", app, "--image", "r/hello:1",
                                                 "--cpu", "2", "--memory", "512Mi")) if d]
    kinds = [(d["kind"], d["metadata"]["name"]) for d in docs]
    assert kinds == [("Deployment", "hello-web"), ("Deployment", "hello-worker"), ("Service", "hello-web")]
    web = docs[0]["spec"]["template"]["spec"]
    assert web["terminationGracePeriodSeconds"] == 2 + 7 + 5
    c = web["containers"][0]
    assert c["image"] == "r/hello:1"
    assert c["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "2"]
    assert {e["name"]: e["value"] for e in c["env"]}["WEB_CONCURRENCY"] == "4"


def test_kubernetes_files_and_errors(paasrun, tmp_path):
    app = make_app(tmp_path)
    out = tmp_path / "k8s"
    r = subprocess.run([paasrun, "export", "kubernetes", str(app), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["hello-web-deployment.yaml", "hello-web-service.yaml", "hello-worker-deployment.yaml"]
    for p in out.iterdir():
        assert yaml.safe_load(p.read_text())["metadata"]["labels"]["app.kubernetes.io/name"] == "hello"
    for bad, msg in ((["--cpu", "lots"], "CPU limit"), (["-c", "wroker=1"], "wroker"),
                     (["--memory", "0"], "memory limit")):
        r = subprocess.run([paasrun, "export", "kubernetes", str(app), *bad], capture_output=True, text=True)
        assert r.returncode == 1
        assert msg in r.stderr
    r = subprocess.run([paasrun, "export", "nomad", str(app)], capture_output=True, text=True)
    assert r.returncode != 0


def test_probe_commands_work_against_paasrun_start(paasrun, tmp_path):
    """The exec probes the Deployment declares, run against a real `paasrun start` with the
    pod's environment (ports moved to free ones): livez, startupz and readyz pass once the
    web process is up."""
    app = make_app(tmp_path / "app")
    docs = [d for d in yaml.safe_load_all(export(paasrun, "kubernetes", app)) if d]
    c = next(d for d in docs if d["metadata"]["name"] == "hello-web")["spec"]["template"]["spec"]["containers"][0]
    pod_env = {e["name"]: e["value"] for e in c["env"]}
    port, admin = free_port(), free_port()
    env = dict(pod_env, PORT=str(port), ADMIN_PORT=str(admin))
    assert c["command"][:2] == ["paasrun", "start"]
    p = Proc([paasrun, *c["command"][1:], str(app)], env=env)
    try:
        wait_until(lambda: http_ok(port), 30, what="the web process")
        for probe in ("livenessProbe", "startupProbe", "readinessProbe"):
            cmd = [paasrun] + c[probe]["exec"]["command"][1:]
            cmd[-1] = cmd[-1].replace(f":{pod_env['ADMIN_PORT']}/", f":{admin}/")
            wait_until(lambda: subprocess.run(cmd, capture_output=True).returncode == 0, 30,
                       what=f"{probe} `{' '.join(cmd)}` to pass\n{p.text()[-3000:]}")
    finally:
        p.p.terminate()
        p.p.wait(20)


def http_ok(port):
    try:
        return http_get(port, "/", timeout=2)[0] == 200
    except OSError:
        return False


def systemd_split(line, instance):
    """systemd's ExecStart word splitting and unescaping for the subset export writes."""
    words, cur, i, quoted, started = [], "", 0, False, False
    while i < len(line):
        ch = line[i]
        if ch == "\\" and quoted:
            cur += {"n": "\n"}.get(line[i + 1], line[i + 1])
            i += 2
            continue
        if ch == '"':
            quoted, started = not quoted, True
        elif ch == " " and not quoted:
            if started:
                words.append(cur)
            cur, started = "", False
        elif ch in "$%" and line[i:i + 2] in ("$$", "%%"):
            cur += ch
            started = True
            i += 1
        elif line[i:i + 2] == "%i":
            cur += instance
            started = True
            i += 1
        else:
            cur += ch
            started = True
        i += 1
    if started:
        words.append(cur)
    return words


def unit_values(text):
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, v = line.split("=", 1)
            out.setdefault(k, []).append(v)
    return out


def test_systemd_socket_activation_runs_the_generated_exec_start(paasrun, tmp_path):
    """Emulates systemd: the socket unit's listening socket as fd 3, LISTEN_FDS=1 and
    LISTEN_PID set to the service's main pid, then the service's ExecStart, unescaped as
    systemd would. The app answers on the socket systemd owns."""
    app = make_app(tmp_path / "app", procfile="web: paasrun serve app:application -w 1\n")
    out = tmp_path / "units"
    export(paasrun, "systemd", app, "-o", out, "--user", "nobody")
    names = sorted(p.name for p in out.iterdir())
    assert names == ["hello-web@.service", "hello-web@.socket", "hello.target"]
    service = unit_values((out / "hello-web@.service").read_text())
    socket_unit = unit_values((out / "hello-web@.socket").read_text())
    target = unit_values((out / "hello.target").read_text())
    assert target["Wants"] == ["hello-web@5000.socket hello-web@5000.service"]
    assert socket_unit["ListenStream"] == ["%i"]
    assert service["TimeoutStopSec"] == ["7"]
    assert service["WorkingDirectory"] == [f'"{app}"']

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    argv = systemd_split(service["ExecStart"][0], str(port))
    assert argv[:3] == ["/usr/bin/env", "-u", "LISTEN_PID"]
    assert argv[3] == paasrun or os.path.realpath(argv[3]) == os.path.realpath(paasrun)
    env = {"PORT": str(free_port()), "LISTEN_FDS": "1"}  # a PORT serve must NOT bind: the socket wins
    # sh sets LISTEN_PID to its own pid, then execs ExecStart: the main pid, as under systemd.
    shell = "export LISTEN_PID=$$; exec " + " ".join(shlex.quote(a) for a in argv)
    fd = listener.fileno()
    # systemd passes the socket as fd 3: a wrapper dups it there, then runs the shell.
    wrapper = ("import os, sys; os.dup2(int(sys.argv[1]), 3); "
               "os.execv('/bin/sh', ['/bin/sh', '-c', sys.argv[2]])")
    child = subprocess.Popen(["/usr/bin/python3", "-c", wrapper, str(fd), shell], pass_fds=(fd,),
                             env={**os.environ, **env}, cwd=str(app), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, start_new_session=True)
    try:
        # The kernel queues the connection on systemd's socket until serve accepts it.
        status, _, body = http_get(port, "/activated", timeout=30)
        assert status == 200 and body == b"hello from /activated"
        assert not http_ok(int(env["PORT"]))
    finally:
        os.killpg(child.pid, 15)
        out_text = child.communicate(timeout=20)[0].decode("utf-8", "replace")
        listener.close()
    assert "error" not in out_text.lower(), out_text


def test_procfile_example_is_valid_and_exports(paasrun, tmp_path):
    """Procfile.example is a real Procfile: paasrun check accepts it and every type becomes a
    Deployment, the release phase a Job."""
    (tmp_path / "Procfile").write_text((ROOT / "Procfile.example").read_text())
    r = subprocess.run([paasrun, "check", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    docs = [d for d in yaml.safe_load_all(export(paasrun, "kubernetes", tmp_path)) if d]
    names = {(d["kind"], d["metadata"]["name"].split("-", 1)[1]) for d in docs}
    assert names == {("Job", "release"), ("Deployment", "web"), ("Deployment", "worker"),
                     ("Deployment", "clock"), ("Service", "web")}
