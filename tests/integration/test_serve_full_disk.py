"""A full state filesystem degrades features, never serving (issue 11, item 1).

`paasrun start` runs with its state dir (PAASRUN_STATE: releases, slugs and run/stats, the
web workers' stats files) on a small filesystem that the test then fills up:

- a small tmpfs: a worker that mapped a sparse stats file died of SIGBUS at its first store,
  and the supervisor died of SIGBUS (exit 135) reading such a file for `GET /readyz`;
- a small loop-mounted ext4: the same worker death, so a restart waited out the whole start
  timeout and failed.

Now a worker that cannot allocate its stats file serves without it (and says so once), and
the readers copy files with pread, which cannot fault. Both filesystems need root (mount);
without it the tests skip and say why."""
import errno
import os
import shutil
import signal
import subprocess

import pytest

from conftest import wait_until
from deploy_harness import Instance, write_app

LAYOUT_SIZE = 352  # docs/serve.md "Stats files"


def run(args):
    return subprocess.run(args, capture_output=True, text=True)


@pytest.fixture(params=["tmpfs", "ext4"])
def small_fs(request, tmp_path):
    """A 24 MiB filesystem of the given kind mounted under tmp_path, unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a small tmpfs / loop-mounted ext4")
    kind = request.param
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    image = tmp_path / "disk.img"
    if kind == "tmpfs":
        r = run(["mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", str(mnt)])
    else:
        if not shutil.which("mkfs.ext4"):
            pytest.skip("mkfs.ext4 not installed (Debian package e2fsprogs)")
        with open(image, "wb") as f:
            f.truncate(24 << 20)
        r = run(["mkfs.ext4", "-q", "-F", "-b", "4096", "-m", "0", str(image)])
        if r.returncode == 0:
            r = run(["mount", "-o", "loop", str(image), str(mnt)])
    if r.returncode != 0:
        pytest.skip(f"cannot mount a {kind}: {r.stderr.strip()}")
    try:
        yield kind, mnt
    finally:
        if run(["umount", str(mnt)]).returncode != 0:
            run(["umount", "-l", str(mnt)])  # something still holds it: detach it anyway
        image.unlink(missing_ok=True)


def fill(mnt):
    """Writes a file until the filesystem answers ENOSPC, down to the last block."""
    fd = os.open(mnt / "filler", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for chunk in (1 << 20, 4096, 512):
            block = b"\0" * chunk
            while True:
                try:
                    os.write(fd, block)
                except OSError as e:
                    assert e.errno == errno.ENOSPC, e
                    break
        try:
            os.fsync(fd)
        except OSError as e:
            assert e.errno == errno.ENOSPC, e
    finally:
        os.close(fd)
    assert os.statvfs(mnt).f_bavail <= 1  # ext4 may show one block it will not hand out


def web_worker_pids(inst):
    s, st = inst.api("GET", "/v1/status")
    assert s == 200, st
    return {w["pid"] for w in st["web_workers"]}


def test_a_full_state_filesystem_degrades_stats_never_serving(paasrun, tmp_path, small_fs):
    kind, mnt = small_fs
    state = mnt / "state"
    app = write_app(tmp_path / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    inst = Instance(paasrun, app, web_concurrency=1, env={"PAASRUN_STATE": str(state)})
    try:
        assert inst.get() == (200, "v1")
        stats = state / "run" / "stats"
        assert len(wait_until(lambda: web_worker_pids(inst), 10, what="the worker's stats file")) == 1
        fill(mnt)

        # A sparse stats file (as workers used to leave behind) whose pages the full tmpfs
        # cannot back: reading it for /readyz must not fault the supervisor (before: SIGBUS,
        # exit 135, on tmpfs; ext4 reads holes as zeros).
        with open(stats / f"{os.getpid()}.stats", "wb") as f:
            f.truncate(LAYOUT_SIZE)
        for path in ("/readyz", "/livez"):
            s, body = inst.api("GET", path, token=None)
            assert s == 200, (path, s, body)
        s, metrics = inst.api("GET", "/metrics")
        assert s == 200 and "paasrun_ready 1" in metrics, (s, metrics)
        s, st = inst.api("GET", "/v1/status")
        assert s == 200 and st["ready"], st
        assert inst.proc.p.poll() is None
        (stats / f"{os.getpid()}.stats").unlink()

        # A rolling restart on the full filesystem: the new web process's worker must boot and
        # serve without stats, well within the start timeout (before: SIGBUS at its first
        # store, again and again, until the restart failed after 120 s).
        s, job = inst.api("POST", "/v1/processes/web/restart")
        assert s == 202, (s, job)
        done = inst.wait_job(job["id"], timeout=60)
        assert done["state"] == "succeeded", done
        inst.proc.wait_for_line(r'msg="stats file unavailable" error=.*No space left on device', timeout=10)
        for _ in range(20):
            assert inst.get() == (200, "v1")
        s, _ = inst.api("GET", "/readyz", token=None)
        assert s == 200
        assert "signal=SIGBUS" not in inst.proc.text()
    finally:
        inst.stop()
    assert inst.proc.p.returncode == 0, inst.proc.text()[-3000:]
