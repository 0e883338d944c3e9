"""CPU time per request for ASGI routes (issue 14's per-endpoint table), against a real
`paasrun start` serving tests/fixtures/apps/deploy/asgi_cpu.py: one worker's event loop runs
every request's task, so a request is charged the thread CPU time of its own task's steps
(the eager first step and every later one), never wall time, never another task's steps.
The WSGI counterpart is test_dashboard.py::test_cpu_per_request_follows_the_work."""
import http.client
import re
import shutil
import threading

import pytest

from conftest import FIXTURES, paasrun_path, wait_until
from deploy_harness import TOKEN, Instance, write_app

ASGI_APP = FIXTURES / "apps" / "deploy" / "asgi_cpu.py"


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    base = tmp_path_factory.mktemp("asgicpu")
    app = write_app(base / "app", "v1", procfile="web: paasrun serve asgi_cpu:app\n",
                    manifest="deploy:\n  bake_window: 0\n")
    shutil.copy(ASGI_APP, app / "asgi_cpu.py")
    with Instance(paasrun_path(), app, web_concurrency=1) as i:
        yield i


def endpoint(inst, route):
    status, d = inst.api("GET", "/v1/endpoints")
    assert status == 200, d
    return next((r for r in d["routes"] if r["route"] == route), None)


def measured(inst, routes, at_least=3):
    """The rows of `routes` once each has `at_least` measured requests, else None."""
    rows = [endpoint(inst, r) for r in routes]
    if all(r and r["cpu_measured_requests"] >= at_least for r in rows):
        return rows
    return None


def keep_requesting(inst, paths, timeout=40):
    """Requests each path in turn (sequentially) until every route has 3 measured requests:
    the worker measures at most one request per sampling interval (thread_cpu.hpp)."""
    def step():
        for p in paths:
            status, body = inst.get(p)
            assert status == 200, (p, status, body)
        return measured(inst, paths)
    return wait_until(step, timeout, interval=0.02, what=f"3 measured requests of each of {paths}")


def test_cpu_of_the_first_step_and_of_later_steps(inst):
    burn, split, sleep = keep_requesting(inst, ["/burn", "/burn-split", "/sleep"])
    # 30 ms of thread CPU in the eager first step; the same 30 ms spread over three steps,
    # two of them run by the request's Task after an asyncio.sleep.
    for row in (burn, split):
        assert 0.027 <= row["cpu_seconds_per_request"] <= 0.06, row
    # Waiting is not CPU: 50 ms asleep, next to nothing on the CPU (its wall time is 50 ms).
    assert sleep["latency_seconds"]["p50"] >= 0.045, sleep
    assert sleep["cpu_seconds_per_request"] < 0.005, sleep
    # /metrics carries the same numbers as the dashboard's table.
    host, port = inst.admin.rsplit(":", 1)
    c = http.client.HTTPConnection(host, int(port), timeout=10)
    c.request("GET", "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    text = c.getresponse().read().decode()
    c.close()
    m = re.search(r'paasrun_endpoint_cpu_measured_requests_total\{route="/burn"\} (\d+)\n', text)
    assert m and int(m.group(1)) >= 3, text
    m = re.search(r'paasrun_endpoint_cpu_seconds_total\{route="/burn"\} ([0-9.e-]+)\n', text)
    assert m and float(m.group(1)) >= 3 * 0.027, text


def test_interleaved_tasks_do_not_get_each_others_cpu(inst):
    # /heavy (50 ms of CPU in 10 steps) and /light (10 sleeps, no CPU) run at the same time
    # on the one event loop, their steps interleaved: charging a request the thread's CPU
    # time between its start and its end would give /light most of /heavy's.
    stop = threading.Event()
    failures = []

    def light_loop():
        while not stop.is_set():
            status, body = inst.get("/light")
            if status != 200:
                failures.append((status, body))

    t = threading.Thread(target=light_loop)
    t.start()
    try:
        def step():
            for _ in range(3):
                status, body = inst.get("/heavy")
                assert status == 200, (status, body)
            return measured(inst, ["/heavy", "/light"])
        heavy, light = wait_until(step, 60, interval=0.02, what="3 measured /heavy and /light")
    finally:
        stop.set()
        t.join(timeout=10)
    assert not failures, failures
    assert 0.045 <= heavy["cpu_seconds_per_request"] <= 0.09, heavy
    assert light["latency_seconds"]["p50"] >= 0.045, light
    assert light["cpu_seconds_per_request"] < 0.006, light
