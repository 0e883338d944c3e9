// The environ as an app sees it: every PEP 3333 key with its type, PATH_INFO decoding,
// header keys, SCRIPT_NAME, CONTENT_LENGTH rules.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace paasrun::wsgi;
using namespace paasrun::wsgi::test;
using nlohmann::json;

namespace {

json echo(const Request& request) {
    Response r = run(app("echo_app"), request);
    REQUIRE_FALSE(r.failed);
    INFO(r.error);
    return json::parse(r.body);
}

// environ[key] as [type name, value]
json env(const json& doc, const std::string& key) {
    const auto& e = doc.at("environ");
    if (!e.contains(key)) return nullptr;
    return e.at(key);
}

}  // namespace

TEST_CASE("environ: every required key with its PEP 3333 type", "[wsgi][environ]") {
    RequestBuilder b;
    b.request.method = "POST";
    b.request.path = "/hello/world";
    b.request.query = "a=1&b=%20";
    b.request.protocol = "HTTP/1.0";
    b.request.remote_addr = "10.1.2.3";
    b.request.remote_port = 54321;
    b.request.server_name = "example.com";
    b.request.server_port = 8080;
    b.request.url_scheme = "https";
    b.request.request_id = "req-42";
    b.request.body = Body::in_memory("payload");
    b.header("Host", "example.com:8080").header("Content-Type", "text/plain");
    json doc = echo(b.request);

    auto str = [&](const std::string& k, const std::string& v) {
        INFO(k);
        CHECK(env(doc, k) == json::array({"str", v}));
    };
    str("REQUEST_METHOD", "POST");
    str("SCRIPT_NAME", "");
    str("PATH_INFO", "/hello/world");
    str("QUERY_STRING", "a=1&b=%20");
    str("SERVER_NAME", "example.com");
    str("SERVER_PORT", "8080");
    str("SERVER_PROTOCOL", "HTTP/1.0");
    str("REMOTE_ADDR", "10.1.2.3");
    str("REMOTE_PORT", "54321");
    str("RAW_URI", "/hello/world?a=1&b=%20");
    str("REQUEST_URI", "/hello/world?a=1&b=%20");
    str("SERVER_SOFTWARE", "paasrun-test");
    str("HTTP_HOST", "example.com:8080");
    str("CONTENT_TYPE", "text/plain");
    str("CONTENT_LENGTH", "7");  // from the body size: no Content-Length header was given
    str("wsgi.url_scheme", "https");
    str("paasrun.request_id", "req-42");
    CHECK(env(doc, "wsgi.version") == json::array({"tuple", json::array({1, 0})}));
    CHECK(env(doc, "wsgi.multithread") == json::array({"bool", true}));
    CHECK(env(doc, "wsgi.multiprocess") == json::array({"bool", false}));
    CHECK(env(doc, "wsgi.run_once") == json::array({"bool", false}));
    CHECK(env(doc, "wsgi.input_terminated") == json::array({"bool", true}));
    CHECK(env(doc, "wsgi.input").at(0) == "Input");
    CHECK(env(doc, "wsgi.errors").at(0) == "Errors");
    CHECK(env(doc, "wsgi.file_wrapper").at(0) == "type");
    CHECK(env(doc, "HTTP_CONTENT_TYPE").is_null());
    CHECK(env(doc, "HTTP_CONTENT_LENGTH").is_null());
    CHECK(doc.at("body") == "payload");
}

TEST_CASE("environ: no CONTENT_LENGTH for an empty body without the header", "[wsgi][environ]") {
    Request req;
    json doc = echo(req);
    CHECK(env(doc, "CONTENT_LENGTH").is_null());
    CHECK(env(doc, "CONTENT_TYPE").is_null());
    CHECK(env(doc, "QUERY_STRING") == json::array({"str", ""}));
    CHECK(env(doc, "paasrun.request_id").is_null());
    CHECK(env(doc, "RAW_URI") == json::array({"str", "/"}));
}

TEST_CASE("environ: a Content-Length header is passed through as CONTENT_LENGTH",
          "[wsgi][environ]") {
    RequestBuilder b;
    b.request.body = Body::in_memory("abc");
    b.header("Content-Length", "3");
    json doc = echo(b.request);
    CHECK(env(doc, "CONTENT_LENGTH") == json::array({"str", "3"}));
}

TEST_CASE("environ: PATH_INFO is percent-decoded as bytes then latin-1", "[wsgi][environ]") {
    auto path_info = [](std::string_view raw) {
        Request req;
        req.path = raw;
        return env(echo(req), "PATH_INFO").at(1).get<std::string>();
    };
    CHECK(path_info("/a%2Fb") == "/a/b");
    CHECK(path_info("/a%20b") == "/a b");
    // UTF-8 bytes of "é" (C3 A9) become two latin-1 characters U+00C3 U+00A9; the JSON
    // echo shows them as UTF-8 again.
    CHECK(path_info("/caf%C3%A9") == "/caf\u00C3\u00A9");
    CHECK(path_info("/%E9t%E9") == "/\u00E9t\u00E9");
    // Raw non-ASCII bytes in the target are kept, latin-1 decoded.
    CHECK(path_info("/\xC3\xA9") == "/\u00C3\u00A9");
    // The raw forms stay undecoded.
    Request req;
    req.path = "/a%2Fb";
    req.query = "x=%2F";
    json doc = echo(req);
    CHECK(env(doc, "RAW_URI").at(1) == "/a%2Fb?x=%2F");
    CHECK(env(doc, "QUERY_STRING").at(1) == "x=%2F");
}

TEST_CASE("environ: SCRIPT_NAME from the root path", "[wsgi][environ]") {
    Request req;
    req.script_name = "/app";
    req.path = "/app/users/1";
    json doc = echo(req);
    CHECK(env(doc, "SCRIPT_NAME").at(1) == "/app");
    CHECK(env(doc, "PATH_INFO").at(1) == "/users/1");

    req.path = "/app";
    CHECK(env(echo(req), "PATH_INFO").at(1) == "");
    req.path = "/apple";  // not under the root path: PATH_INFO keeps the whole path
    doc = echo(req);
    CHECK(env(doc, "PATH_INFO").at(1) == "/apple");
    CHECK(env(doc, "SCRIPT_NAME").at(1) == "/app");
    req.path = "/app%2Fx";  // decoded before stripping, like gunicorn
    CHECK(env(echo(req), "PATH_INFO").at(1) == "/x");
}

TEST_CASE("environ: header keys, repeated headers and latin-1 values", "[wsgi][environ]") {
    RequestBuilder b;
    b.header("X-Forwarded-For", "1.1.1.1")
        .header("x-forwarded-for", "2.2.2.2")
        .header("Accept", "text/html")
        .header("accept", "application/json")
        .header("Cookie", "a=1")
        .header("Cookie", "b=2")
        .header("X-Latin", "caf\xE9")
        .header("User-Agent", "curl/8");
    json doc = echo(b.request);
    CHECK(env(doc, "HTTP_X_FORWARDED_FOR").at(1) == "1.1.1.1, 2.2.2.2");
    CHECK(env(doc, "HTTP_ACCEPT").at(1) == "text/html, application/json");
    CHECK(env(doc, "HTTP_COOKIE").at(1) == "a=1; b=2");  // RFC 6265 5.4
    CHECK(env(doc, "HTTP_X_LATIN").at(1) == "caf\u00E9");
    CHECK(env(doc, "HTTP_USER_AGENT").at(1) == "curl/8");
}

TEST_CASE("environ: each request gets a fresh dict; caches do not leak values", "[wsgi][environ]") {
    // Many distinct server names and methods (beyond the caches' capacity) still come out
    // right, and nothing set by one request shows up in the next.
    for (int i = 0; i < 20; ++i) {
        RequestBuilder b;
        std::string name = "host" + std::to_string(i);
        std::string method = "M" + std::to_string(i);
        std::string header = "X-H" + std::to_string(i);
        b.request.server_name = name;
        b.request.method = method;
        if (i % 2 == 0) b.header(header, "v");
        json doc = echo(b.request);
        CHECK(env(doc, "SERVER_NAME").at(1) == name);
        CHECK(env(doc, "REQUEST_METHOD").at(1) == method);
        std::string prev_key = "HTTP_X_H" + std::to_string(i - 1);
        CHECK(env(doc, prev_key).is_null());
    }
}

TEST_CASE("environ: the environ passes wsgiref's validator", "[wsgi][environ][validate]") {
    RequestBuilder b;
    b.request.method = "PUT";
    b.request.path = "/v";
    b.request.body = Body::in_memory("abc");
    b.header("Content-Type", "text/plain").header("Content-Length", "3");
    Response r = run(app("validated_app:echo"), b.request);
    INFO(r.error);
    REQUIRE_FALSE(r.failed);
    CHECK(r.status_code == 200);
    CHECK(json::parse(r.body).at("body") == "abc");
}
