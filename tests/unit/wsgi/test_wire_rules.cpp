// Pure byte rules: PATH_INFO decoding, environ keys, response header validation.
#include <catch2/catch.hpp>

#include "wsgi/app.hpp"
#include "wsgi/wire_rules.hpp"

using namespace paasrun::wsgi;

namespace {
std::string decoded(std::string_view raw) {
    std::string out;
    percent_decode_path(raw, out);
    return out;
}
std::string key(std::string_view name) {
    std::string out;
    environ_key(name, out);
    return out;
}
}  // namespace

TEST_CASE("wire: percent-decoding a path works on bytes", "[wsgi][wire]") {
    CHECK(decoded("/a%2Fb") == "/a/b");  // %2F becomes '/', as in gunicorn and werkzeug
    CHECK(decoded("/caf%C3%A9") == "/caf\xC3\xA9");
    CHECK(decoded("/%e9") == "/\xE9");
    CHECK(decoded("/%00x") == std::string("/\0x", 3));
    CHECK(decoded("/a+b") == "/a+b");  // '+' is not a space in a path
    CHECK(decoded("/100%") == "/100%");
    CHECK(decoded("/%zz%4") == "/%zz%4");
    CHECK(decoded("/%4") == "/%4");
    CHECK(decoded("") == "");
    CHECK(decoded("%41%42") == "AB");
}

TEST_CASE("wire: SCRIPT_NAME is stripped only at a segment boundary", "[wsgi][wire]") {
    CHECK(strip_script_name("/app/x", "/app") == std::optional<std::string_view>("/x"));
    CHECK(strip_script_name("/app", "/app") == std::optional<std::string_view>(""));
    CHECK_FALSE(strip_script_name("/apple", "/app"));
    CHECK_FALSE(strip_script_name("/other", "/app"));
    CHECK(strip_script_name("/x", "") == std::optional<std::string_view>("/x"));
}

TEST_CASE("wire: environ keys of request headers", "[wsgi][wire]") {
    CHECK(key("Host") == "HTTP_HOST");
    CHECK(key("x-forwarded-for") == "HTTP_X_FORWARDED_FOR");
    CHECK(key("Content-Type") == "CONTENT_TYPE");
    CHECK(key("content-length") == "CONTENT_LENGTH");
    CHECK(key("Content-MD5") == "HTTP_CONTENT_MD5");
    CHECK(join_separator("HTTP_COOKIE") == "; ");
    CHECK(join_separator("HTTP_ACCEPT") == ", ");
}

TEST_CASE("wire: status lines", "[wsgi][wire]") {
    CHECK(parse_status("200 OK") == 200);
    CHECK(parse_status("404 Not Found") == 404);
    CHECK(parse_status("599") == 599);
    CHECK(parse_status("200 ") == 200);
    CHECK_FALSE(parse_status("200OK"));
    CHECK_FALSE(parse_status("20 OK"));
    CHECK_FALSE(parse_status("099 Low"));
    CHECK_FALSE(parse_status("OK 200"));
    CHECK_FALSE(parse_status("200 OK\r\nX: y"));
    CHECK_FALSE(parse_status(""));
}

TEST_CASE("wire: header names, values and hop-by-hop fields", "[wsgi][wire]") {
    CHECK(is_token("X-Custom_1"));
    CHECK_FALSE(is_token("X Custom"));
    CHECK_FALSE(is_token("X:Y"));
    CHECK_FALSE(is_token(""));
    CHECK(is_valid_field_value("a\tb c"));
    CHECK(is_valid_field_value("caf\xE9"));
    CHECK_FALSE(is_valid_field_value("a\r\nb"));
    CHECK_FALSE(is_valid_field_value(std::string("a\0b", 3)));
    CHECK_FALSE(is_valid_field_value("a\x7f"));
    for (auto h : {"Connection", "keep-alive", "TE", "Transfer-Encoding", "Upgrade", "Trailer",
                   "Proxy-Authenticate", "Proxy-Authorization"})
        CHECK(is_hop_by_hop(h));
    CHECK_FALSE(is_hop_by_hop("Content-Length"));
    CHECK(parse_content_length("0") == std::optional<std::uint64_t>(0));
    CHECK(parse_content_length("18446744073709551615") == std::nullopt);  // 20 digits
    CHECK(parse_content_length("1234567890123456789") ==
          std::optional<std::uint64_t>(1234567890123456789ull));
    CHECK_FALSE(parse_content_length("-1"));
    CHECK_FALSE(parse_content_length("1 "));
    CHECK_FALSE(parse_content_length(""));
}

TEST_CASE("app spec: gunicorn syntax", "[wsgi][spec]") {
    auto plain = parse_app_spec("hello");
    REQUIRE(plain);
    CHECK(*plain == AppSpec{"hello", "application", "", false});
    auto attr = parse_app_spec("pkg.mod:app.wsgi");
    REQUIRE(attr);
    CHECK(*attr == AppSpec{"pkg.mod", "app.wsgi", "", false});
    auto call = parse_app_spec("pkg:create_app('x', debug=True)");
    REQUIRE(call);
    CHECK(*call == AppSpec{"pkg", "create_app", "'x', debug=True", true});
    auto empty_call = parse_app_spec("pkg:make()");
    REQUIRE(empty_call);
    CHECK(empty_call->is_call);
    CHECK(empty_call->call_args.empty());
}

TEST_CASE("app spec: malformed specs name the offending column", "[wsgi][spec]") {
    auto r = parse_app_spec("my-app:application");
    REQUIRE_FALSE(r);
    CHECK(r.error().where.column == 3);
    CHECK_FALSE(parse_app_spec(""));
    CHECK_FALSE(parse_app_spec("mod:"));
    CHECK_FALSE(parse_app_spec("mod.:app"));
    CHECK_FALSE(parse_app_spec("mod:1app"));
    CHECK_FALSE(parse_app_spec("mod:factory(x"));
    CHECK_FALSE(parse_app_spec(":app"));
}
