"""The dashboard shows an ASGI app's WebSockets: a real `paasrun start` serving
tests/fixtures/apps/deploy/asgi_app.py on 2 workers, 3 WebSocket clients sending messages.
/v1/metrics/series carries connections open and messages per second each way (what the live
charts draw); in headless Chromium the overview's worker table counts the open connections
per worker and the charts page draws the WebSocket chart from those columns."""
import os
import pathlib
import shutil
import time

import pytest

import ws_client
from conftest import FIXTURES, paasrun_path, wait_until
from dashboard_browser import goto, log_in, text, wait
from deploy_harness import Instance, write_app
from selenium.webdriver.common.by import By

N = 3


@pytest.fixture(scope="module")
def inst(tmp_path_factory):
    app = write_app(tmp_path_factory.mktemp("dashws") / "app", "v1", procfile="web: paasrun serve asgi_app:app\n",
                    manifest="deploy:\n  bake_window: 0\n")
    shutil.copy(FIXTURES / "apps" / "deploy" / "asgi_app.py", app / "asgi_app.py")
    with Instance(paasrun_path(), app, web_concurrency=2) as i:
        yield i


def series_websocket(inst):
    status, d = inst.api("GET", "/v1/metrics/series")
    assert status == 200, d
    return d["websocket"], len(d["t"])


def chat(conns, rounds):
    for _ in range(rounds):
        for c in conns:
            c.send(ws_client.frame(ws_client.TEXT, b"hello"))
            assert c.recv_message() == (ws_client.TEXT, b"hello")


def test_websockets_in_the_series_and_in_the_browser(inst, browser):
    ws, n = series_websocket(inst)
    assert len(ws["open"]) == n and len(ws["messages_received_per_second"]) == n
    assert set(ws["open"]) <= {0}, ws  # nothing connected yet

    conns = []
    for _ in range(N):
        c = ws_client.connect(inst.port, "/ws")
        assert c.status == 101
        assert c.recv_message() == (ws_client.TEXT, b"v1")
        conns.append(c)
    try:
        # Keep messages flowing until the sampler (1 s) has read them: the newest sample shows
        # the 3 connections and a message rate both ways.
        def sampled():
            chat(conns, 5)
            ws, _ = series_websocket(inst)
            return ws if ws["open"] and ws["open"][-1] == N and ws["messages_received_per_second"][-1] > 0 \
                and ws["messages_sent_per_second"][-1] > 0 else None
        ws = wait_until(sampled, 15, interval=0.2, what="3 open WebSockets and messages/s in the series")
        # Every echo is one message each way (plus the greeting sent on accept).
        assert max(ws["messages_sent_per_second"]) >= max(ws["messages_received_per_second"]) * 0.5, ws

        log_in(browser, inst)
        # The overview: a "WebSockets open" column, summing to the 3 connections.
        headers = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#workers thead th")]
        col = headers.index("WebSockets open")

        def ws_column():
            rows = browser.find_elements(By.CSS_SELECTOR, "#workers tbody tr")
            return sum(int(r.find_elements(By.TAG_NAME, "td")[col].text or 0) for r in rows) if len(rows) == 2 else -1
        wait(browser, lambda: ws_column() == N, what="3 WebSockets open in the worker table")

        # The charts page: the WebSocket chart exists and holds the series' columns.
        goto(browser, "charts")
        deadline = time.monotonic() + 15
        while True:
            chat(conns, 5)
            data = browser.execute_script("return charts.ws ? charts.ws.data.map((c) => c.slice(-5)) : null")
            if data and N in data[1] and any(v and v > 0 for v in data[2]) and any(v and v > 0 for v in data[3]):
                break
            assert time.monotonic() < deadline, f"the WebSocket chart never showed the load: {data}"
            time.sleep(0.2)
        assert browser.find_elements(By.CSS_SELECTOR, "#chart-ws canvas")
        assert "WebSockets" in text(browser, "#page-charts")
        # docs/dashboard/websockets.png comes from here (as the other pages' screenshots
        # come from test_dashboard_browser.py).
        if os.environ.get("PAASRUN_DASHBOARD_SCREENSHOTS"):
            # A few more seconds of chatter, so the picture shows lines rather than two points.
            deadline = time.monotonic() + 20
            while browser.execute_script("return charts.ws.data[1].filter((v) => v === %d).length" % N) < 8:
                assert time.monotonic() < deadline, "the WebSocket chart did not fill for the screenshot"
                chat(conns, 5)
                time.sleep(0.1)
            chart = browser.find_element(By.ID, "chart-ws")
            browser.execute_script("arguments[0].scrollIntoView()", chart)
            chart.find_element(By.XPATH, "..").screenshot(
                str(pathlib.Path(os.environ["PAASRUN_DASHBOARD_SCREENSHOTS"]) / "websockets.png"))
    finally:
        for c in conns:
            c.close()

    # Closed: the series goes back to 0 open.
    wait_until(lambda: series_websocket(inst)[0]["open"][-1] == 0, 15, interval=0.2,
               what="0 open WebSockets in the series after the clients went away")
