"""Differential test: paasrun's static files against Debian's nginx serving the same folders
(alias + gzip_static, `if_modified_since before`), request by request.

AGREE: status, Content-Length, Content-Range, Content-Encoding, ETag, Last-Modified and the
body bytes must be equal. (ETag values agree because paasrun uses nginx's "mtime-size" shape.)

DIFFER: deliberate differences, each asserted on both sides with its reason, so a change on
either side is noticed. nginx's error pages are HTML bodies; paasrun's static layer either
answers with a short text/plain body or leaves the request to the app (X-From: app)."""
import os
import sys

import pytest

from conftest import FIXTURES

sys.path.insert(0, str(FIXTURES / "static"))
from static_support import CANARY, NGINX, make_tree, start_nginx, start_paasrun  # noqa: E402

pytestmark = pytest.mark.skipif(not os.access(NGINX, os.X_OK), reason="Debian's nginx is not installed")

LM = "Tue, 14 Nov 2023 22:13:20 GMT"

AGREE = [
    ("GET", "/static/app.js", {}),
    ("HEAD", "/static/app.js", {}),
    ("GET", "/static/styles.css", {}),
    ("GET", "/static/directory/pixel.gif", {}),
    ("GET", "/static/nonascii%E2%9C%93.txt", {}),
    ("GET", "/static/with-index/", {}),
    ("GET", "/assets/subdir/javascript.js", {}),
    ("GET", "/static/big.bin", {}),
    ("HEAD", "/static/big.bin", {}),
    ("GET", "/static/empty.txt", {}),
    ("GET", "/static/empty.txt", {"Range": "bytes=0-"}),
    ("GET", "/static/app.js?v=42", {}),
    ("GET", "/static/styles.css", {"Range": "bytes=0-9"}),
    ("GET", "/static/styles.css", {"Range": "bytes=10-"}),
    ("GET", "/static/styles.css", {"Range": "bytes=-7"}),
    ("GET", "/static/styles.css", {"Range": "bytes=5-100000"}),
    ("GET", "/static/styles.css", {"Range": "bytes=-100000"}),
    ("GET", "/static/big.bin", {"Range": "bytes=524288-528383"}),
    ("GET", "/static/big.bin", {"Range": "bytes=1048575-"}),
    ("GET", "/static/styles.css", {"Range": "bytes=100000-"}),  # 416 (bodies differ: below)
    ("GET", "/static/styles.css", {"Range": "items=0-1"}),
    ("GET", "/static/styles.css", {"Range": "bytes=0-9", "If-Range": '"nope"'}),
    ("GET", "/static/styles.css", {"Range": "bytes=0-9", "If-Range": LM}),
    ("GET", "/static/styles.css", {"Range": "bytes=0-9", "If-Range": "Tue, 14 Nov 2023 22:13:21 GMT"}),
    ("GET", "/static/styles.css", {"If-Modified-Since": LM}),
    ("GET", "/static/styles.css", {"If-Modified-Since": "Wed, 15 Nov 2023 00:00:00 GMT"}),
    ("GET", "/static/styles.css", {"If-Modified-Since": "Tue, 14 Nov 2023 22:13:19 GMT"}),
    ("GET", "/static/styles.css", {"If-Modified-Since": "Sunday, 06-Nov-94 08:49:37 GMT"}),
    ("GET", "/static/styles.css", {"If-None-Match": "*"}),
    ("GET", "/static/styles.css", {"If-None-Match": '"nope"'}),
    ("GET", "/static/styles.css", {"If-None-Match": '"nope"', "If-Modified-Since": LM}),
    ("GET", "/assets/compressed.css", {}),
    ("GET", "/assets/compressed.css", {"Accept-Encoding": "gzip"}),
    ("GET", "/assets/compressed.css", {"Accept-Encoding": "gzip, deflate, br"}),
    ("GET", "/assets/compressed.css", {"Accept-Encoding": "deflate"}),
    ("GET", "/assets/compressed.css.gz", {}),
]

# Status codes agree, bodies are each server's own error page.
AGREE_STATUS_ONLY = [
    ("GET", "/static/missing.js", {}),
    ("GET", "/static/styles.css", {"Range": "bytes=100000-"}),
    ("POST", "/static/app.js", {}),
    ("DELETE", "/static/app.js", {}),
    ("GET", "/nothing-here", {}),
]

# (method, target, headers, paasrun status, nginx status, reason)
DIFFER = [
    ("GET", "/static/with-index", {}, 302, 301,
     "dir -> dir/: 302 like whitenoise (a later file of that name must not be shadowed by a cached 301)"),
    ("GET", "/static/directory", {}, 404, 301,
     "a directory without index.html is the app's (fallthrough); nginx redirects any directory"),
    ("GET", "/static/directory/", {}, 404, 403,
     "no listing: the app gets the request; nginx answers 403 (autoindex off)"),
    ("GET", "/static/directory/.keep", {}, 404, 200,
     "dotfiles are hidden by default; nginx serves them"),
    ("GET", "/static/./app.js", {}, 404, 200,
     "no normalisation: '.' segments are refused; nginx merges them"),
    ("GET", "/static//app.js", {}, 404, 200,
     "no normalisation: empty segments are refused; nginx merges slashes"),
    ("GET", "/static/styles.css", {"Range": "bytes=0-1,5-6"}, 200, 206,
     "several ranges: the whole file, no multipart/byteranges (CVE-2011-3192 class)"),
    ("GET", "/static/styles.css", {"Range": "bytes=abc"}, 200, 416,
     "a syntactically invalid Range is ignored (RFC 9110 14.2 allows it); nginx answers 416"),
    ("GET", "/static/styles.css", {"Range": "bytes=5-1"}, 200, 416,
     "last-pos < first-pos is invalid syntax (RFC 9110 14.1.1), so ignored; nginx answers 416"),
    ("HEAD", "/static/styles.css", {"Range": "bytes=0-9"}, 200, 206,
     "RFC 9110 14.2: range handling is defined for GET only; nginx also ranges HEAD"),
    ("GET", "/assets/compressed.css", {"Accept-Encoding": "gzip", "Range": "bytes=0-15"}, 206, 200,
     "ranges apply to the selected (.gz) representation, as whitenoise does; nginx's "
     "gzip_static answers such ranges with the whole .gz file"),
    ("GET", "/static/escape.txt", {}, 404, 200,
     "a symlink leading out of the root is never followed; nginx follows it unless "
     "disable_symlinks is configured (the canary is served by nginx!)"),
    ("POST", "/static/missing.js", {}, 404, 404,
     "a miss goes to the app whatever the method (nginx: 404 for POST too; 405 for PUT)"),
    ("PUT", "/static/missing.js", {}, 404, 405,
     "a miss goes to the app whatever the method; nginx refuses PUT before looking"),
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    paasrun = os.environ.get("PAASRUN_BIN") or str(FIXTURES.parents[1] / "build" / "paasrun")
    tmp = tmp_path_factory.mktemp("static-nginx")
    site = make_tree(tmp)
    ours = start_paasrun(paasrun, site, tmp)
    theirs = start_nginx(site, tmp)
    yield ours, theirs
    ours.stop()
    theirs.stop()


def compared(h):
    return {k: h.get(k) for k in ("content-length", "content-range", "content-encoding", "etag",
                                  "last-modified")}


@pytest.mark.parametrize("method,target,headers", AGREE, ids=lambda v: str(v))
def test_agree(pair, method, target, headers):
    ours, theirs = pair
    s1, h1, b1 = ours.get(target, headers, method)
    s2, h2, b2 = theirs.get(target, headers, method)
    assert s1 == s2
    if s1 == 416:  # nginx adds an HTML body to its 416
        assert h1["content-range"] == h2["content-range"]
        return
    if s1 == 304:
        # paasrun's 304 carries ETag but not Last-Modified (RFC 9110 15.4.5: no other
        # representation metadata when an ETag is there); nginx sends both.
        h2 = {k: v for k, v in h2.items() if k != "last-modified"}
    assert compared(h1) == compared(h2)
    assert b1 == b2
    assert "x-from" not in h1


@pytest.mark.parametrize("method,target,headers", AGREE_STATUS_ONLY, ids=lambda v: str(v))
def test_agree_on_status(pair, method, target, headers):
    ours, theirs = pair
    s1, h1, _ = ours.get(target, headers, method)
    s2, h2, _ = theirs.get(target, headers, method)
    assert s1 == s2
    if s1 == 405:
        assert h1["allow"] == "GET, HEAD"
    if s1 == 416:
        assert h1["content-range"] == h2["content-range"]


@pytest.mark.parametrize("method,target,headers,ours_status,nginx_status,reason", DIFFER,
                         ids=[d[1] + " " + str(d[2]) + " " + d[0] for d in DIFFER])
def test_deliberate_differences(pair, method, target, headers, ours_status, nginx_status, reason):
    ours, theirs = pair
    assert ours.get(target, headers, method)[0] == ours_status, reason
    assert theirs.get(target, headers, method)[0] == nginx_status, reason


@pytest.mark.parametrize("target", ["/static/app.js", "/static/big.bin", "/static/empty.txt",
                                    "/assets/compressed.css"])
def test_etag_304_behaviour_agrees(pair, target):
    ours, theirs = pair
    tags = []
    for server in (ours, theirs):
        status, h, _ = server.get(target)
        assert status == 200
        tags.append(h["etag"])
    assert tags[0] == tags[1]
    for server in (ours, theirs):
        for tag in (tags[0], "W/" + tags[0], '"x", ' + tags[0]):
            status, h, body = server.get(target, {"If-None-Match": tag})
            assert (status, body) == (304, b"")
            assert h["etag"] == tags[0]
        status, _, _ = server.get(target, {"If-None-Match": tag, "Range": "bytes=0-0"})
        assert status == 304


@pytest.mark.parametrize("target", [
    "/static/../canary.txt", "/static/%2e%2e/canary.txt", "/static/..%2fcanary.txt",
    "/static/%252e%252e/canary.txt", "/assets/../../canary.txt",
])
def test_neither_leaks_the_canary(pair, target):
    for server in pair:
        try:
            _, _, body = server.get(target)
        except OSError:
            continue
        assert CANARY not in body
