#!/usr/bin/python3
"""Instructions per request of one `paasrun serve` worker, counted by callgrind: the worker's
total instructions after N1 and after N2 keep-alive GETs, differenced, so start-up cancels
out. The workers keep their stats (PAASRUN_STATS_DIR), as under `paasrun start`. Precise where
req/s on a shared machine is not (docs/dashboard.md, "Cost").

  bench/callgrind_per_request.py PAASRUN [PATH] [N1] [N2]
  bench/callgrind_per_request.py build/paasrun /users/42 200 1200
"""
import glob
import http.client
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

APPS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "apps" / "serve"


def worker_instructions(paasrun, path, n):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tempfile.mkdtemp(prefix="callgrind-")
    try:
        env = dict(os.environ, PAASRUN_STATS_DIR=os.path.join(out, "stats"))
        cmd = ["valgrind", "--tool=callgrind", "--trace-children=yes", f"--callgrind-out-file={out}/cg.%p",
               paasrun, "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "1",
               "--timeout", "300", "--chdir", str(APPS), "hello:application"]
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, cwd=str(APPS))
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                    c.request("GET", "/")
                    c.getresponse().read()
                    break
                except OSError:
                    if time.monotonic() > deadline or p.poll() is not None:
                        sys.exit("paasrun serve did not start under valgrind")
                    time.sleep(0.5)
            for _ in range(n):
                c.request("GET", path)
                c.getresponse().read()
            c.close()
        finally:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
                p.wait(120)
        # The worker is the process that ran the most instructions (Python and the requests).
        best = 0
        for f in glob.glob(f"{out}/cg.*"):
            with open(f, errors="replace") as fh:
                for line in fh:
                    if line.startswith(("summary:", "totals:")):
                        best = max(best, int(line.split()[1]))
                        break
        return best
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    if len(sys.argv) < 2 or not shutil.which("valgrind"):
        sys.exit(__doc__)
    paasrun = os.path.abspath(sys.argv[1])  # serve runs in the apps dir
    path = sys.argv[2] if len(sys.argv) > 2 else "/users/42"
    n1 = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    n2 = int(sys.argv[4]) if len(sys.argv) > 4 else 1200
    a, b = worker_instructions(paasrun, path, n1), worker_instructions(paasrun, path, n2)
    print(f"{paasrun}: {a} instructions after {n1} requests, {b} after {n2}: "
          f"{(b - a) / (n2 - n1):.0f} per request")


if __name__ == "__main__":
    main()
