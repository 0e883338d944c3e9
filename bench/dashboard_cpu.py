"""The admin server's CPU cost of the dashboard: the CPU time (utime + stime from
/proc/PID/stat) of the `paasrun start` process, which runs the supervisor, the admin server
and its 1 s sampler, over 60 s: with no dashboard open, then with one headless Chromium on
the overview page (status every 2 s), on the live charts (series every 1 s) and on the
endpoint table with the 1-minute window (every 2 s).

    PAASRUN_BIN=build/paasrun /usr/bin/python3 bench/dashboard_cpu.py [SECONDS]
"""
import os
import pathlib
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "integration"))
from conftest import paasrun_path  # noqa: E402
from deploy_harness import TOKEN, Instance, write_app  # noqa: E402
from selenium import webdriver  # noqa: E402

SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def measure(pid, label):
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(SECONDS)
    c1, t1 = cpu_seconds(pid), time.monotonic()
    print(f"{label:<34} {c1 - c0:6.2f} s CPU in {t1 - t0:.0f} s = {100 * (c1 - c0) / (t1 - t0):.2f} % of a core",
          flush=True)


with tempfile.TemporaryDirectory() as d:
    app = write_app(pathlib.Path(d) / "app", "v1", manifest="deploy:\n  bake_window: 0\n")
    with Instance(paasrun_path(), app, web_concurrency=2) as inst:
        pid = inst.proc.p.pid
        time.sleep(2)
        measure(pid, "no dashboard open")
        opts = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
            opts.add_argument(a)
        browser = webdriver.Chrome(options=opts)
        try:
            link = subprocess.run([paasrun_path(), "dashboard", "--to", f"http://{inst.admin}", "--token", TOKEN],
                                  capture_output=True, text=True, check=True).stdout.strip()
            browser.get(link)
            measure(pid, "one dashboard on the overview")
            browser.get(f"http://{inst.admin}/dashboard/#charts")
            measure(pid, "one dashboard on the live charts")
            browser.get(f"http://{inst.admin}/dashboard/#endpoints")
            browser.execute_script(
                "const s = document.getElementById('endpoint-window'); s.value = '60';"
                "s.dispatchEvent(new Event('change'));")
            measure(pid, "one dashboard on endpoints, last minute")
        finally:
            browser.quit()
