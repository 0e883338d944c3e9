"""`paasrun export kubernetes|systemd` (docs/export.md), checked against the real binary:
the generated objects parse, systemd (`systemd-analyze verify`) and the Kubernetes API schemas
(npm kubernetes-models, tests/fixtures/k8s-validate) accept them, and what they tell systemd /
Kubernetes to run actually works with this paasrun (socket activation and sd_notify through
the generated ExecStart; the probe commands against a running `paasrun start`)."""
import hashlib
import json
import os
import pathlib
import shlex
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time

import pytest
import yaml

from conftest import FIXTURES, ROOT, Proc, free_port, http_get, wait_until

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
    assert kinds == [("Secret", "hello-config"), ("Deployment", "hello-web"), ("Deployment", "hello-worker"),
                     ("Service", "hello-web")]
    web = docs[1]["spec"]["template"]["spec"]
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
    assert names == ["hello-config-secret.yaml", "hello-web-deployment.yaml", "hello-web-service.yaml",
                     "hello-worker-deployment.yaml"]
    # The Secret holds config vars: readable by its owner only.
    assert stat.S_IMODE((out / "hello-config-secret.yaml").stat().st_mode) == 0o600
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
    assert service["WorkingDirectory"] == [str(app)]  # systemd takes it raw: no quotes
    assert service["Type"] == ["notify"] and service["NotifyAccess"] == ["all"]

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    port = listener.getsockname()[1]
    argv = systemd_split(service["ExecStart"][0], str(port))
    assert argv[:3] == ["/usr/bin/env", "-u", "LISTEN_PID"]
    assert argv[3] == paasrun or os.path.realpath(argv[3]) == os.path.realpath(paasrun)
    notify = NotifySocket()
    # a PORT serve must NOT bind: the socket wins; NOTIFY_SOCKET as systemd sets it for Type=notify
    env = {"PORT": str(free_port()), "LISTEN_FDS": "1", "NOTIFY_SOCKET": notify.name}
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
        # Type=notify: READY=1 reaches the socket systemd would listen on. It comes from a
        # child of the main process (serve's arbiter), which NotifyAccess=all lets through.
        state, pid = notify.receive(30)
        assert state == "READY=1"
        assert pid != child.pid
        os.killpg(child.pid, signal.SIGTERM)
        assert notify.receive(20)[0] == "STOPPING=1"
    finally:
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        out_text = child.communicate(timeout=20)[0].decode("utf-8", "replace")
        listener.close()
        notify.close()
    assert "error" not in out_text.lower(), out_text


def test_procfile_example_is_valid_and_exports(paasrun, tmp_path):
    """Procfile.example is a real Procfile: paasrun check accepts it and every type becomes a
    Deployment, the release phase a Job."""
    (tmp_path / "Procfile").write_text((ROOT / "Procfile.example").read_text())
    r = subprocess.run([paasrun, "check", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    docs = [d for d in yaml.safe_load_all(export(paasrun, "kubernetes", tmp_path)) if d]
    names = {(d["kind"], d["metadata"]["labels"]["app.kubernetes.io/component"]) for d in docs}
    assert names == {("Secret", "config"), ("Job", "release"), ("Deployment", "web"), ("Deployment", "worker"),
                     ("Deployment", "clock"), ("Service", "web")}


# ---------------------------------------------------------------------------------------------
# sd_notify

class NotifySocket:
    """The datagram socket systemd binds for a Type=notify service (abstract namespace), with
    SO_PASSCRED so each message names the pid that sent it, as systemd checks NotifyAccess."""
    _count = 0

    def __init__(self):
        NotifySocket._count += 1
        self.name = f"@paasrun-test-notify-{os.getpid()}-{NotifySocket._count}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind("\0" + self.name[1:])

    def receive(self, timeout):
        """(state, sender pid) of the next datagram; TimeoutError when none comes in time."""
        self.sock.settimeout(timeout)
        try:
            data, anc, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
        except socket.timeout:
            raise TimeoutError(f"no sd_notify datagram within {timeout}s") from None
        pid = next(struct.unpack("iII", d[:12])[0] for level, typ, d in anc
                   if level == socket.SOL_SOCKET and typ == socket.SCM_CREDENTIALS)
        return data.decode(), pid

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("web", ["paasrun serve app:application -w 2",
                                 "/usr/bin/python3 -m http.server --bind 127.0.0.1 $PORT"])
def test_paasrun_start_sends_ready_and_stopping_to_notify_socket(paasrun, tmp_path, web):
    """`paasrun start` under systemd Type=notify: the main process itself sends READY=1 once
    the app serves (a web command that reports readiness, and one that does not), once, and
    STOPPING=1 when SIGTERM starts the drain. No child reaches the socket (NotifyAccess=main)."""
    app = make_app(tmp_path / "app", procfile=f"web: {web}\n", manifest="app: hello\n")
    notify = NotifySocket()
    port = free_port()
    with Proc([paasrun, "start", str(app)], env={"PORT": str(port), "NOTIFY_SOCKET": notify.name}) as p:
        try:
            state, pid = notify.receive(60)
        except TimeoutError:
            raise AssertionError("no READY=1 from paasrun start:\n" + p.text()[-3000:])
        assert (state, pid) == ("READY=1", p.pid), p.text()[-3000:]
        assert http_get(port, "/", timeout=5)[0] == 200  # ready means serving
        p.signal(signal.SIGTERM)
        assert notify.receive(20) == ("STOPPING=1", p.pid)
        assert p.wait(40) == 0, p.text()[-3000:]
        # Nothing else arrived: no second READY=1, and not serve's own READY/STOPPING.
        with pytest.raises(TimeoutError):
            notify.receive(0.3)
    notify.close()


# ---------------------------------------------------------------------------------------------
# systemd accepts the units

def instantiated_units(out, app):
    """The units systemd would load: the target and every instance it Wants (templates
    instantiated by port), as paths in `out` (instances are symlinks to their template)."""
    target = unit_values((out / f"{app}.target").read_text())
    paths = [out / f"{app}.target"]
    for inst in target["Wants"][0].split():
        template = out / (inst.split("@")[0] + "@." + inst.rsplit(".", 1)[1])
        assert template.exists(), inst
        link = out / inst
        if not link.exists():
            link.symlink_to(template.name)
        paths.append(link)
    return paths


def test_systemd_units_pass_systemd_analyze_verify(paasrun, tmp_path):
    """Every generated unit, instantiated as the target wants it, passes systemd's own check
    (`systemd-analyze verify`: syntax, values, that ExecStart's program exists), for an app
    dir with a space and a % in its path."""
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        pytest.skip("systemd-analyze is not installed (Debian package systemd; scripts/bootstrap installs it)")
    app = make_app(tmp_path / "my app 100%",
                   procfile="web: paasrun serve app:application\nworker: python3 -c 'print(\"$HOME 5%\")'\n"
                            "release: python3 -c 'print(1)'\n",
                   manifest="app: hello\nformation:\n  web: 2\n")
    out = tmp_path / "units"
    export(paasrun, "systemd", app, "-o", out, "--paasrun", os.path.realpath(paasrun))  # User=hello
    units = instantiated_units(out, "hello")
    assert [u.name for u in units] == ["hello.target", "hello-web@5000.socket", "hello-web@5001.socket",
                                       "hello-web@5000.service", "hello-web@5001.service",
                                       "hello-worker@5100.service"]
    r = subprocess.run([analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True,
                       cwd=str(out))
    ours = [line for line in (r.stdout + r.stderr).splitlines() if "hello" in line]
    assert r.returncode == 0 and not ours, r.stdout + r.stderr
    service = unit_values((out / "hello-worker@.service").read_text())
    assert service["WorkingDirectory"] == [str(app).replace("%", "%%")]


# ---------------------------------------------------------------------------------------------
# Kubernetes accepts the objects

K8S_VALIDATE = FIXTURES / "k8s-validate"


@pytest.fixture(scope="session")
def k8s_validator():
    """node + the npm packages of tests/fixtures/k8s-validate, installed with `npm ci` into a
    cache dir keyed by the lock file (node_modules is not committed)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip("node and npm are needed to validate against the Kubernetes schemas (apt-get install nodejs npm)")
    lock = (K8S_VALIDATE / "package-lock.json").read_bytes()
    cache = pathlib.Path(os.environ.get("XDG_CACHE_HOME", pathlib.Path.home() / ".cache"))
    target = cache / "paasrun-tests" / ("k8s-validate-" + hashlib.sha256(lock).hexdigest()[:16])
    if not (target / "node_modules" / "kubernetes-models").is_dir():
        staging = target.with_name(target.name + f".tmp-{os.getpid()}")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for f in ("package.json", "package-lock.json"):
            shutil.copy(K8S_VALIDATE / f, staging / f)
        r = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=staging,
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            pytest.skip(f"npm ci failed (no registry?): {r.stderr[-500:]}")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    shutil.copy(K8S_VALIDATE / "validate.js", target / "validate.js")

    def validate(path):
        return subprocess.run([node, str(target / "validate.js"), str(path)], capture_output=True, text=True)
    return validate


def restricted_violations(pod):
    """Pod Security Standards, "restricted" profile (v1.25+), for one pod spec: the reasons a
    namespace enforcing it would refuse the pod."""
    bad = []
    for f in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(f):
            bad.append(f)
    psc = pod.get("securityContext", {})
    allowed_volumes = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
                       "projected", "secret"}
    for v in pod.get("volumes", []):
        kinds = set(v) - {"name"}
        if not kinds <= allowed_volumes:
            bad.append(f"volume {v['name']}: {kinds - allowed_volumes}")
    for sysctl in psc.get("sysctls", []):
        bad.append(f"sysctl {sysctl['name']}")
    for c in pod.get("initContainers", []) + pod["containers"]:
        sc = c.get("securityContext", {})
        name = c["name"]
        if sc.get("privileged"):
            bad.append(f"{name}: privileged")
        if sc.get("allowPrivilegeEscalation") is not False:
            bad.append(f"{name}: allowPrivilegeEscalation must be false")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []):
            bad.append(f"{name}: capabilities must drop ALL")
        if set(caps.get("add", [])) - {"NET_BIND_SERVICE"}:
            bad.append(f"{name}: adds capabilities")
        if not sc.get("runAsNonRoot", psc.get("runAsNonRoot")):
            bad.append(f"{name}: runAsNonRoot must be true")
        if sc.get("runAsUser", psc.get("runAsUser")) == 0:
            bad.append(f"{name}: runAsUser 0")
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            bad.append(f"{name}: seccompProfile must be RuntimeDefault or Localhost, not {seccomp}")
        if sc.get("procMount", "Default") != "Default":
            bad.append(f"{name}: procMount")
        for p in c.get("ports", []):
            if p.get("hostPort"):
                bad.append(f"{name}: hostPort")
    return bad


def test_kubernetes_objects_pass_api_schemas_and_pod_security_restricted(paasrun, tmp_path, k8s_validator):
    """Every object `export kubernetes` writes (Secret, PersistentVolumeClaim, release Job,
    Deployments, Service) validates against the Kubernetes OpenAPI schemas, and every pod
    meets Pod Security "restricted"."""
    app = make_app(tmp_path / "app",
                   procfile="web: paasrun serve app:application\nworker: python3 w.py\nrelease: python3 m.py\n",
                   manifest="app: hello\nhealth:\n  path: /healthz\n  interval: 4\n")
    (app / ".env").write_text("DATABASE_URL=postgres://db/hello\nDEBUG=0\n")
    stream = tmp_path / "all.yaml"
    stream.write_text(export(paasrun, "kubernetes", app, "--image", "r/hello:1", "--data-volume-claim", "hello-data",
                             "--data-volume-size", "2Gi"))
    r = k8s_validator(stream)
    assert r.returncode == 0, r.stdout + r.stderr
    docs = [d for d in yaml.safe_load_all(stream.read_text()) if d]
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == ["Deployment", "Deployment", "Job", "PersistentVolumeClaim", "Secret", "Service"]
    assert r.stdout.count("\nok ") + r.stdout.startswith("ok ") == len(docs), r.stdout
    pods = [d["spec"]["template"]["spec"] for d in docs if d["kind"] in ("Deployment", "Job")]
    assert len(pods) == 3
    for pod in pods:
        assert restricted_violations(pod) == []
    # A schema violation is caught: the validator is not a rubber stamp.
    broken = tmp_path / "broken.yaml"
    broken.write_text(stream.read_text().replace("backoffLimit: 0", 'backoffLimit: "zero"', 1))
    assert "backoffLimit" in broken.read_text()
    r = k8s_validator(broken)
    assert r.returncode == 1 and "backoffLimit" in r.stderr, r.stdout + r.stderr


def test_kubernetes_config_secret_release_job_drain_and_data(paasrun, tmp_path):
    """Config vars travel in a Secret read with envFrom (never in the pod spec); the release
    Job has a new name for a new image (a Job's template is immutable) and the same one for the
    same image; web pods sleep before paasrun drains; readiness asks the app's health path;
    the data claim is mounted where PAASRUN_DATA_DIR points."""
    app = make_app(tmp_path / "app", procfile="web: paasrun serve app:application\nrelease: python3 m.py\n",
                   manifest="app: hello\nhealth:\n  path: /healthz\n")
    (app / ".env").write_text("SECRET_KEY=s3cr3t\n")

    def objects(*args):
        docs = [d for d in yaml.safe_load_all(export(paasrun, "kubernetes", app, *args)) if d]
        return {d["kind"]: d for d in docs}

    one = objects("--image", "r/hello:1", "--data-volume-claim", "hello-data")
    assert one["Secret"]["stringData"] == {"SECRET_KEY": "s3cr3t"}
    c = one["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert c["envFrom"] == [{"secretRef": {"name": "hello-config"}}]
    assert "s3cr3t" not in json.dumps(one["Deployment"]) and "s3cr3t" not in json.dumps(one["Job"])
    assert c["lifecycle"]["preStop"]["exec"]["command"] == ["sleep", "5"]  # shutdown_delay 0: the default
    assert c["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    env = {e["name"]: e["value"] for e in c["env"]}
    mount = c["volumeMounts"][0]["mountPath"]
    assert env["PAASRUN_DATA_DIR"] == mount
    assert one["PersistentVolumeClaim"]["metadata"]["name"] == "hello-data"
    assert one["Deployment"]["spec"]["strategy"]["type"] == "Recreate"

    again = objects("--image", "r/hello:1", "--data-volume-claim", "hello-data")
    two = objects("--image", "r/hello:2", "--data-volume-claim", "hello-data")
    assert again["Job"]["metadata"]["name"] == one["Job"]["metadata"]["name"]
    assert two["Job"]["metadata"]["name"] != one["Job"]["metadata"]["name"]
    assert two["Job"]["metadata"]["name"].startswith("hello-release-")
    assert one["Job"]["spec"]["ttlSecondsAfterFinished"] > 0

    # A config change changes the pod template (its digest annotation): apply rolls the pods.
    (app / ".env").write_text("SECRET_KEY=other\n")
    three = objects("--image", "r/hello:1", "--data-volume-claim", "hello-data")
    key = "paasrun.dev/config-sha256"
    assert (three["Deployment"]["spec"]["template"]["metadata"]["annotations"][key]
            != one["Deployment"]["spec"]["template"]["metadata"]["annotations"][key])
