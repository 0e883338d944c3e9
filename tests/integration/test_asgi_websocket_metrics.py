"""WebSocket counters in /metrics and /v1/status (src/serve/websocket_stats.hpp), through a
real `paasrun start` serving tests/fixtures/apps/deploy/asgi_app.py on 2 workers: N sockets
open, messages both ways, closes with 1000, an application code (other), a dropped TCP
connection (1006) and an oversized message (1009)."""
import re
import shutil

import ws_client
from conftest import FIXTURES, wait_until
from deploy_harness import Instance, write_app

PROCFILE = "web: paasrun serve asgi_app:app --ws-max-size 1024\n"
N = 5
PAYLOAD = b"0123456789"  # 10 bytes, echoed


def metrics(inst):
    s, text = inst.api("GET", "/metrics")
    assert s == 200, text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            samples[name] = float(value)
    return samples


def ws_metrics(inst):
    m = metrics(inst)
    return {k: v for k, v in m.items() if "websocket" in k}


def test_websocket_counters_in_metrics_and_status(paasrun, tmp_path):
    app = write_app(tmp_path / "app", "v1", procfile=PROCFILE, manifest="deploy:\n  bake_window: 0\n")
    shutil.copy(FIXTURES / "apps" / "deploy" / "asgi_app.py", app / "asgi_app.py")
    with Instance(paasrun, app, web_concurrency=2) as inst:
        m = ws_metrics(inst)
        assert m["paasrun_websocket_connections_open"] == 0, m
        assert m['paasrun_websocket_closes_total{code="1000"}'] == 0, m

        conns = []
        for _ in range(N):
            c = ws_client.connect(inst.port, "/ws")
            assert c.status == 101
            assert c.recv_message() == (ws_client.TEXT, b"v1")
            for _ in range(3):
                c.send(ws_client.frame(ws_client.TEXT, PAYLOAD))
                assert c.recv_message() == (ws_client.TEXT, PAYLOAD)
            conns.append(c)

        m = ws_metrics(inst)
        assert m["paasrun_websocket_connections_open"] == N, m
        assert m["paasrun_websocket_connections_total"] == N, m
        assert m['paasrun_websocket_messages_total{direction="received"}'] == 3 * N, m
        assert m['paasrun_websocket_messages_total{direction="sent"}'] == 4 * N, m
        assert m['paasrun_websocket_message_bytes_total{direction="received"}'] == 30 * N, m
        assert m['paasrun_websocket_message_bytes_total{direction="sent"}'] == (2 + 30) * N, m
        per_worker = {k: v for k, v in m.items() if k.startswith("paasrun_web_worker_websocket_connections_open{")}
        assert len(per_worker) == 2 and sum(per_worker.values()) == N, per_worker
        assert all(re.search(r'process="web\.1",slot="[12]",pid="\d+"', k) for k in per_worker), per_worker

        # The admin status JSON (the dashboard's source) has the same, per worker.
        s, st = inst.api("GET", "/v1/status")
        ws = [w["websocket"] for w in st["web_workers"]]
        assert sum(w["open"] for w in ws) == N and sum(w["messages_received"] for w in ws) == 3 * N, ws

        def client_close(c, code):
            c.send(ws_client.frame(ws_client.CLOSE, ws_client.close_payload(code)))
            assert c.expect_close()[0] == code
            c.expect_eof()
            c.close()

        client_close(conns[0], 1000)
        client_close(conns[1], 1000)
        client_close(conns[2], 4000)
        conns[3].close()  # TCP gone without a close frame: 1006
        conns[4].send(ws_client.frame(ws_client.BINARY, b"x" * 2048))  # over --ws-max-size
        assert conns[4].expect_close()[0] == 1009
        conns[4].close()

        def all_closed():
            m = ws_metrics(inst)
            return m if m["paasrun_websocket_connections_open"] == 0 else None
        m = wait_until(all_closed, 10, what="every WebSocket counted closed")
        assert m['paasrun_websocket_closes_total{code="1000"}'] == 2, m
        assert m['paasrun_websocket_closes_total{code="other"}'] == 1, m
        assert m['paasrun_websocket_closes_total{code="1006"}'] == 1, m
        assert m['paasrun_websocket_closes_total{code="1009"}'] == 1, m
        assert m['paasrun_websocket_closes_total{code="1001"}'] == 0, m
        assert m['paasrun_websocket_closes_total{code="1011"}'] == 0, m
        # The oversized message was refused, not received.
        assert m['paasrun_websocket_messages_total{direction="received"}'] == 3 * N, m
        assert m["paasrun_websocket_connections_total"] == N, m
