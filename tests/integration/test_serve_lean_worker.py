"""Serve workers run the lean `paasrun-worker` (no cpp-httplib/OpenSSL mapped) when it is
installed next to `paasrun`, and `paasrun __worker` when it is not (a lone copy of paasrun).
The arbiter becomes the lean `paasrun-arbiter` (no Python, OpenSSL, httplib or yaml-cpp) when
both sit next to `paasrun`, keeping the command line people see.

App: tests/fixtures/apps/serve/hello.py. See src/serve/worker_command.hpp and
src/serve/arbiter_exec.hpp.
"""
import os
import pathlib
import re
import shutil
import signal

from conftest import FIXTURES, Proc, http_get, wait_until

APPS = FIXTURES / "apps" / "serve"
TLS_LIBS = re.compile(r"/lib(ssl|crypto)\.so|httplib")
ARBITER_FREE_OF = re.compile(r"/lib(ssl|crypto|python3[.\d]*|yaml-cpp)\.so|httplib")


def serve(paasrun, workers=2):
    return Proc([paasrun, "serve", "hello:application", "--chdir", str(APPS),
                 "--bind", "127.0.0.1:0", "--workers", str(workers)])


def children(pid):
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        out += [int(c) for c in pathlib.Path(f"/proc/{pid}/task/{task}/children").read_text().split()]
    return out


def started(proc, workers):
    """Port and worker pids once the arbiter reported all workers ready."""
    port = int(proc.wait_for_line(r"msg=listening at=http://127\.0\.0\.1:(\d+)").group(1))
    proc.wait_for_line(rf"msg=ready workers={workers}", timeout=30)
    pids = wait_until(lambda: len(children(proc.pid)) == workers and children(proc.pid),
                      what=f"{workers} worker processes")
    status, _, body = http_get(port, "/")
    assert (status, body) == (200, b"Hello, World!")
    return port, pids


def fd_targets(pid):
    """What each open fd of pid points at. An fd closed between the listing and its readlink
    (the arbiter opens and closes the workers' stats files as it reads them) is skipped."""
    targets = []
    for f in os.listdir(f"/proc/{pid}/fd"):
        try:
            targets.append(os.readlink(f"/proc/{pid}/fd/{f}"))
        except FileNotFoundError:
            pass
    return targets


def mapped(pid, pattern):
    return sorted({line.split()[-1] for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines()
                   if pattern.search(line)})


def mapped_tls_libs(pid):
    return mapped(pid, TLS_LIBS)


def pss_kib(pid):
    text = pathlib.Path(f"/proc/{pid}/smaps_rollup").read_text()
    return int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))


def lean_worker_of(paasrun):
    return pathlib.Path(paasrun).resolve().parent / "paasrun-worker"


def test_workers_are_the_lean_executable_without_tls_libraries(paasrun):
    lean = lean_worker_of(paasrun)
    assert os.access(lean, os.X_OK), f"{lean} missing: building `paasrun` also builds it"
    with serve(paasrun) as p:
        _, pids = started(p, 2)
        for pid in pids:
            assert os.readlink(f"/proc/{pid}/exe") == str(lean)
            assert mapped_tls_libs(pid) == [], f"worker {pid} maps TLS libraries"


def test_the_arbiter_is_the_lean_executable_and_keeps_its_command_line(paasrun):
    arbiter = pathlib.Path(paasrun).resolve().parent / "paasrun-arbiter"
    assert os.access(arbiter, os.X_OK), f"{arbiter} missing: building `paasrun` also builds it"
    with serve(paasrun) as p:
        _, pids = started(p, 2)
        assert os.readlink(f"/proc/{p.pid}/exe") == str(arbiter)
        assert mapped(p.pid, ARBITER_FREE_OF) == [], "the arbiter maps Python/TLS/YAML libraries"
        # ps still shows what was started, and the pid is the one the caller knows.
        cmdline = pathlib.Path(f"/proc/{p.pid}/cmdline").read_bytes().split(b"\0")[:-1]
        assert [c.decode() for c in cmdline] == p.args
        # The hand-over variable and fd end in the arbiter: workers inherit neither.
        for pid in pids:
            env = pathlib.Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
            assert not [e for e in env if e.startswith(b"PAASRUN_ARBITER_OPTIONS_FD=")]
            assert not [t for t in fd_targets(pid) if "paasrun-arbiter-options" in t]
        assert not [t for t in fd_targets(p.pid) if "paasrun-arbiter-options" in t]
        # Memory is why it exists: well under a worker's share (8.6 MiB as the full binary).
        # Not under ASan (scripts/test-asan-serve): its shadow memory dwarfs everything.
        if not mapped(p.pid, re.compile(r"libasan")):
            assert pss_kib(p.pid) < 3 * 1024, f"arbiter PSS {pss_kib(p.pid)} KiB"
        # SIGHUP still replaces workers through the lean arbiter.
        os.kill(p.pid, signal.SIGHUP)
        wait_until(lambda: set(children(p.pid)).isdisjoint(pids) and len(children(p.pid)) == 2,
                   what="both workers replaced after SIGHUP", timeout=30)


def test_without_a_lean_worker_the_full_binary_stays_the_arbiter(paasrun, tmp_path):
    """paasrun-arbiter cannot run `__worker`: next to a paasrun without paasrun-worker it is ignored."""
    lone = tmp_path / "paasrun"
    shutil.copy2(pathlib.Path(paasrun).resolve(), lone)
    shutil.copy2(pathlib.Path(paasrun).resolve().parent / "paasrun-arbiter", tmp_path / "paasrun-arbiter")
    with serve(str(lone), workers=1) as p:
        port, (pid,) = started(p, 1)
        assert os.readlink(f"/proc/{p.pid}/exe") == str(lone)
        # The control for the lean arbiter test: the full binary maps the TLS libraries.
        assert mapped_tls_libs(p.pid), "the arbiter (full paasrun) should map libssl/libcrypto"
        assert http_get(port, "/")[0] == 200


def test_a_lone_copy_of_paasrun_falls_back_to_its_own_worker_subcommand(paasrun, tmp_path):
    lone = tmp_path / "paasrun"
    shutil.copy2(pathlib.Path(paasrun).resolve(), lone)
    assert not (tmp_path / "paasrun-worker").exists()
    with serve(str(lone), workers=1) as p:
        port, (pid,) = started(p, 1)
        assert os.readlink(f"/proc/{pid}/exe") == str(lone)
        cmdline = pathlib.Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert cmdline[:2] == [str(lone).encode(), b"__worker"]
        assert http_get(port, "/")[0] == 200


def test_a_paasrun_worker_that_is_not_executable_is_not_used(paasrun, tmp_path):
    lone = tmp_path / "paasrun"
    shutil.copy2(pathlib.Path(paasrun).resolve(), lone)
    (tmp_path / "paasrun-worker").write_text("not a program\n")  # mode 0644
    with serve(str(lone), workers=1) as p:
        _, (pid,) = started(p, 1)
        assert os.readlink(f"/proc/{pid}/exe") == str(lone)
