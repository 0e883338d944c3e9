"""An ASGI worker's drain ends before the arbiter's SIGKILL (worker/drain_budget.hpp): a
handler that ignores the drain is cancelled with its stack logged, the lifespan shutdown
runs, and the worker exits by itself, all within --graceful-timeout. Before, the worker
waited the whole graceful timeout for connections and then at least 1 s more for tasks, so
the arbiter SIGKILLed it: no cancellation, no stack, no lifespan shutdown."""
import os
import pathlib
import re
import signal
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402
from conftest import paasrun_path, wait_until  # noqa: E402

GRACEFUL = 3


def test_a_handler_that_ignores_the_drain_is_cancelled_before_the_sigkill(tmp_path):
    with serve(paasrun_path(), "asgi_raw:app", extra=["--graceful-timeout", str(GRACEFUL)],
               env={"ASGI_MARKER_DIR": str(tmp_path)}) as s:
        m = s.proc.wait_for_line(r"msg=ready worker=1 pid=(\d+)", timeout=10)
        pid = m.group(1)
        with s.connect(timeout=30) as c:
            c.sendall(b"GET /ignore-drain HTTP/1.1\r\nHost: t\r\n\r\n")
            wait_until(lambda: (tmp_path / "ignoring-drain").exists(), 10, what="the handler to start")
            began = time.time()
            s.proc.signal(signal.SIGTERM)
            assert s.proc.wait(GRACEFUL + 10) == 0
            took = time.time() - began
        text = s.proc.text()
        # The worker exited by itself, before the arbiter's deadline.
        assert "killing worker" not in text, text
        assert re.search(rf"msg=\"worker exited\" index=1 pid={pid} exit=0", text), text
        assert took < GRACEFUL, f"stopping took {took:.2f}s, graceful timeout {GRACEFUL}s\n{text}"
        # The handler was cancelled (its own except clause ran) and its stack logged, naming it.
        assert (tmp_path / "cancelled").exists()
        line = next((ln for ln in text.splitlines() if "graceful timeout near, task cancelled" in ln), "")
        assert "in ignore_drain" in line and "asyncio.sleep(3600)" in line, text
        assert re.search(r"tasks cancelled at shutdown\" count=1", text), text
        # Then the lifespan shutdown ran, in the same worker, after the cancellation.
        shutdown = tmp_path / f"shutdown-{pid}"
        assert shutdown.exists(), text
        assert os.path.getmtime(tmp_path / "cancelled") <= os.path.getmtime(shutdown) < began + GRACEFUL
        assert "lifespan shutdown complete" in text
