"""Corpora from other HTTP projects against a live `paasrun serve` hosting the echo app.

gunicorn's request corpus (tests/fixtures/corpora/gunicorn-requests, MIT): every valid case is
answered 2xx with the echo gunicorn expects (method, PATH_INFO, QUERY_STRING, headers, body;
pipelined cases in order); every invalid case gets a 4xx/5xx or a closed connection, never a
2xx; the worker never crashes. Skipped and deliberately stricter cases are listed with their
reason (the same lists as tests/unit/http/test_gunicorn_corpus.cpp, where the parser is
checked case by case).

h2o's libFuzzer seeds (tests/fixtures/fuzz/http_request): each is sent on its own connection;
afterwards GET / still answers 200 and no worker died.
"""
import collections
import concurrent.futures
import json
import pathlib
import re
import socket
import sys
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "apps" / "serve"))
from harness import ResponseReader, serve  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "corpora" / "gunicorn-requests"
SEEDS = ROOT / "tests" / "fixtures" / "fuzz" / "http_request"

# Valid for gunicorn, refused by paasrun on purpose (smuggling hardening, RFC 9112).
STRICTER = {
    "valid/009": "Transfer-Encoding: identity with Content-Length (RFC 9112 6.3)",
    "valid/025": "gzip, chunked: gzip is not decoded (501)",
    "valid/025_line": "gzip, chunked: gzip is not decoded (501)",
    "valid/rfc9112_smuggle_gzip_chunked_01": "gzip before chunked (501)",
    "valid/rfc9112_smuggle_te_identity_chunked_01": "identity before chunked (501)",
    "valid/029": "identity then chunked (501)",
    "valid/030": "identity then chunked (501)",
    "valid/rfc9112_target_absolute_userinfo_01": "userinfo in an http URI (RFC 9110 4.2.4)",
}
SKIPPED = {
    "valid/099": "truncated upstream: Content-Length larger than the body in the file",
    "valid/028": "strip_header_spaces: whitespace before the colon is always refused",
    "valid/031compat": "permit_unconventional_http_method/casefold_http_method: no such options",
    "valid/031compat2": "permit_unconventional_http_method: no such option",
    "valid/040_compat": "header_map=dangerous: names with '_' are always dropped (CVE-2015-0219)",
    "valid/compat_obs_fold": "permit_obsolete_folding: obs-fold is always refused",
    "valid/compat_obs_fold_huge": "permit_obsolete_folding: obs-fold is always refused",
    "valid/pp_01": "proxy_protocol: PROXY protocol is not supported",
    "valid/pp_02": "proxy_protocol: PROXY protocol is not supported",
    "valid/pp_03": "proxy_protocol: PROXY protocol is not supported",
    "valid/pp_04": "proxy_protocol: PROXY protocol is not supported",
    "valid/pp_05": "proxy_protocol: PROXY protocol is not supported",
    "invalid/019": "forwarded_allow_ips=* with conflicting scheme headers: paasrun takes the last "
                   "X-Forwarded-Proto instead of refusing",
    "invalid/040": "header_map=refuse: names with '_' are dropped, not refused",
    "invalid/chunked_07": "header_map=refuse: names with '_' are dropped, not refused",
}


def decode_http(path):
    """gunicorn's .http format: drop real newlines, then turn the escapes into bytes."""
    text = path.read_bytes().replace(b"\n", b"")
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i:i + 1]
        if c == b"\\" and i + 1 < len(text):
            n = text[i + 1:i + 2]
            if n in (b"r", b"n", b"t", b"0", b"\\"):
                out += {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"0": b"\0", b"\\": b"\\"}[n]
                i += 2
                continue
            if n == b"x":
                out.append(int(text[i + 2:i + 4], 16))
                i += 4
                continue
        out += c
        i += 1
    return bytes(out)


def server_limits(cfg):
    """gunicorn option values -> paasrun serve flags. gunicorn's defaults apply when a case
    sets nothing (request line 4094), 0 means the default, and its field size counts the
    CRLF while --limit-request-field-size does not."""
    def get(key, default):
        v = cfg.get(key, 0)
        return v if v and v > 0 else default
    return ("--limit-request-line", str(get("limit_request_line", 4094)),
            "--limit-request-fields", str(get("limit_request_fields", 100)),
            "--limit-request-field-size", str(get("limit_request_field_size", 8190) - 2))


def cases():
    expected = json.loads((CORPUS / "expected.json").read_text())
    return {name: exp for name, exp in sorted(expected.items())}


def send(port, data, count, timeout=3.0):
    """Sends `data`, half-closes, returns (responses, closed_without_response)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        reader = ResponseReader(s)
        responses = []
        try:
            for _ in range(count):
                responses.append(reader.read())
        except (ConnectionError, OSError, ValueError):
            pass
        return responses


def split_target(uri):
    """PATH_INFO (percent-decoded bytes as latin-1) and QUERY_STRING of a request-target.
    Not urlsplit: "//a" is a path here, not an authority."""
    raw = uri.encode("latin-1")
    if not raw.startswith(b"/"):
        m = re.match(rb"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*", raw)
        raw = raw[m.end():] if m else raw
    raw = raw.split(b"#", 1)[0]
    path, _, query = raw.partition(b"?")
    return urllib.parse.unquote_to_bytes(path or b"/").decode("latin-1"), query.decode("latin-1")


def rfc_refusal(want):
    """The status RFC 9110/9112 rules require for a request gunicorn accepts, or None (the
    same rules as rfc_refusal in tests/unit/http/test_gunicorn_corpus.cpp): raw bytes >= 0x80
    in the target (a URI is ASCII) and HTTP/1.1 without Host (RFC 9112 3.2: MUST) get 400,
    CONNECT gets 405 (paasrun is not a proxy; docs/http.md)."""
    if any(ord(c) >= 0x80 for c in want["uri"]):
        return 400
    if want["version"] == [1, 1] and not any(n.upper() == "HOST" for n, _ in want["headers"]):
        return 400
    if want["method"] == "CONNECT":
        return 405
    return None


def echo_mismatch(r, want):
    if not 200 <= r.status < 300:
        return f"status {r.status}"
    got = json.loads(r.body)
    if got["method"] != want["method"]:
        return f"method {got['method']!r}"
    if want["method"] != "CONNECT":  # authority-form: no path (RFC 9112 3.2.3)
        path, query = split_target(want["uri"])
        if got["path"] != path:
            return f"path {got['path']!r} != {path!r}"
        if got["query"] != query:
            return f"query {got['query']!r} != {query!r}"
    if got["body"] != want["body"]:
        return f"body {got['body'][:60]!r} != {want['body'][:60]!r}"
    for name, value in want["headers"]:
        if "_" in name or name.upper() == "HOST":
            continue
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
        if key not in got["headers"] or value not in got["headers"][key]:
            return f"header {key}: {got['headers'].get(key)!r} lacks {value!r}"
    return None


def test_gunicorn_corpus_against_a_live_server(paasrun):
    all_cases = cases()
    assert len(all_cases) > 130
    groups = collections.defaultdict(list)
    for name, exp in all_cases.items():
        if name in SKIPPED:
            continue
        groups[server_limits(exp.get("cfg", {}))].append(name)
    failures, checked = [], 0
    for flags, names in groups.items():
        with serve(paasrun, "echo:application", extra=list(flags)) as s:
            for name in names:
                exp = all_cases[name]
                data = decode_http(CORPUS / (name + ".http"))
                if name.startswith("valid/") and name not in STRICTER:
                    wants = exp["requests"]
                    rs = send(s.port, data, len(wants))
                    refused_at = next((i for i, w in enumerate(wants) if rfc_refusal(w)), None)
                    if refused_at is not None:
                        wants = wants[:refused_at + 1]
                        rs = rs[:refused_at + 1]
                    if len(rs) != len(wants):
                        failures.append(f"{name}: {len(rs)} of {len(wants)} responses")
                        continue
                    for r, want in zip(rs, wants):
                        refusal = rfc_refusal(want)
                        why = (f"status {r.status}, not {refusal}" if refusal and r.status != refusal
                               else None if refusal else echo_mismatch(r, want))
                        if why:
                            failures.append(f"{name}: {why}")
                        if refusal:
                            break  # a refused request closes the connection
                else:
                    rs = send(s.port, data, 4)
                    if any(200 <= r.status < 300 for r in rs[:1]):
                        failures.append(f"{name}: answered {rs[0].status}, must be refused")
                    elif rs and not 400 <= rs[0].status < 600:
                        failures.append(f"{name}: answered {rs[0].status}")
                checked += 1
            # No header fields: passes even the tightest limits of the group.
            assert s.exchange(b"GET / HTTP/1.0\r\n\r\n")[0].status == 200
            assert s.proc.p.poll() is None
            assert not re.search(r"worker died", s.proc.text()), s.proc.text()[-3000:]
    assert not failures, "\n".join(failures)
    assert checked + len(SKIPPED) == len(all_cases)


def test_skipped_cases_exist_and_have_reasons():
    all_cases = cases()
    for name, reason in {**SKIPPED, **STRICTER}.items():
        assert name in all_cases and reason


def test_h2o_seeds_replayed_against_a_live_server(paasrun):
    seeds = sorted(p for p in SEEDS.iterdir() if p.is_file())
    assert len(seeds) > 100
    with serve(paasrun, "echo:application", workers=2, extra=["--keep-alive", "1"]) as s:
        def replay(path):
            try:
                with socket.create_connection(("127.0.0.1", s.port), timeout=2) as c:
                    c.sendall(path.read_bytes())
                    c.shutdown(socket.SHUT_WR)
                    while c.recv(65536):
                        pass
            except OSError:
                pass  # a reset or timeout is fine; a crash is not (checked below)
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            list(pool.map(replay, seeds))
        assert s.get("/").status == 200
        assert s.proc.p.poll() is None
        assert not re.search(r"worker died|signal", s.proc.text()), s.proc.text()[-3000:]
