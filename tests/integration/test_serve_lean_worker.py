"""Serve workers run the lean `paasrun-worker` (no cpp-httplib/OpenSSL mapped) when it is
installed next to `paasrun`, and `paasrun __worker` when it is not (a lone copy of paasrun).

App: tests/fixtures/apps/serve/hello.py. See src/worker/worker_command.hpp.
"""
import os
import pathlib
import re
import shutil

from conftest import FIXTURES, Proc, http_get, wait_until

APPS = FIXTURES / "apps" / "serve"
TLS_LIBS = re.compile(r"/lib(ssl|crypto)\.so|httplib")


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


def mapped_tls_libs(pid):
    return sorted({line.split()[-1] for line in pathlib.Path(f"/proc/{pid}/maps").read_text().splitlines()
                   if TLS_LIBS.search(line)})


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
        # The control for the assertion above: the arbiter is the full binary and maps them.
        assert mapped_tls_libs(p.pid), "the arbiter (full paasrun) should map libssl/libcrypto"


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
