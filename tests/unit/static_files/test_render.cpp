// render_head: the bytes of a plan's head, through http::write_response_head.
#include <catch2/catch.hpp>

#include "support.hpp"

using namespace paasrun::static_files;
using namespace paasrun::static_files::test;
namespace http = paasrun::http;

namespace {
bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}
}  // namespace

TEST_CASE("render: a 200 head with every field, Content-Length and Date", "[static][render]") {
    TempDir tmp;
    write_file(tmp / "s" / "a.css", "body{}");
    set_mtime(tmp / "s" / "a.css", 784111777);
    StaticConfig cfg;
    cfg.mounts = {{"/s", (tmp / "s").string()}};
    auto files = open_or_throw(cfg);
    auto d = files->resolve(get("/s/a.css"));
    std::string head;
    http::ResponsePlan framing;
    REQUIRE(render_head(d.plan, http::Version::http11, true, head, framing) ==
            http::ResponseError::none);
    CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(contains(head, "\r\nContent-Type: text/css; charset=utf-8\r\n"));
    CHECK(contains(head, "\r\nLast-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\n"));
    CHECK(contains(head, "\r\nETag: \"2ebc98a1-6\"\r\n"));
    CHECK(contains(head, "\r\nCache-Control: public, max-age=60\r\n"));
    CHECK(contains(head, "\r\nVary: Accept-Encoding\r\n"));
    CHECK(contains(head, "\r\nContent-Length: 6\r\n"));
    CHECK(contains(head, "\r\nDate: "));
    CHECK(contains(head, "\r\nServer: paasrun\r\n"));
    CHECK_FALSE(contains(head, "Connection:"));
    CHECK(head.substr(head.size() - 4) == "\r\n\r\n");
    CHECK(framing.framing == http::ResponseFraming::content_length);
    CHECK(framing.content_length == 6);
    CHECK(framing.keep_alive);

    head.clear();
    REQUIRE(render_head(d.plan, http::Version::http10, true, head, framing) ==
            http::ResponseError::none);
    CHECK(contains(head, "\r\nConnection: keep-alive\r\n"));
    head.clear();
    REQUIRE(render_head(d.plan, http::Version::http11, false, head, framing) ==
            http::ResponseError::none);
    CHECK(contains(head, "\r\nConnection: close\r\n"));
    CHECK_FALSE(framing.keep_alive);

    auto h = files->resolve(get("/s/a.css", "HEAD"));
    head.clear();
    REQUIRE(render_head(h.plan, http::Version::http11, true, head, framing) ==
            http::ResponseError::none);
    CHECK(contains(head, "\r\nContent-Length: 6\r\n"));
    CHECK(framing.framing == http::ResponseFraming::no_body);

    auto r = get("/s/a.css");
    r.if_none_match = "\"2ebc98a1-6\"";
    auto nm = files->resolve(r);
    head.clear();
    REQUIRE(render_head(nm.plan, http::Version::http11, true, head, framing) ==
            http::ResponseError::none);
    CHECK(head.rfind("HTTP/1.1 304 Not Modified\r\n", 0) == 0);
    CHECK_FALSE(contains(head, "Content-Length"));
    CHECK_FALSE(contains(head, "Content-Type"));
    CHECK(framing.framing == http::ResponseFraming::no_body);

    r = get("/s/a.css");
    r.range = "bytes=9-";
    auto unsat = files->resolve(r);
    head.clear();
    REQUIRE(render_head(unsat.plan, http::Version::http11, true, head, framing) ==
            http::ResponseError::none);
    CHECK(head.rfind("HTTP/1.1 416 Range Not Satisfiable\r\n", 0) == 0);
    CHECK(contains(head, "\r\nContent-Range: bytes */6\r\n"));
    CHECK(contains(head, "\r\nContent-Length: 0\r\n"));
}

TEST_CASE("render: RequestView::from reads the fields of a parsed request", "[static][render]") {
    http::Request req;
    req.method = "GET";
    req.path = "/s/a.css";
    req.query = "v=1";
    const std::pair<std::string_view, std::string_view> fields[] = {
        {"Host", "x"},          {"range", "bytes=0-1"},    {"If-Range", "\"e\""},
        {"IF-NONE-MATCH", "*"}, {"Accept-Encoding", "br"}, {"If-Modified-Since", "d"},
        {"Range", "bytes=5-6"},  // a second Range: the first one counts
    };
    for (auto [n, v] : fields) req.header_storage[req.header_count++] = http::Header{n, v};
    auto v = RequestView::from(req);
    CHECK(v.method == "GET");
    CHECK(v.path == "/s/a.css");
    CHECK(v.query == "v=1");
    CHECK(v.range == "bytes=0-1");
    CHECK(v.if_range == "\"e\"");
    CHECK(v.if_none_match == "*");
    CHECK(v.accept_encoding == "br");
    CHECK(v.if_modified_since == "d");
}
