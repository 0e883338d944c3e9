"""The Task of an ASGI request (tests/fixtures/apps/serve/asgi_tasks.py): the front end runs
the first step eagerly with an uninitialised RequestTask as the current task and makes it a
scheduled Task (the same object) only when the step suspends (docs/asgi.md "Hops and costs
per request"). What apps and libraries do with asyncio.current_task() must work on both
paths, and a request done in one step leaves no task behind."""
import json
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "apps" / "serve"))
from harness import serve  # noqa: E402
from conftest import paasrun_path  # noqa: E402


@pytest.fixture(scope="module")
def server():
    with serve(paasrun_path(), "asgi_tasks:app") as s:
        yield s


def get(server, path):
    raw = f"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode()
    r = server.exchange(raw)[0]
    assert r.status == 200, (path, r.status, r.body)
    return json.loads(r.body)


def test_current_task_in_a_step_that_completes(server):
    d = get(server, "/identity")
    assert d["is_task"] and d["same"], d
    try:
        import anyio  # noqa: F401
    except ImportError:
        pytest.skip("python3-anyio is not installed")
    # anyio's TaskInfo reads get_coro(): the app's coroutine (C Task's get_coro crashed on a
    # task before __init__).
    assert d["anyio_coro"] == "app", d


def test_current_task_keeps_its_identity_when_the_step_suspends(server):
    d = get(server, "/identity?suspend")
    assert d["is_task"] and d["same"] and d["listed"], d


def test_timeout_and_cancel_reach_the_lazily_scheduled_task(server):
    assert get(server, "/timeout") == {"outcome": "timed out", "cancelling": 0}
    # A cancel() made before the task was scheduled is not lost.
    assert get(server, "/self-cancel") == {"outcome": "cancelled"}


def test_anyio_lock_and_task_group_in_a_request(server):
    try:
        import anyio  # noqa: F401
    except ImportError:
        pytest.skip("python3-anyio is not installed")
    assert get(server, "/anyio") == {"children": 2}


def test_requests_done_in_one_step_leave_no_task(server):
    for _ in range(20):
        get(server, "/identity")
    for _ in range(3):
        get(server, "/identity?suspend")
    # Only the request asking is running; the others' tasks are gone (or never existed).
    assert get(server, "/count") == {"request_tasks": 0}
